/**
 * Operators decide once for a provider outage, through the real console
 * handler over the in-memory fakes: the group page (every cache with its
 * plan, backup, estimate, state and decision, in words and in the operators'
 * zone), approve or reject all, one cache alone (`only`, `decide.<id>`), the
 * outcome cache by cache, and every refusal (CSRF, the operators group, 409
 * when nothing waits, bad ids and bad fields) deciding nothing.
 */
import {
  consoleOver,
  csrfOf,
  GROUP,
  ID,
  SESSION,
  STEP,
  tokenOf,
  waitingGroupWorld,
  type Request,
} from './group-decision-world';

const ENUM_NAME = /\b[A-Z]{2,}(_[A-Z]+)+\b/;
const visibleText = (html: string) =>
  html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');
const decidePath = `/groups/${GROUP}/approvals/${STEP}`;

async function setup() {
  const c = consoleOver(await waitingGroupWorld());
  const status = async (incidentId: string) => (await c.store.pendingApproval(incidentId, STEP))?.approval.status;
  return { ...c, status };
}

describe('the group page', () => {
  it('lists every cache with its plan, backup, estimate, state and decision, linking to its incident', async () => {
    const { send } = await setup();
    const res = await send({ path: `/groups/${GROUP}`, accept: 'text/html' });

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^text\/html/);
    const text = visibleText(res.body);
    expect(text).toContain('acme-redis provider outage — 2 caches waiting for a decision');
    expect(text).toContain(`Incident group ${GROUP}`);
    expect(text).toContain('2 caches of acme-redis wait for a decision on recovery plan');
    const rows = res.body.split('<tr data-incident=').slice(1);
    expect(rows.map((r) => /href="\/incidents\/([^"]+)"/.exec(r)?.[1])).toEqual([ID.one, ID.two, ID.three]);
    expect(visibleText(`<x ${rows[0]}`)).toMatch(
      /accounts-1.*Alarm received\s*Open\s*Restore from backup.*accounts-1\/2026-12-07T0900\.rdb\s*taken 04:00 ET\s*about 12 min\s*Waiting for a decision/,
    );
    expect(visibleText(`<x ${rows[2]}`)).toMatch(
      /accounts-3.*Resolved\s*Resolved\s*Promote a replica.*No approval requested/,
    );
    // Approve / reject all, and one pair of buttons per cache waiting.
    expect(res.body).toContain(`action="${decidePath}"`);
    expect(res.body).toContain('name="decision" value="approve">Approve all 2<');
    expect(res.body).toContain(`name="decide.${ID.two}" value="reject"`);
    expect(res.body).not.toContain(`name="decide.${ID.three}"`);
    expect(res.body).toContain(`action="${decidePath}/ack"`);
    expect(text).toContain('If nobody decides or acknowledges by 05:22 ET');
    expect(text.match(ENUM_NAME)?.[0]).toBeUndefined();
    expect(res.body).not.toContain('task-token');
  });

  it('answers the same group as JSON, without a task token', async () => {
    const { send } = await setup();
    const res = await send({ path: `/groups/${GROUP}` });
    const view = JSON.parse(res.body) as {
      group: Record<string, unknown>;
      members: { incidentId: string; approval?: { status: string } }[];
      pending: unknown[];
    };
    expect(view.group).toMatchObject({ groupId: GROUP, provider: 'acme-redis', status: 'OPEN', caches: 3 });
    expect(view.members.map((m) => [m.incidentId, m.approval?.status])).toEqual([
      [ID.one, 'PENDING'],
      [ID.two, 'PENDING'],
      [ID.three, undefined],
    ]);
    expect(view.pending).toEqual([{ step: STEP, stepLabel: 'Recovery plan', waiting: 2 }]);
    expect(res.body).not.toContain('task-token');
  });

  it('answers 404 for a group that does not exist, and for a malformed id', async () => {
    const { send } = await setup();
    expect((await send({ path: '/groups/acme-redis-20990101T000000Z' })).statusCode).toBe(404);
    expect((await send({ path: '/groups/a%2Fb' })).statusCode).toBe(404);
    expect((await send({ path: `/groups/${'x'.repeat(201)}` })).statusCode).toBe(404);
    expect((await send({ method: 'GET', path: decidePath })).statusCode).toBe(405);
  });
});

describe('deciding for the group', () => {
  it('approves every cache waiting at once, each with its own record, timeline entry and resumption', async () => {
    const { send, resumer, status, store } = await setup();
    const res = await send({
      path: decidePath,
      json: { decision: 'approve', reason: 'the provider is down for hours' },
    });

    expect(res.statusCode).toBe(200);
    const outcome = JSON.parse(res.body) as { decided: { incidentId: string; status: string }[]; skipped: unknown[] };
    expect(outcome.decided.map((d) => [d.incidentId, d.status])).toEqual([
      [ID.one, 'APPROVED'],
      [ID.two, 'APPROVED'],
    ]);
    expect(outcome.skipped).toEqual([
      { incidentId: ID.three, cacheId: 'accounts-3', reason: 'no approval "recovery-plan"' },
    ]);
    expect(resumer.calls).toEqual([
      { kind: 'success', token: tokenOf(ID.one) },
      { kind: 'success', token: tokenOf(ID.two) },
    ]);
    expect([await status(ID.one), await status(ID.two)]).toEqual(['APPROVED', 'APPROVED']);
    const entry = (await store.timeline(ID.two)).find((e) => e.type === 'APPROVED');
    expect(entry?.message).toContain(
      `dana@example.com approved recovery-plan: the provider is down for hours (group ${GROUP})`,
    );
    expect(res.body).not.toContain('task-token');

    // Nothing waits any more: 409, nothing resumed again.
    const again = await send({ path: decidePath, json: { decision: 'reject', reason: 'changed my mind' } });
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body)).toMatchObject({ error: 'Already decided' });
    expect(JSON.parse(again.body).message).toContain('accounts-1 already approved');
    expect(resumer.calls).toHaveLength(2);
  });

  it('decides one cache alone with `only` (a cache id), and approves A while rejecting B with `decide.<id>`', async () => {
    const only = await setup();
    const res = await only.send({
      path: decidePath,
      json: { decision: 'reject', reason: 'hand-restored', only: 'accounts-2' },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ decided: [{ incidentId: ID.two, status: 'REJECTED' }], skipped: [] });
    expect([await only.status(ID.one), await only.status(ID.two)]).toEqual(['PENDING', 'REJECTED']);
    expect(only.resumer.calls).toEqual([{ kind: 'failure', token: tokenOf(ID.two) }]);

    const mixed = await setup();
    const both = await mixed.send({
      path: decidePath,
      json: { decision: 'approve', reason: 'restore all but accounts-1', decide: { [ID.one]: 'reject' } },
    });
    expect(both.statusCode).toBe(200);
    expect([await mixed.status(ID.one), await mixed.status(ID.two)]).toEqual(['REJECTED', 'APPROVED']);
    expect(mixed.resumer.calls.map((c) => c.kind).sort()).toEqual(['failure', 'success']);
  });

  it('a browser posts the form with a per-cache button: the group page comes back with what was decided and skipped', async () => {
    const { send, status } = await setup();
    const res = await send({
      path: decidePath,
      accept: 'text/html',
      as: { kind: 'cookie' },
      form: [
        ['csrf', csrfOf(SESSION)],
        ['reason', 'accounts-1 first'],
        [`decide.${ID.one}`, 'approve'],
      ],
    });
    expect(res.statusCode).toBe(200);
    const text = visibleText(res.body);
    expect(text).toContain('Decided 1 cache.');
    expect(text).toContain('accounts-1: approved');
    expect(text).toContain('acme-redis provider outage — 1 cache waiting for a decision');
    expect([await status(ID.one), await status(ID.two)]).toEqual(['APPROVED', 'PENDING']);

    // Approve all now: accounts-1 is skipped and the page says why.
    const all = await send({
      path: decidePath,
      accept: 'text/html',
      as: { kind: 'cookie' },
      form: [
        ['csrf', csrfOf(SESSION)],
        ['reason', 'the rest'],
        ['decision', 'approve'],
      ],
    });
    expect(visibleText(all.body)).toMatch(
      /Decided 1 cache, skipped 2\..*accounts-2: approved.*accounts-1: not decided \(already approved\)/,
    );
  });

  it('acknowledges every cache waiting: one heartbeat each, nothing decided', async () => {
    const { send, resumer, status } = await setup();
    const res = await send({ path: `${decidePath}/ack`, json: {} });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      groupId: GROUP,
      step: STEP,
      acknowledgedBy: 'dana@example.com',
      acknowledged: [ID.one, ID.two],
    });
    expect(resumer.calls).toEqual([
      { kind: 'heartbeat', token: tokenOf(ID.one) },
      { kind: 'heartbeat', token: tokenOf(ID.two) },
    ]);
    expect(await status(ID.one)).toBe('PENDING');
  });
});

describe('refusals decide nothing', () => {
  const refused: [string, Request, number, RegExp][] = [
    [
      'a session form without its CSRF token',
      {
        path: decidePath,
        as: { kind: 'cookie' },
        form: [
          ['decision', 'approve'],
          ['reason', 'r'],
        ],
      },
      403,
      /expired or did not come from the console: reload the group page/,
    ],
    [
      'a session form with another session’s CSRF token',
      {
        path: `${decidePath}/ack`,
        as: { kind: 'cookie' },
        form: [['csrf', csrfOf('another-session')]],
      },
      403,
      /expired/,
    ],
    [
      'someone outside the operators group',
      {
        path: decidePath,
        json: { decision: 'approve', reason: 'r' },
        operator: { username: 'victor', groups: 'viewers' },
      },
      403,
      /not in the "operators" group/,
    ],
    ['no decision at all', { path: decidePath, json: { reason: 'r' } }, 400, /decision: must be "approve" or "reject"/],
    [
      'a decision that is neither',
      { path: decidePath, json: { decision: 'yes', reason: 'r' } },
      400,
      /decision: must be/,
    ],
    ['no reason', { path: decidePath, json: { decision: 'approve', reason: '  ' } }, 400, /reason/],
    [
      '`only` naming no member',
      { path: decidePath, json: { decision: 'approve', reason: 'r', only: ['billing'] } },
      400,
      /only: not a cache or incident of group .*: billing/,
    ],
    [
      '`only` that is no list of ids',
      { path: decidePath, json: { decision: 'approve', reason: 'r', only: [1] } },
      400,
      /only: must be incident or cache ids/,
    ],
    [
      '`only` with a malformed id',
      { path: decidePath, json: { decision: 'approve', reason: 'r', only: 'a/b' } },
      400,
      /only: not an incident or cache id/,
    ],
    [
      '`only` naming nothing',
      {
        path: decidePath,
        form: [
          ['decision', 'approve'],
          ['reason', 'r'],
          ['only', ' , '],
        ],
      },
      400,
      /only: names no cache/,
    ],
    [
      'a per-cache choice that is neither',
      { path: decidePath, json: { reason: 'r', decide: { [ID.one]: 'maybe' } } },
      400,
      /decide\.accounts-1-20261207T095000Z: must be/,
    ],
    [
      'a per-cache choice for a stranger',
      { path: decidePath, json: { reason: 'r', 'decide.billing': 'approve' } },
      400,
      /decide\.billing: not a cache or incident/,
    ],
    [
      'a group that does not exist',
      { path: `/groups/nope-20990101T000000Z/approvals/${STEP}`, json: { decision: 'approve', reason: 'r' } },
      404,
      /no incident group/,
    ],
    [
      'an ack of a group that does not exist',
      { path: `/groups/nope-20990101T000000Z/approvals/${STEP}/ack`, json: {} },
      404,
      /no incident group/,
    ],
    [
      'a step nothing waits on',
      { path: `/groups/${GROUP}/approvals/other-step`, json: { decision: 'approve', reason: 'r' } },
      409,
      /waits for a decision on "other-step"/,
    ],
    [
      'a body over 16 KiB',
      { path: decidePath, json: { decision: 'approve', reason: 'x'.repeat(17 * 1024) } },
      400,
      /at most 16 KiB/,
    ],
  ];

  it.each(refused)('%s', async (_what, request, code, message) => {
    const { send, resumer, status } = await setup();
    const res = await send(request);
    expect(res.statusCode).toBe(code);
    if (request.accept === undefined) expect(String(JSON.parse(res.body).message)).toMatch(message);
    expect(resumer.calls).toEqual([]);
    expect([await status(ID.one), await status(ID.two)]).toEqual(['PENDING', 'PENDING']);
  });

  it('a refused browser form gets a page leading back to the group, with the input escaped', async () => {
    const { send } = await setup();
    const res = await send({
      path: decidePath,
      accept: 'text/html',
      json: { decision: 'approve', reason: 'r', only: ['<x-probe>'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(`href="/groups/${GROUP}">Back to the group<`);
    expect(res.body).not.toContain('<x-probe');
  });
});
