/**
 * GET /stats: reliability over time, as JSON for the CLI and as a page for
 * people, for operators only.
 */
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { timeZoneOf } from '../../functions/domain/time-labels';
import { makeHandler } from '../../functions/handlers/console';
import type { ReliabilityStats } from '../../functions/usecases/reliability-stats';
import { fakeWorld, lambdaContext, UNUSED_CONSOLE_PARTS } from '../fakes';
import { restoredIncident, restoreTimeline } from '../domain/report/fixtures';

const NOW = '2024-03-01T12:00:00.000Z';

/** The post-mortem's night (46 min down, 70 min degraded, an approval) and a promotion on sessions<b>. */
async function world() {
  const w = fakeWorld({ now: NOW });
  const night = restoredIncident();
  w.store.seedIncident(night);
  for (const e of restoreTimeline()) await w.store.appendTimeline(night.incidentId, e);
  w.store.seedIncident({
    incidentId: 'sessions-1',
    cacheId: 'sessions<b>',
    status: 'RESOLVED',
    openedAt: '2024-02-20T10:00:00.000Z',
    confirmedAt: '2024-02-20T10:00:20.000Z',
    restoredAt: '2024-02-20T10:05:00.000Z',
    resolvedAt: '2024-02-20T10:15:00.000Z',
  });
  await w.store.appendTimeline('sessions-1', {
    at: '2024-02-20T10:01:00.000Z',
    type: 'RECOVERY_STARTED',
    message: 'promoting',
  });
  w.store.seedIncident({
    incidentId: 'sessions-fa',
    cacheId: 'sessions<b>',
    status: 'FALSE_ALARM',
    openedAt: '2024-02-21T10:00:00.000Z',
  });
  const handler = makeHandler({
    ...w,
    timeZone: timeZoneOf('America/New_York'),
    ...UNUSED_CONSOLE_PARTS,
  });
  return (e: ConsoleEvent) => handler(e, lambdaContext('console')) as Promise<ConsoleResult>;
}

const event = (
  options: { accept?: string; groups?: string; method?: string; since?: string; signedIn?: boolean } = {},
): ConsoleEvent =>
  ({
    version: '2.0',
    routeKey: 'GET /stats',
    rawPath: '/stats',
    rawQueryString: options.since ? `since=${encodeURIComponent(options.since)}` : '',
    ...(options.since !== undefined ? { queryStringParameters: { since: options.since } } : {}),
    headers: { accept: options.accept ?? 'text/html', host: 'console.acme.test' },
    requestContext: {
      http: { method: options.method ?? 'GET', path: '/stats' },
      ...(options.signedIn === false
        ? {}
        : { authorizer: { lambda: { username: 'ana@acme.test', groups: options.groups ?? 'operators' } } }),
    },
    isBase64Encoded: false,
  }) as unknown as ConsoleEvent;

describe('console: GET /stats', () => {
  it('answers the CLI with the window and its numbers, per cache and overall', async () => {
    const invoke = await world();

    const res = await invoke(event({ accept: 'application/json' }));

    expect(res.statusCode).toBe(200);
    const stats = JSON.parse(res.body ?? '{}') as ReliabilityStats;
    expect(stats).toMatchObject({ since: '2023-12-02T12:00:00.000Z', until: NOW, counted: 3, truncated: false });
    expect(stats.overall).toMatchObject({
      incidents: 2,
      falseAlarms: 1,
      outage: { count: 2, medianSeconds: (2760 + 300) / 2, worstSeconds: 2760 },
      degraded: { count: 2, medianSeconds: (4200 + 600) / 2, worstSeconds: 4200 },
      operatorNeeded: 1,
    });
    expect(stats.caches.map((c) => [c.scope, c.incidents, c.falseAlarms])).toEqual([
      ['accounts', 1, 0],
      ['sessions<b>', 1, 1],
    ]);
  });

  it('narrows the window to what `since` says', async () => {
    const invoke = await world();

    const res = await invoke(event({ accept: 'application/json', since: '2024-02-18' }));

    const stats = JSON.parse(res.body ?? '{}') as ReliabilityStats;
    expect(stats.since).toBe('2024-02-18T00:00:00.000Z');
    expect(stats.caches.map((c) => c.scope)).toEqual(['sessions<b>']);
  });

  it('shows people a row per cache and one for all caches, durations in words, times in their zone', async () => {
    const invoke = await world();

    const res = await invoke(event());

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toContain('text/html');
    const page = res.body ?? '';
    expect(page).toContain('<h1>Reliability over time</h1>');
    expect(page).toContain('at most the newest 500 are read');
    expect(page).toContain('title="Dec 2, 2023, 07:00:00 ET (12:00:00 UTC)"');
    const rows = new Map(
      page
        .split('<tr id="stats-')
        .slice(1)
        .map((r) => [r.slice(0, r.indexOf('"')), r.slice(0, r.indexOf('</tr>'))]),
    );
    expect([...rows.keys()]).toEqual(['overall', 'cache-accounts', 'cache-sessions&lt;b&gt;']);
    const accounts = rows.get('cache-accounts') ?? '';
    expect(accounts).toContain('1 incident · 0 false alarms · 1 needed an operator');
    expect(accounts).toContain('<td data-label="Time to detect">median 30 s · worst 30 s</td>');
    expect(accounts).toContain('<td data-label="Time to start recovery">median 15 min · worst 15 min</td>');
    expect(accounts).toContain('<td data-label="Outage per incident">median 46 min · worst 46 min</td>');
    expect(accounts).toContain('<td data-label="Degraded per incident">median 1 h 10 min · worst 1 h 10 min</td>');
    const overall = rows.get('overall') ?? '';
    expect(overall).toContain('2 events · 1 false alarm · 1 needed an operator');
    expect(overall).toContain('median 25 min 30 s · worst 46 min');
    // The cache's name is data: escaped, never markup.
    expect(page).toContain('<th scope="row">sessions&lt;b&gt;</th>');
    expect(page).not.toContain('sessions<b>');
    expect(page).toContain('<strong>Last 90 days</strong>');
    expect(page).toContain('<a href="/stats?since=30d">Last 30 days</a>');
  });

  it('says when no incident opened in the window', async () => {
    const invoke = await world();
    const res = await invoke(event({ since: '1d' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('No incident opened in this window.');
  });

  it('refuses a window it cannot read, saying what it takes', async () => {
    const invoke = await world();

    const res = await invoke(event({ accept: 'application/json', since: 'last quarter' }));

    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}').message).toMatch(/an ISO 8601 date \(2025-01-01\) or a span back from now/);
  });

  it('links the incident list to the reliability page', async () => {
    const invoke = await world();
    const list = await invoke({ ...event(), rawPath: '/' } as ConsoleEvent);
    expect(list.body).toContain('<a href="/stats">Reliability over time</a>');
  });

  it('shows the numbers to operators only, and only on GET', async () => {
    const invoke = await world();

    expect((await invoke(event({ groups: 'viewers', accept: 'application/json' }))).statusCode).toBe(403);
    expect((await invoke(event({ signedIn: false, accept: 'application/json' }))).statusCode).toBe(401);
    const post = await invoke(event({ method: 'POST', accept: 'application/json' }));
    expect(post.statusCode).toBe(405);
    expect(post.headers?.allow).toBe('GET');
  });
});
