/**
 * GET /caches: every protected cache with its newest verified backup and its
 * age against the RPO, its last run, the runs failed since the last success
 * and its last test restore, as JSON for the CLI and as a page for people.
 */
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { makeHandler } from '../../functions/handlers/console';
import type { BackupRun, TestRestore } from '../../functions/ports';
import type { CacheBackupSummary } from '../../functions/usecases/cache-backups';
import { fakeWorld, lambdaContext, testCache, UNUSED_CONSOLE_PARTS } from '../fakes';

const NOW = '2025-03-01T12:00:00.000Z';

const run = (cacheId: string, over: Partial<BackupRun> = {}): BackupRun => ({
  cacheId,
  startedAt: '2025-03-01T11:45:00.000Z',
  finishedAt: '2025-03-01T11:46:00.000Z',
  outcome: 'ok',
  attempts: [
    { method: 'sync', outcome: 'refused', reason: 'SYNC refused: ERR unknown command' },
    { method: 'scan-dump', outcome: 'ok' },
  ],
  backup: {
    bucket: 'backups',
    key: `${cacheId}/2025-03-01T11:45:00.000Z-scan-dump.rdb`,
    method: 'scan-dump',
    watermark: '2025-03-01T11:45:00.000Z',
    pointInTime: false,
    keys: 120_000,
    bytes: 5 * 1024 * 1024,
    rdbVersion: 11,
  },
  ...over,
});

const failed = (cacheId: string, reason: string): BackupRun => ({
  cacheId,
  startedAt: '2025-03-01T11:59:00.000Z',
  finishedAt: '2025-03-01T11:59:05.000Z',
  outcome: 'failed',
  attempts: [{ method: 'sync', outcome: 'failed', reason }],
  reason,
});

const restore: TestRestore = {
  cacheId: 'sessions',
  at: '2025-02-28T03:00:00.000Z',
  backup: { bucket: 'backups', key: 'sessions/old.rdb' },
  ok: false,
  keysExpected: 120_000,
  keysLoaded: 119_990,
  sampled: 100,
  mismatched: 2,
  durationMs: 9000,
  reason: '2 of 100 sampled keys differ from the source of truth',
};

/** sessions: a 15-min-old scan-dump backup within its 30-min RPO, then two failed runs; orders: 3 h old, RPO 1 h; flags: no backup config; carts: configured, never backed up. */
async function world() {
  const w = fakeWorld({
    now: NOW,
    caches: [
      testCache({ id: 'sessions', displayName: 'sessions', backup: { bucket: 'backups', rpoMinutes: 30 } }),
      testCache({ id: 'orders', displayName: 'order history', backup: { bucket: 'backups', maxAgeHours: 1 } }),
      testCache({ id: 'flags', displayName: 'flags' }),
      testCache({ id: 'carts', displayName: 'carts', backup: { bucket: 'backups', method: 'sync' } }),
    ],
  });
  await w.backupRecords.recordBackupRun(run('sessions'));
  await w.backupRecords.recordBackupRun(failed('sessions', 'AUTH refused <by the provider>'));
  await w.backupRecords.recordBackupRun(failed('sessions', 'AUTH refused <by the provider>'));
  await w.backupRecords.recordTestRestore(restore);
  await w.backupRecords.recordBackupRun(
    run('orders', {
      attempts: [{ method: 'sync', outcome: 'ok' }],
      backup: { ...run('orders').backup!, method: 'sync', pointInTime: true, watermark: '2025-03-01T09:00:00.000Z' },
    }),
  );
  const handler = makeHandler({
    ...w,
    ...UNUSED_CONSOLE_PARTS,
  });
  return (e: ConsoleEvent) => handler(e, lambdaContext('console')) as Promise<ConsoleResult>;
}

const event = (options: { accept?: string; groups?: string; method?: string } = {}): ConsoleEvent =>
  ({
    version: '2.0',
    routeKey: 'GET /caches',
    rawPath: '/caches',
    rawQueryString: '',
    headers: { accept: options.accept ?? 'text/html', host: 'console.acme.test' },
    requestContext: {
      http: { method: options.method ?? 'GET', path: '/caches' },
      authorizer: { lambda: { username: 'ana@acme.test', groups: options.groups ?? 'operators' } },
    },
    isBase64Encoded: false,
  }) as unknown as ConsoleEvent;

describe('console: GET /caches', () => {
  it('answers the CLI with every cache, in the configured order, and what it knows of their backups', async () => {
    const invoke = await world();

    const res = await invoke(event({ accept: 'application/json' }));

    expect(res.statusCode).toBe(200);
    const { caches } = JSON.parse(res.body ?? '{}') as { caches: CacheBackupSummary[] };
    expect(caches.map((c) => c.cacheId)).toEqual(['sessions', 'orders', 'flags', 'carts']);
    const [sessions, orders, flags, carts] = caches as [
      CacheBackupSummary,
      CacheBackupSummary,
      CacheBackupSummary,
      CacheBackupSummary,
    ];
    expect(sessions).toMatchObject({
      configured: true,
      rpoSeconds: 1800,
      overRpo: false,
      consecutiveFailures: 2,
      newest: {
        method: 'scan-dump',
        ageSeconds: 900,
        pointInTime: false,
        keys: 120_000,
        bytes: 5 * 1024 * 1024,
        watermark: '2025-03-01T11:45:00.000Z',
      },
      lastRun: { outcome: 'failed', reason: 'AUTH refused <by the provider>' },
      lastTestRestore: { ok: false, keysExpected: 120_000, keysLoaded: 119_990, sampled: 100, mismatched: 2 },
    });
    expect(orders).toMatchObject({
      rpoSeconds: 3600,
      overRpo: true,
      consecutiveFailures: 0,
      newest: { ageSeconds: 3 * 3600, pointInTime: true },
    });
    expect(orders.lastTestRestore).toBeUndefined();
    expect(flags).toEqual({ cacheId: 'flags', displayName: 'flags', configured: false, consecutiveFailures: 0 });
    expect(carts).toMatchObject({ configured: true, method: 'sync', overRpo: true, consecutiveFailures: 0 });
    expect(carts.newest).toBeUndefined();
  });

  it('shows people each cache, the over-RPO ones marked, and the caches without backups as such', async () => {
    const invoke = await world();

    const res = await invoke(event());

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toContain('text/html');
    const page = res.body ?? '';
    const rows = new Map(
      page
        .split('<tr id="cache-')
        .slice(1)
        .map((r) => [r.slice(0, r.indexOf('"')), r.slice(0, r.indexOf('</tr>'))]),
    );
    const row = (id: string) => rows.get(id) ?? '';
    expect([...rows.keys()]).toEqual(['sessions', 'orders', 'flags', 'carts']);
    expect(page).toContain('2 caches have no verified backup within their RPO');

    const sessions = row('sessions');
    expect(sessions).not.toContain('over RPO');
    expect(sessions).toContain('15 min old');
    expect(sessions).toContain('scan-dump · 5.0 MiB · 120,000 keys · not point-in-time');
    expect(sessions).toContain(
      '<time datetime="2025-03-01T11:45:00.000Z" title="Mar 1, 2025, 11:45:00 UTC">11:45 UTC</time>',
    );
    expect(sessions).toContain('failed');
    // The provider's words are data: escaped, never markup.
    expect(sessions).toContain('AUTH refused &lt;by the provider&gt;');
    expect(sessions).toContain('<strong class="bad">2</strong>');
    expect(sessions).toContain('119,990 of 120,000 keys loaded · 2 of 100 sampled keys differ');
    expect(sessions).toContain('30 min');

    const orders = row('orders');
    expect(orders).toContain('class="over-rpo"');
    expect(orders).toContain('3 h old');
    expect(orders).toContain('over RPO');
    expect(orders).toContain('sync · 5.0 MiB · 120,000 keys · point-in-time');
    expect(orders).toContain('order history');

    expect(row('flags')).toContain('no backups configured');
    expect(row('carts')).toContain('no verified backup yet');
    expect(row('carts')).toContain('over RPO');
  });

  it('links the incident list to the caches page', async () => {
    const invoke = await world();
    const list = await invoke({ ...event(), rawPath: '/' } as ConsoleEvent);
    expect(list.body).toContain('<a href="/caches">');
  });

  it('shows the caches to operators only, and only on GET', async () => {
    const invoke = await world();

    expect((await invoke(event({ groups: 'viewers', accept: 'application/json' }))).statusCode).toBe(403);
    const post = await invoke(event({ method: 'POST', accept: 'application/json' }));
    expect(post.statusCode).toBe(405);
    expect(post.headers?.allow).toBe('GET');
  });
});
