/**
 * A browser opening a console page without a valid session: the console
 * function, behind the authorizer's signed-out context (see
 * test/console/authorizer.test.ts for when the authorizer gives one), sends
 * it to sign-in and back, says when a session expired, and shows nothing
 * else: no incident, no form, no CSRF token. Any other request without an
 * operator is refused.
 */
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { safeNext } from '../../functions/console/sign-in';
import { makeHandler } from '../../functions/handlers/console';
import { fakeWorld, lambdaContext } from '../fakes';

const NOW = '2026-11-26T23:20:00.000Z';
const INCIDENT = 'accounts-20261126T231400Z';
const TASK_TOKEN = 'task-token-never-shown';

async function world() {
  const w = fakeWorld({ now: NOW });
  w.store.seedIncident({ incidentId: INCIDENT, cacheId: 'accounts', openedAt: '2026-11-26T23:14:00.000Z' });
  await w.store.savePendingApproval(
    {
      incidentId: INCIDENT,
      step: 'recovery-plan',
      status: 'PENDING',
      requestedAt: '2026-11-26T23:15:00.000Z',
      facts: { plan: 'PROVISION_FROM_BACKUP' },
    },
    TASK_TOKEN,
  );
  const resumed: string[] = [];
  const handler = makeHandler({
    ...w,
    resumer: {
      sendSuccess: async () => void resumed.push('success'),
      sendFailure: async () => void resumed.push('failure'),
      heartbeat: async () => void resumed.push('heartbeat'),
    },
    redriver: { redrive: async () => void resumed.push('redrive') },
    signIn: {} as never,
  });
  return {
    resumed,
    store: w.store,
    invoke: (e: ConsoleEvent) => handler(e, lambdaContext('console')) as Promise<ConsoleResult>,
  };
}

interface Visit {
  method?: string;
  path?: string;
  query?: string;
  accept?: string;
  lambda?: Record<string, unknown>;
  cookies?: string[];
  body?: string;
}

const request = (v: Visit = {}): ConsoleEvent =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath: v.path ?? `/incidents/${INCIDENT}`,
    rawQueryString: v.query ?? '',
    headers: { accept: v.accept ?? 'text/html,application/xhtml+xml', host: 'console.acme.test' },
    ...(v.cookies ? { cookies: v.cookies } : {}),
    ...(v.body ? { body: v.body } : {}),
    requestContext: {
      domainName: 'console.acme.test',
      http: { method: v.method ?? 'GET', path: v.path ?? `/incidents/${INCIDENT}` },
      authorizer: { lambda: v.lambda ?? { signedIn: 'false', session: 'none' } },
    },
    isBase64Encoded: false,
  }) as unknown as ConsoleEvent;

/**
 * Nothing of the incident, its forms or its session in an answer: the only
 * trace of the incident is the page's own address, echoed in the sign-in link.
 */
function expectNothingLeaked(res: ConsoleResult): void {
  const text = JSON.stringify(res).replaceAll(encodeURIComponent(`/incidents/${INCIDENT}`), '<this page>');
  expect(text).not.toContain(INCIDENT);
  expect(text).not.toContain('accounts');
  expect(text).not.toContain('PROVISION');
  expect(text).not.toContain(TASK_TOKEN);
  expect(text).not.toMatch(/name=\\"csrf\\"|<form|<button/i);
}

describe('console: a signed-out browser opening a page', () => {
  beforeAll(() => {
    process.env.OPERATOR_TIME_ZONE = 'America/New_York';
  });

  it('goes to sign-in, which brings it back to the page it opened, query included', async () => {
    const { invoke } = await world();
    const res = await invoke(request({ query: 'tab=timeline&x=%2F' }));
    expect(res.statusCode).toBe(302);
    const location = String(res.headers?.location);
    expect(location).toBe(`/login?next=${encodeURIComponent(`/incidents/${INCIDENT}?tab=timeline&x=%2F`)}`);
    expect(new URL(location, 'https://console.acme.test').searchParams.get('next')).toBe(
      `/incidents/${INCIDENT}?tab=timeline&x=%2F`,
    );
    expect(res.body).toBe('');
    expect(res.cookies ?? []).toEqual([]);
    expectNothingLeaked(res);

    for (const path of ['/', '/caches', '/stats']) {
      const page = await invoke(request({ path }));
      expect(page.statusCode).toBe(302);
      expect(page.headers?.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('goes to sign-in with a session that is not ours, and that cookie is cleared', async () => {
    const { invoke } = await world();
    const res = await invoke(
      request({ lambda: { signedIn: 'false', session: 'invalid' }, cookies: ['session=x.y.z'] }),
    );
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe(`/login?next=${encodeURIComponent(`/incidents/${INCIDENT}`)}`);
    expect(res.cookies).toEqual([
      expect.stringMatching(/^session=; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=0$/),
    ]);
    expectNothingLeaked(res);
  });

  it("is told when its session expired, in the operators' time zone, with a sign-in link back; the cookie is cleared", async () => {
    const { invoke } = await world();
    const res = await invoke(
      request({ lambda: { signedIn: 'false', session: 'expired', expiredAt: '2026-11-26T23:05:00.000Z' } }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Your session expired at 18:05 ET — sign in again.');
    const href = /<a href="([^"]+)">Sign in again<\/a>/.exec(res.body ?? '')?.[1];
    expect(href).toBe(`/login?next=${encodeURIComponent(`/incidents/${INCIDENT}`)}`);
    expect(res.cookies).toEqual([expect.stringMatching(/^session=; .*Max-Age=0$/)]);
    expectNothingLeaked(res);
  });

  it('never builds a sign-in link that leaves the site', () => {
    for (const evil of [
      '//evil.example/x',
      '/\\evil.example',
      '/\\/evil.example',
      '/a\\b',
      'https://evil.example/',
      'evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/x\u0000',
      '/x\u007f',
      `/${'a'.repeat(2100)}`,
      '',
      undefined,
      null,
    ]) {
      expect(safeNext(evil)).toBe('/');
    }
    expect(safeNext('/incidents/a-1?x=1')).toBe('/incidents/a-1?x=1');
    expect(safeNext('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
  });

  it('is refused, with nothing shown or done, for anything but a page: live events, JSON, forms, sign-out', async () => {
    const { invoke, resumed, store } = await world();
    const before = JSON.stringify(store.dump());
    for (const v of [
      { path: `/incidents/${INCIDENT}/events` },
      { path: `/incidents/${INCIDENT}/events`, accept: 'application/json' },
      { accept: 'application/json' },
      { accept: '*/*' },
      { method: 'POST', path: `/incidents/${INCIDENT}/approvals/recovery-plan`, body: 'decision=approve&reason=r' },
      { method: 'POST', path: `/incidents/${INCIDENT}/approvals/recovery-plan/ack` },
      { method: 'POST', path: `/incidents/${INCIDENT}/redrive`, body: 'reason=r' },
      { method: 'POST', path: '/logout' },
      { path: '/nowhere' },
    ] satisfies Visit[]) {
      const res = await invoke(request(v));
      expect([v, res.statusCode]).toEqual([v, 401]);
      expect(res.headers?.location).toBeUndefined();
      expectNothingLeaked(res);
    }
    expect(resumed).toEqual([]);
    expect(JSON.stringify(store.dump())).toBe(before);
  });

  it('positive control: the same page for a signed-in operator holds what the checks above look for', async () => {
    const { invoke } = await world();
    const res = await invoke(
      request({ lambda: { username: 'dana@acme.test', groups: 'operators' }, cookies: ['session=a.b.c'] }),
    );
    expect(res.statusCode).toBe(200);
    expect(() => expectNothingLeaked(res)).toThrow();
    expect(res.body).toMatch(/name="csrf"/);
  });

  it('without an authorizer context, or a context naming nobody for no reason, gets no redirect either', async () => {
    const { invoke } = await world();
    for (const lambda of [{}, { signedIn: 'true' }, { signedIn: 'false', session: 'maybe' }, { username: ' ' }]) {
      const res = await invoke(request({ lambda }));
      expect(res.statusCode).toBe(401);
      expectNothingLeaked(res);
    }
  });
});
