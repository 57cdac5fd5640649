/**
 * The caches page and its JSON for the CLI show each cache's warm standby:
 * its group, how far behind the mirror left it against its limit, the last
 * successful cycle and the cycles failed since.
 */
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { makeHandler } from '../../functions/handlers/console';
import type { MirrorCycle } from '../../functions/ports';
import type { CacheBackupSummary } from '../../functions/usecases/cache-backups';
import { fakeWorld, lambdaContext, testCache, UNUSED_CONSOLE_PARTS } from '../fakes';

const NOW = '2025-03-01T12:00:00.000Z';

const cycle = (cacheId: string, over: Partial<MirrorCycle>): MirrorCycle => ({
  cacheId,
  standbyReplicationGroupId: `${cacheId}-standby`,
  startedAt: '2025-03-01T11:58:00.000Z',
  finishedAt: '2025-03-01T11:58:04.000Z',
  outcome: 'ok',
  pass: { watermark: '2025-03-01T11:58:00.000Z', copied: 120_000, vanished: 0, deleted: 3, bytes: 1, databases: [0] },
  ...over,
});

/** sessions: mirrored 2 min ago, then a failed cycle; orders: mirrored 20 min ago (limit 10); carts: never mirrored; flags: no standby. */
async function world() {
  const w = fakeWorld({
    now: NOW,
    caches: [
      testCache({ id: 'sessions', standby: { replicationGroupId: 'sessions-standby' } }),
      testCache({ id: 'orders', backup: { bucket: 'backups' }, standby: { replicationGroupId: 'orders-standby' } }),
      testCache({ id: 'carts', standby: { replicationGroupId: 'carts-standby', declared: true } }),
      testCache({ id: 'flags' }),
    ],
  });
  await w.mirrorRecords.recordMirrorCycle(cycle('sessions', {}));
  await w.mirrorRecords.recordMirrorCycle(
    cycle('sessions', { outcome: 'failed', reason: 'the standby <sessions-standby> is modifying', pass: undefined }),
  );
  await w.mirrorRecords.recordMirrorCycle(
    cycle('orders', {
      finishedAt: '2025-03-01T11:40:05.000Z',
      pass: { ...cycle('orders', {}).pass!, watermark: '2025-03-01T11:40:00.000Z' },
    }),
  );
  const handler = makeHandler({
    ...w,
    ...UNUSED_CONSOLE_PARTS,
  });
  return (accept: string) =>
    handler(
      {
        version: '2.0',
        routeKey: 'GET /caches',
        rawPath: '/caches',
        rawQueryString: '',
        headers: { accept, host: 'console.acme.test' },
        requestContext: {
          http: { method: 'GET', path: '/caches' },
          authorizer: { lambda: { username: 'ana@acme.test', groups: 'operators' } },
        },
        isBase64Encoded: false,
      } as unknown as ConsoleEvent,
      lambdaContext('console'),
    ) as Promise<ConsoleResult>;
}

describe('console: the standby of each cache on /caches', () => {
  it('answers the CLI with each standby, its lag against its limit, its last success and its failures', async () => {
    const invoke = await world();
    const { caches } = JSON.parse((await invoke('application/json')).body ?? '{}') as { caches: CacheBackupSummary[] };
    const [sessions, orders, carts, flags] = caches;
    expect(sessions?.standby).toEqual({
      replicationGroupId: 'sessions-standby',
      declared: false,
      intervalMinutes: 1,
      maxLagSeconds: 600,
      lagSeconds: 120,
      overLag: false,
      lastSuccess: {
        finishedAt: '2025-03-01T11:58:04.000Z',
        watermark: '2025-03-01T11:58:00.000Z',
        keys: 120_000,
        deleted: 3,
      },
      lastCycle: {
        outcome: 'failed',
        startedAt: '2025-03-01T11:58:00.000Z',
        finishedAt: '2025-03-01T11:58:04.000Z',
        reason: 'the standby <sessions-standby> is modifying',
      },
      consecutiveFailures: 1,
    });
    expect(orders?.standby).toMatchObject({ lagSeconds: 1200, overLag: true, consecutiveFailures: 0 });
    expect(orders?.configured).toBe(true);
    expect(carts?.standby).toEqual({
      replicationGroupId: 'carts-standby',
      declared: true,
      intervalMinutes: 1,
      maxLagSeconds: 600,
      overLag: true,
      consecutiveFailures: 0,
    });
    expect(flags?.standby).toBeUndefined();
  });

  it('shows people each standby, the lagging ones marked, the failure reason escaped', async () => {
    const invoke = await world();
    const page = (await invoke('text/html')).body ?? '';
    const row = (id: string) => {
      const start = page.indexOf(`<tr id="cache-${id}"`);
      return page.slice(start, page.indexOf('</tr>', start));
    };
    expect(page).toContain('<th scope="col">Warm standby</th>');
    expect(page).toContain('2 standbys are behind their limit');
    expect(row('sessions')).toContain('sessions-standby');
    expect(row('sessions')).toContain('2 min behind');
    expect(row('sessions')).toContain('1 failed in a row');
    expect(row('sessions')).toContain('the standby &lt;sessions-standby&gt; is modifying');
    expect(row('orders')).toContain('20 min behind');
    expect(row('orders')).toContain('over limit');
    expect(row('carts')).toContain('never mirrored');
    expect(row('flags')).toContain('<td class="muted">none</td>');
  });
});
