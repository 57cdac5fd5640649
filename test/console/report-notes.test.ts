/**
 * Operators fill in the report's own sections through the real console
 * handler over the in-memory fakes: the form on a finished incident's page,
 * a save recorded on the timeline and shown in the report, a stale version
 * refused with the other operator's text and nothing typed lost, bad fields
 * named, and the refusals (signed out, not an operator, no CSRF token, an
 * open incident) writing nothing.
 */
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { makeHandler } from '../../functions/handlers/console';
import { lambdaContext, UNUSED_CONSOLE_PARTS } from '../fakes';
import { csrfOf, SESSION } from './group-decision-world';
import { resolvedIncidentWorld } from './report-world';

const OPEN_ID = 'sessions-20240216T212500Z';
const visibleText = (html: string) =>
  html
    .replace(/<(style|script|svg)[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

interface Send {
  path: string;
  form?: [string, string][];
  json?: unknown;
  accept?: string;
  /** A browser session (with this CSRF token, or none), the CLI's bearer token, or nobody signed in. */
  as?: 'bearer' | { csrf?: string } | 'signed-out';
  operator?: { username: string; groups: string };
}

async function setup() {
  const w = await resolvedIncidentWorld();
  const handler = makeHandler({
    ...w,
    ...UNUSED_CONSOLE_PARTS,
  });
  const send = async (r: Send) => {
    const as = r.as ?? { csrf: csrfOf(SESSION) };
    const body =
      r.json !== undefined ? JSON.stringify(r.json) : r.form ? new URLSearchParams(r.form).toString() : undefined;
    const [rawPath, query] = r.path.split('?');
    const event = {
      rawPath,
      ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
      requestContext: {
        http: { method: body === undefined ? 'GET' : 'POST' },
        domainName: 'console.example.test',
        authorizer: {
          lambda: as === 'signed-out' ? {} : (r.operator ?? { username: 'ana@acme.test', groups: 'operators' }),
        },
      },
      headers: {
        accept: r.accept ?? 'text/html',
        ...(r.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(r.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(as === 'bearer' ? { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.cli' } : {}),
      },
      ...(typeof as === 'object' ? { cookies: [`session=${SESSION}`] } : {}),
      ...(body !== undefined ? { body } : {}),
    };
    const result = (await handler(event as unknown as ConsoleEvent, lambdaContext('console'))) as ConsoleResult;
    return { ...result, statusCode: result.statusCode ?? 200, body: result.body ?? '' };
  };
  const page = `/incidents/${w.incidentId}`;
  const notesPath = `${page}/report/notes`;
  const csrfField = (): [string, string] => ['csrf', csrfOf(SESSION)];
  const edits = async () => (await w.store.timeline(w.incidentId)).filter((e) => e.type === 'REPORT_EDITED');
  return { w, send, page, notesPath, csrfField, edits };
}

describe('the report notes form', () => {
  it('shows on a finished incident’s page: root cause, action item rows, Keep / Drop per suggestion, the version', async () => {
    const { send, page, notesPath, w } = await setup();
    const res = await send({ path: page });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<form method="post" action="${notesPath}">`);
    expect(res.body).toContain(`name="csrf" value="${csrfOf(SESSION)}"`);
    expect(res.body).toContain('<input type="hidden" name="version" value="0">');
    expect(res.body).toContain('<textarea id="root-cause" name="rootCause" maxlength="8000" rows="5"></textarea>');
    expect(res.body.match(/name="item\.\d+\.owner"/g)).toHaveLength(3);
    expect(res.body).toContain('name="suggestion.multi-az" value="keep"');
    expect(res.body).toContain('name="suggestion.multi-az" value="drop"');
    expect(visibleText(res.body)).toContain(
      'Add a replica in another Availability Zone (Multi-AZ) Keep Drop Undecided',
    );

    const open = await send({ path: `/incidents/${OPEN_ID}` });
    expect(open.body).not.toContain('/report/notes');
    expect(w.store.dump().filter((d) => d.entity === 'reportNotes')).toEqual([]);
  });

  it('saves, redirects back, records who changed what on the timeline, and the report and page show it', async () => {
    const { send, page, notesPath, csrfField, edits, w } = await setup();
    w.clock.set('2024-02-17T15:00:00.000Z');
    const res = await send({
      path: notesPath,
      form: [
        csrfField(),
        ['version', '0'],
        ['rootCause', 'The primary’s disk filled up; its alarm was muted.'],
        ['item.0.text', 'Unmute the disk alarm'],
        ['item.0.owner', 'bo'],
        ['item.0.due', '2024-02-20'],
        ['item.1.text', ''],
        ['item.1.owner', ''],
        ['item.1.due', ''],
        ['suggestion.multi-az', 'keep'],
        ['suggestion.global-datastore', 'drop'],
        ['suggestion.backup-interval', ''],
      ],
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers?.location).toBe(`${page}#report-notes`);

    expect(await edits()).toEqual([
      expect.objectContaining({
        at: '2024-02-17T15:00:00.000Z',
        message:
          'ana@acme.test edited the report: root cause written; action item added: Unmute the disk alarm (owner bo, due 2024-02-20); suggestion kept: Add a replica in another Availability Zone (Multi-AZ); suggestion dropped: Add a cross-region secondary (Global Datastore)',
        detail: expect.objectContaining({ by: 'ana@acme.test', version: 1 }),
      }),
    ]);
    const md = (await send({ path: `${page}/report?format=md` })).body;
    expect(md).toContain(
      '## Root cause beyond what was observed\n\nThe primary’s disk filled up; its alarm was muted.',
    );
    expect(md).toContain('- Unmute the disk alarm (owner: bo, due 2024-02-20)');
    expect(md).toContain('- [x] **Suggestion: Add a replica in another Availability Zone (Multi-AZ).**');
    expect(md).toContain('- ~~Add a cross-region secondary (Global Datastore)~~ (dropped by ana@acme.test)');

    const after = (await send({ path: page })).body;
    expect(after).toContain('<input type="hidden" name="version" value="1">');
    expect(after).toContain('>The primary’s disk filled up; its alarm was muted.</textarea>');
    expect(after).toContain('name="item.0.text" value="Unmute the disk alarm"');
    expect(after).toContain('name="suggestion.multi-az" value="keep" checked');
    expect(visibleText(after)).toContain('Last saved by ana@acme.test at Feb 17, 10:00 ET');
    expect(visibleText(after)).toMatch(/Report edited ana@acme\.test edited the report: root cause written/);
  });

  it('answers JSON callers with the saved notes', async () => {
    const { send, notesPath } = await setup();
    const res = await send({
      path: notesPath,
      as: 'bearer',
      accept: 'application/json',
      json: {
        version: 0,
        actionItems: [{ text: 'Enable Multi-AZ', owner: 'cy' }],
        suggestions: { 'multi-az': 'KEPT' },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      notes: {
        version: 1,
        actionItems: [{ text: 'Enable Multi-AZ', owner: 'cy' }],
        suggestions: { 'multi-az': 'KEPT' },
      },
      changed: [
        'action item added: Enable Multi-AZ (owner cy)',
        'suggestion kept: Add a replica in another Availability Zone (Multi-AZ)',
      ],
    });
  });

  it('refuses a stale version with 409: the other operator’s text shown, what was typed kept, nothing overwritten', async () => {
    const { send, notesPath, csrfField, edits, w } = await setup();
    const save = (by: string, rootCause: string) =>
      send({
        path: notesPath,
        operator: { username: by, groups: 'operators' },
        form: [
          csrfField(),
          ['version', '0'],
          ['rootCause', rootCause],
          ['item.0.text', 'Page the network team'],
          ['item.0.owner', 'dee'],
        ],
      });
    expect((await save('bo@acme.test', 'A network partition <b>isolated</b> the primary.')).statusCode).toBe(303);

    const stale = await save('ana@acme.test', 'The disk filled up.');
    expect(stale.statusCode).toBe(409);
    const text = visibleText(stale.body);
    expect(text).toContain('Someone else saved first');
    expect(text).toContain('bo@acme.test saved the report notes after you loaded them');
    expect(text).toContain('Their notes');
    expect(stale.body).toContain('A network partition &lt;b&gt;isolated&lt;/b&gt; the primary.');
    expect(stale.body).toContain('>The disk filled up.</textarea>');
    expect(stale.body).toContain('<input type="hidden" name="version" value="1">');
    expect(await w.store.reportNotes(w.incidentId)).toMatchObject({
      rootCause: 'A network partition <b>isolated</b> the primary.',
      updatedBy: 'bo@acme.test',
      version: 1,
    });
    expect(await edits()).toHaveLength(1);

    const json = await send({
      path: notesPath,
      as: 'bearer',
      accept: 'application/json',
      json: { version: 0, rootCause: 'x' },
    });
    expect(json.statusCode).toBe(409);
    expect(JSON.parse(json.body)).toMatchObject({
      error: 'Conflict',
      current: { version: 1, updatedBy: 'bo@acme.test' },
    });
  });

  it('answers bad input with 400 naming the field, keeping what was typed and saving nothing', async () => {
    const { send, notesPath, csrfField, edits, w } = await setup();
    const res = await send({
      path: notesPath,
      form: [
        csrfField(),
        ['version', '0'],
        ['rootCause', 'kept text'],
        ['item.0.text', 'Unmute the alarm'],
        ['item.0.due', '2024-02-31'],
      ],
    });
    expect(res.statusCode).toBe(400);
    const text = visibleText(res.body);
    expect(text).toContain('actionItems[0].owner: required');
    expect(text).toContain('actionItems[0].due: a date, YYYY-MM-DD');
    expect(res.body).toContain('>kept text</textarea>');
    expect(res.body).toContain('name="item.0.text" value="Unmute the alarm"');

    const json = await send({ path: notesPath, as: 'bearer', accept: 'application/json', json: { version: 'one' } });
    expect(json.statusCode).toBe(400);
    expect(JSON.parse(json.body).message).toMatch(/version/);
    // A root cause within its 8000 characters passes the body limit even form-encoded at nine characters each…
    const accented = await send({
      path: notesPath,
      form: [csrfField(), ['version', '0'], ['rootCause', '€'.repeat(8001)]],
    });
    expect(accented.statusCode).toBe(400);
    expect(visibleText(accented.body)).toContain('rootCause: at most 8000 characters');
    // …and a body larger than any the form can send is refused before it is read.
    const big = await send({
      path: notesPath,
      form: [csrfField(), ['version', '0'], ['rootCause', 'x'.repeat(263_000)]],
    });
    expect(big.statusCode).toBe(400);
    expect(visibleText(big.body)).toContain('at most 256 KiB');
    expect(await w.store.reportNotes(w.incidentId)).toBeUndefined();
    expect(await edits()).toEqual([]);
  });

  it('refuses the signed-out, non-operators, a missing or forged CSRF token, and an open incident', async () => {
    const { send, notesPath, csrfField, edits, w } = await setup();
    const fields: [string, string][] = [
      ['version', '0'],
      ['rootCause', 'x'],
    ];
    const signedOut = await send({ path: notesPath, as: 'signed-out', accept: 'application/json', form: fields });
    expect(signedOut.statusCode).toBe(401);
    const viewer = await send({
      path: notesPath,
      operator: { username: 'eve@acme.test', groups: 'viewers' },
      form: [csrfField(), ...fields],
    });
    expect(viewer.statusCode).toBe(403);
    expect(visibleText(viewer.body)).toContain('only operators may see incidents and decide');
    for (const form of [fields, [['csrf', 'forged'] as [string, string], ...fields]]) {
      const refused = await send({ path: notesPath, as: {}, form });
      expect(refused.statusCode).toBe(403);
      expect(visibleText(refused.body)).toContain('This form has expired or did not come from the console');
    }
    const open = await send({ path: `/incidents/${OPEN_ID}/report/notes`, form: [csrfField(), ...fields] });
    expect(open.statusCode).toBe(409);
    expect(visibleText(open.body)).toContain('still open');
    const get = await send({ path: notesPath, accept: 'application/json' });
    expect(get.statusCode).toBe(405);
    expect(await w.store.reportNotes(w.incidentId)).toBeUndefined();
    expect(await edits()).toEqual([]);
  });
});
