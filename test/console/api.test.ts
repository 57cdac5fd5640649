/**
 * The console's HTTP API on the local stack (the local HTTP API emulation
 * invoking the real console-authorizer and console functions, the local
 * identity provider in Cognito's place, a real interactive drill):
 * authentication, browser sign-in, authorization, decisions, conflicts,
 * escaping, and task tokens that never leave the server.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import { documentClient } from '../../functions/adapters/dynamodb-incident-store';
import { childProcesses } from '../e2e/processes';
import { startInteractiveDrill, type BackgroundDrill } from './support';

jest.setTimeout(240_000);

const XSS = `<script>alert("x")</script><img src=x onerror="alert(1)">`;

async function get(
  url: string,
  token?: string,
  accept = 'text/html',
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, {
    headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

async function decide(
  url: string,
  token: string | undefined,
  body: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A token signed by a key the local identity provider never published. */
function forgedToken(issuer: string, audience: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${enc({ alg: 'RS256', kid: 'forged' })}.${enc({ iss: issuer, aud: audience, exp: now + 600, 'cognito:username': 'mallory', 'cognito:groups': ['operators'] })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

describe('console API: approve during a restore drill', () => {
  let drill: BackgroundDrill;
  let operator: string;
  let viewer: string;
  let incidentId: string;
  let base: string;

  beforeAll(async () => {
    drill = await startInteractiveDrill('restore');
    const local = drill.stack.console!;
    operator = local.token('alice', ['operators'], 'alice@example.com');
    viewer = local.token('victor', ['viewers'], 'victor@example.com');
    base = drill.consoleUrl;
  });
  afterAll(async () => {
    await drill?.stop();
  });

  it('answers 403 Forbidden from the authorizer without a token, with a forged or tampered token, before the function runs', async () => {
    const consoleLines = () => drill.logs.filter((l) => l.startsWith('console\t')).length;
    const before = consoleLines();
    // HTTP API simple responses: `isAuthorized: false` is API Gateway's 403 (a 401 is the REST API's "Unauthorized").
    const anonymous = await get(`${base}/`, undefined, 'application/json');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toBe('{"message":"Forbidden"}');
    // The live events the incident page polls: the same 403, whatever the Accept header.
    for (const accept of ['application/json', '*/*', 'text/html']) {
      const events = await get(
        `${base}/incidents/${encodeURIComponent('accounts-20240101T000000Z')}/events`,
        undefined,
        accept,
      );
      expect(events).toMatchObject({ status: 403, body: '{"message":"Forbidden"}' });
    }
    expect(
      drill.logs.some((l) => l.startsWith('console-authorizer\t') && l.includes('request without credentials')),
    ).toBe(true);
    expect(
      (
        await fetch(`${base}/`, {
          headers: {
            cookie: `session=${forgedToken(drill.stack.description.identity!.issuer, drill.stack.description.identity!.audience)}`,
          },
        })
      ).status,
    ).toBe(403);
    const { issuer, audience } = drill.stack.description.identity!;
    expect((await get(`${base}/`, forgedToken(issuer, audience))).status).toBe(403);
    const [h, p, s] = operator.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, 'cognito:username': 'root' })).toString('base64url')}.${s}`;
    expect((await get(`${base}/`, tampered)).status).toBe(403);
    expect(
      (await decide(`${base}/incidents/x/approvals/recovery-plan`, undefined, { decision: 'approve', reason: 'r' }))
        .status,
    ).toBe(403);
    // The console function never ran for any of these.
    expect(consoleLines()).toBe(before);
  });

  it('sends a signed-out browser opening a page to sign-in and back, showing nothing of the incident', async () => {
    const incidentId = await drill.pendingApproval();
    const path = `/incidents/${encodeURIComponent(incidentId)}`;
    const visit = (cookie?: string) =>
      fetch(`${base}${path}?from=mail`, {
        headers: { accept: 'text/html,application/xhtml+xml', ...(cookie ? { cookie } : {}) },
        redirect: 'manual',
      });
    const { issuer, audience } = drill.stack.description.identity!;
    for (const cookie of [undefined, `session=${forgedToken(issuer, audience)}`, 'session=not-a-jwt']) {
      const res = await visit(cookie);
      expect(res.status).toBe(302);
      const location = res.headers.get('location')!;
      expect(location).toBe(`/login?next=${encodeURIComponent(`${path}?from=mail`)}`);
      const body = await res.text();
      expect(body).toBe('');
      // /login keeps where to go, and after the sign-in the browser lands there.
      const login = await fetch(`${base}${location}`, { redirect: 'manual' });
      expect(login.status).toBe(302);
      const pending = login.headers.getSetCookie().find((c) => c.startsWith('login='))!;
      const remembered = JSON.parse(
        Buffer.from(pending.split(';')[0]!.slice('login='.length), 'base64url').toString(),
      ) as { next: string };
      expect(remembered.next).toBe(`${path}?from=mail`);
    }
    // A genuine session that expired: told so, with the way back, and the dead cookie cleared.
    const expired = await visit(
      `session=${drill.stack.console!.token('alice', ['operators'], 'alice@example.com', -60)}`,
    );
    expect(expired.status).toBe(401);
    const page = await expired.text();
    expect(page).toMatch(/Your session expired at \d\d:\d\d [A-Z]{2,5} — sign in again\./);
    expect(page).toContain(`href="/login?next=${encodeURIComponent(`${path}?from=mail`)}"`);
    expect(expired.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=; .*Max-Age=0$/)]);
    for (const answer of [page]) {
      expect(answer).not.toContain('name="csrf"');
      expect(answer).not.toContain('<form');
      expect(answer).not.toContain('PROVISION_FROM_BACKUP');
    }
  });

  it("signs a browser in: /login → the identity provider's sign-in page → /callback sets the session cookie", async () => {
    const login = await fetch(`${base}/login?next=${encodeURIComponent('/incidents/some-incident')}`, {
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    const { issuer, audience } = drill.stack.description.identity!;
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${issuer}/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: audience,
      redirect_uri: `${base}/callback`,
      code_challenge_method: 'S256',
    });
    const pendingCookie = login.headers.getSetCookie().find((c) => c.startsWith('login='))!;
    expect(pendingCookie).toMatch(/HttpOnly/);
    expect(pendingCookie).toMatch(/Path=\/callback/);
    const loginCookie = pendingCookie.split(';')[0]!;

    const form = await fetch(authorize);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Sign in to the cache outage console');
    const signedIn = await fetch(`${issuer}/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: audience,
        redirect_uri: `${base}/callback`,
        state: authorize.searchParams.get('state')!,
        code_challenge: authorize.searchParams.get('code_challenge')!,
        username: 'grace@example.com',
        groups: 'operators',
      }).toString(),
      redirect: 'manual',
    });
    expect(signedIn.status).toBe(302);
    const callback = signedIn.headers.get('location')!;
    expect(callback.startsWith(`${base}/callback?code=`)).toBe(true);

    // The callback without the cookie of the sign-in it belongs to is refused (another browser, a forged link).
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(400);
    const back = await fetch(callback, { headers: { cookie: loginCookie }, redirect: 'manual' });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/incidents/some-incident');
    const session = back.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\//);
    // The cookie outlives its token, so an expired token reaches the authorizer and the browser is told it expired.
    const maxAge = Number(/Max-Age=(\d+)/.exec(session)?.[1]);
    const token = session.split(';')[0]!.slice('session='.length);
    const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    expect(maxAge).toBeGreaterThan(exp - Math.floor(Date.now() / 1000) + 3600);
    const cookie = session.split(';')[0]!;

    // A code is good once.
    expect((await fetch(callback, { headers: { cookie: loginCookie }, redirect: 'manual' })).status).toBe(400);

    const list = await fetch(`${base}/`, { headers: { cookie } });
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain('Signed in as <strong>grace@example.com</strong>');

    // Sign out: the form token of this session, then the identity provider's logout, back to /login.
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    expect(
      (
        await fetch(`${base}/logout`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'csrf=forged',
          redirect: 'manual',
        })
      ).status,
    ).toBe(403);
    const out = await fetch(`${base}/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('session='))).toMatch(/^session=; .*Max-Age=0/);
    const logout = await fetch(out.headers.get('location')!, { redirect: 'manual' });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe(`${base}/login`);
  });

  it('answers 403 to a signed-in user outside the operators group', async () => {
    const page = await get(`${base}/`, viewer);
    expect(page.status).toBe(403);
    expect(page.body).toContain('victor@example.com is not in the &quot;operators&quot; group');
  });

  it('answers 404 for an unknown incident, on the page and on a decision', async () => {
    expect((await get(`${base}/incidents/no-such-incident`, operator)).status).toBe(404);
    const r = await decide(`${base}/incidents/no-such-incident/approvals/recovery-plan`, operator, {
      decision: 'approve',
      reason: 'r',
    });
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('Not Found');
  });

  it('shows the pending approval with its facts, and no task token anywhere', async () => {
    incidentId = await drill.pendingApproval();
    const { taskToken } = (await drill.store.pendingApproval(incidentId, 'recovery-plan'))!;
    expect(taskToken.length).toBeGreaterThan(10);

    const list = await get(`${base}/`, operator);
    expect(list.status).toBe(200);
    expect(list.body).toContain(incidentId);
    expect(list.body).toContain('1 approval waiting');
    const page = await get(`${base}/incidents/${encodeURIComponent(incidentId)}`, operator);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<dt>Plan</dt><dd>Restore from backup</dd>');
    expect(page.body).toMatch(/Backup size<\/dt><dd>[\d.]+ (KiB|MiB)/);
    expect(page.body).toMatch(/Clients served again in<\/dt><dd>about \d+ min/);
    expect(page.body).toContain('name="decision" value="approve"');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'nonce-");
    const events = await get(
      `${base}/incidents/${encodeURIComponent(incidentId)}/events`,
      operator,
      'application/json',
    );
    const view = JSON.parse(events.body) as { approvals: { status: string }[]; execution: { currentState: string } };
    expect(view.approvals[0]?.status).toBe('PENDING');
    expect(view.execution.currentState).toBe('Request Approval');
    const listJson = await get(`${base}/`, operator, 'application/json');
    for (const body of [list.body, page.body, events.body, listJson.body]) expect(body).not.toContain(taskToken);
  });

  it('refuses a cookie-session form without its anti-forgery token', async () => {
    const res = await fetch(`${base}/incidents/${encodeURIComponent(incidentId)}/approvals/recovery-plan`, {
      method: 'POST',
      headers: { cookie: `session=${operator}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision: 'approve', reason: 'from another site' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect((await drill.store.pendingApproval(incidentId, 'recovery-plan'))?.approval.status).toBe('PENDING');
  });

  it('approves as the signed-in operator, answers 409 to a second decision, and the drill resolves', async () => {
    const { taskToken } = (await drill.store.pendingApproval(incidentId, 'recovery-plan'))!;
    const url = `${base}/incidents/${encodeURIComponent(incidentId)}/approvals/recovery-plan`;
    const first = await decide(url, operator, { decision: 'approve', reason: 'backup is 2 minutes old' });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: 'APPROVED', decidedBy: 'alice@example.com', step: 'recovery-plan' });

    const second = await decide(url, operator, { decision: 'reject', reason: 'too late' });
    expect(second.status).toBe(409);
    expect(second.json.message).toContain('already approved by alice@example.com');

    const report = await drill.report;
    expect(report.ok).toBe(true);
    expect(report.incident?.status).toBe('RESOLVED');
    const approved = report.timeline.filter((e) => e.type === 'APPROVED');
    expect(approved).toHaveLength(1);
    expect(approved[0]?.detail).toMatchObject({ decidedBy: 'alice@example.com', reason: 'backup is 2 minutes old' });
    expect(report.timeline.map((e) => e.type)).not.toContain('REJECTED');

    // The token went to Step Functions and nowhere else: no log line, notice or operator message carries it.
    expect(drill.logs.length).toBeGreaterThan(20);
    expect(drill.logs.filter((l) => l.includes(taskToken))).toEqual([]);
    const messages = [...report.notices, ...report.operatorMessages].map((m) => `${m.subject ?? ''}\n${m.message}`);
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.filter((m) => m.includes(taskToken))).toEqual([]);
    expect(report.operatorMessages[0]?.message).toContain(
      `${base}/login?next=${encodeURIComponent(`/incidents/${incidentId}`)}`,
    );
  });
});

describe('console API: reject through the form, and escaping', () => {
  let drill: BackgroundDrill;

  beforeAll(async () => {
    drill = await startInteractiveDrill('reject');
  });
  afterAll(async () => {
    await drill?.stop();
  });

  it('escapes hostile alarm names, cache ids, timeline messages and reasons', async () => {
    const local = drill.stack.console!;
    const operator = local.token('bob', ['operators']);
    const doc = documentClient(drill.stack.clients.dynamodb);
    const evilId = 'evil-20240101T000000Z';
    await doc.send(
      new PutCommand({
        TableName: drill.stack.description.tables.incidents,
        Item: {
          ...recordedIncidentItem({
            incidentId: evilId,
            cacheId: XSS,
            openedAt: '2024-01-01T00:00:00.000Z',
            executionArn: `${drill.stack.description.stateMachineArn.replace(':stateMachine:', ':execution:')}:x`,
            executionName: 'x',
            triggerAlarm: XSS,
          }),
          status: 'FAILED',
        },
      }),
    );
    await drill.store.appendTimeline(evilId, { at: '2024-01-01T00:00:01.000Z', type: 'FAILED', message: XSS });
    for (const url of [`${drill.consoleUrl}/`, `${drill.consoleUrl}/incidents/${evilId}`]) {
      const page = await get(url, operator);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).not.toContain('<img src=x');
      expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    }
  });

  it('rejects through the browser form with the session cookie and its form token; the workflow escalates', async () => {
    const incidentId = await drill.pendingApproval();
    const cookie = `session=${drill.stack.console!.token('carol', ['operators'], 'carol@example.com')}`;
    const pageRes = await fetch(`${drill.consoleUrl}/incidents/${encodeURIComponent(incidentId)}`, {
      headers: { cookie },
    });
    const html = await pageRes.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf).toBeDefined();
    const res = await fetch(`${drill.consoleUrl}/incidents/${encodeURIComponent(incidentId)}/approvals/recovery-plan`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrf!, decision: 'reject', reason: `not now ${XSS}` }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/incidents/${encodeURIComponent(incidentId)}`);

    const after = await (
      await fetch(`${drill.consoleUrl}/incidents/${encodeURIComponent(incidentId)}`, { headers: { cookie } })
    ).text();
    expect(after).toContain('Rejected by <strong>carol@example.com</strong>');
    expect(after).not.toContain('<img src=x');
    expect(after).toContain('not now &lt;script&gt;');

    const report = await drill.report;
    expect(report.ok).toBe(true);
    expect(report.executionError).toBe('ApprovalRejectedError');
    expect(report.timeline.find((e) => e.type === 'REJECTED')?.detail).toMatchObject({
      decidedBy: 'carol@example.com',
    });
  });
});
