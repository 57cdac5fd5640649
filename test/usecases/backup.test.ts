import { manifestKeyOf } from '../../functions/domain/backup/manifest';
import { verifyRdb } from '../../functions/domain/backup/rdb-verifier';
import { ConfigError } from '../../functions/domain/errors';
import type { MetricValue, MetricsSink } from '../../functions/ports';
import { methodsFor, readBackProblem, runBackup, type BackupDeps } from '../../functions/usecases/backup/run-backup';
import type { FakeClock } from '../fakes';
import { fakeWorld, testCache } from '../fakes';
import { FakeBackupSource, FakeSnapshotExporter } from '../fakes/backup-source';

const BUCKET = 'acme-backups';
const NOW = '2025-03-01T12:00:00.000Z';
const DEFAULT_REGION_READER = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';

class RecordingSink implements MetricsSink {
  readonly flushes: { dimensions: Record<string, string>; metrics: MetricValue[] }[] = [];
  emit(dimensions: Record<string, string>, metrics: MetricValue[]): void {
    this.flushes.push({ dimensions, metrics });
  }
  last(name: string): number | undefined {
    for (const f of [...this.flushes].reverse()) {
      const m = f.metrics.find((v) => v.name === name);
      if (m) return m.value;
    }
    return undefined;
  }
}

function setup(backup: Record<string, unknown> = {}, cache: Record<string, unknown> = {}) {
  const world = fakeWorld({
    now: NOW,
    caches: [testCache({ backup: { bucket: BUCKET, prefix: 'sessions/', ...backup }, ...cache })],
  });
  const clock = world.clock as FakeClock;
  const source = new FakeBackupSource(() => clock.now());
  source.keys = [
    { key: 'customization:1', value: 'blue' },
    { key: 'flag:beta', value: 'on', expiresAtMs: Date.parse(NOW) + 3_600_000 },
    { db: 2, key: 'session:9', value: 'abc' },
  ];
  const metrics = new RecordingSink();
  const exporter = new FakeSnapshotExporter(world.backups, () => clock.now());
  const deps: BackupDeps = {
    source,
    store: world.backups,
    exporter,
    clock,
    records: world.backupRecords,
    notifier: world.notifier,
    metrics,
    secrets: world.secrets,
    endpoints: world.endpoints,
    caches: world.caches,
    region: 'us-east-1',
  };
  const run = () => runBackup(deps, { cacheId: 'sessions', deadline: new Date(Date.parse(NOW) + 600_000) });
  return { world, source, metrics, exporter, deps, run, clock };
}

async function bytesOf(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('backup', () => {
  it('takes the cache’s own RDB file by SYNC, checks it and writes its manifest with the watermark', async () => {
    const { world, run, metrics } = setup();
    const result = await run();

    expect(result.outcome).toBe('ok');
    expect(result.attempts).toEqual([{ method: 'sync', outcome: 'ok' }]);
    const key = result.backup?.key as string;
    expect(key).toBe('sessions/2025-03-01T12-00-00-000Z-sync.rdb');
    const upload = world.backups.uploads[0];
    expect(upload?.metadata).toMatchObject({
      'cache-id': 'sessions',
      method: 'sync',
      'point-in-time': 'true',
      watermark: NOW,
      engine: 'redis',
      'engine-version': '7.0.15',
    });
    // ElastiCache's canonical user may read it (default Regions).
    expect(upload?.readerCanonicalId).toBe(DEFAULT_REGION_READER);
    const manifest = await world.backups.readManifest({ bucket: BUCKET, key });
    expect(manifest).toMatchObject({
      method: 'sync',
      pointInTime: true,
      watermark: NOW,
      keys: 3,
      keysWithExpiry: 1,
      rdbVersion: 10,
      verification: { ok: true },
    });
    expect(world.backups.manifests.has(`${BUCKET}/${key}`)).toBe(true);
    expect(manifestKeyOf(key)).toBe(`${key}.manifest.json`);
    const file = await verifyRdb(await world.backups.read({ bucket: BUCKET, key }));
    expect(file.keysPerDb).toEqual({ 0: 2, 2: 1 });
    expect(metrics.last('BackupAgeSeconds')).toBe(0);
    expect(metrics.last('BackupSucceeded')).toBe(1);
    expect(metrics.last('BackupKeys')).toBe(3);
    expect(world.notifier.operators).toHaveLength(0);
    expect((await world.backupRecords.backupStatus('sessions'))?.lastSuccess?.backup?.key).toBe(key);
  });

  it('falls back to SCAN + DUMP when the provider refuses SYNC, and says the backup is not point-in-time', async () => {
    const { world, source, run } = setup();
    source.refuse.add('sync');
    const result = await run();

    expect(result.attempts.map((a) => [a.method, a.outcome])).toEqual([
      ['sync', 'refused'],
      ['scan-dump', 'ok'],
    ]);
    expect(result.attempts[0]?.reason).toContain('SYNC');
    expect(result.backup).toMatchObject({ method: 'scan-dump', pointInTime: false, keys: 3 });
    const manifest = await world.backups.readManifest(result.backup as { bucket: string; key: string });
    expect(manifest?.pointInTime).toBe(false);
    expect(world.backups.uploads[0]?.metadata['point-in-time']).toBe('false');
  });

  it('uses only the configured method', async () => {
    const { source, run } = setup({ method: 'scan-dump' });
    const result = await run();
    expect(result.attempts).toEqual([{ method: 'scan-dump', outcome: 'ok' }]);
    expect(source.calls.map((c) => c.method)).toEqual(['scan-dump']);
  });

  it('records a file that fails its integrity check as failed, with the reason in its manifest, and tries the next method', async () => {
    const { world, source, run } = setup();
    source.corruptSync = true;
    const result = await run();

    expect(result.outcome).toBe('ok');
    expect(result.attempts[0]).toMatchObject({ method: 'sync', outcome: 'failed' });
    expect(result.attempts[0]?.reason).toMatch(/integrity check failed/);
    const corrupt = world.backups.uploads[0]?.location as { bucket: string; key: string };
    const manifest = await world.backups.readManifest(corrupt);
    expect(manifest?.verification).toMatchObject({ ok: false });
    expect(result.backup?.method).toBe('scan-dump');
  });

  it('refuses an RDB file newer than the replacement engine loads before it is uploaded whole', async () => {
    const { world, source, run } = setup({}, { replacement: { engine: 'redis', engineVersion: '7.0' } });
    source.syncRdbVersion = 11;
    const result = await run();
    expect(result.attempts[0]).toMatchObject({ method: 'sync', outcome: 'failed' });
    expect(result.attempts[0]?.reason).toMatch(/RDB format version 11; the replacement engine loads up to 10/);
    expect(world.backups.uploads.map((u) => u.metadata['method'])).toEqual(['scan-dump']);
  });

  it('refuses, after reading it back, a backup its replacement could not restore', () => {
    const replacement = { maxRdbVersion: 10, nodeMemoryBytes: 512 * 1024 ** 2 };
    const read = { bytes: 1000, keys: 3, rdbVersion: 10 };
    expect(readBackProblem(read, { bytes: 1000, keysWritten: 3 }, replacement)).toBeUndefined();
    expect(readBackProblem(read, { bytes: 1001 }, replacement)).toBe('read back 1000 bytes, 1001 were uploaded');
    expect(readBackProblem(read, { bytes: 1000, keysWritten: 4 }, replacement)).toBe('holds 3 keys, 4 were written');
    expect(readBackProblem({ ...read, rdbVersion: 11 }, { bytes: 1000 }, replacement)).toMatch(/newer than/);
    // More data than a cache.t4g.micro holds: a restore would end in restore-failed.
    const big = { ...read, bytes: 600 * 1024 ** 2 };
    expect(readBackProblem(big, { bytes: big.bytes }, replacement)).toMatch(/does not fit the replacement node's/);
    expect(readBackProblem(big, { bytes: big.bytes }, { ...replacement, nodeMemoryBytes: undefined })).toBeUndefined();
  });

  it('tells the operators once when backups start failing, never a customer, and keeps reporting the age', async () => {
    const { world, source, run, metrics, clock } = setup();
    await run();
    source.refuse.add('sync');
    source.refuse.add('scan-dump');
    clock.advance({ minutes: 15 });
    const failed = await run();
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toContain('DUMP');
    expect(metrics.last('BackupSucceeded')).toBe(0);
    expect(metrics.last('BackupAgeSeconds')).toBe(15 * 60);
    clock.advance({ minutes: 15 });
    await run();
    expect(metrics.last('BackupAgeSeconds')).toBe(30 * 60);

    expect(world.notifier.operators).toHaveLength(1);
    expect(world.notifier.operators[0]).toMatchObject({ kind: 'backup-failed', cacheId: 'sessions' });
    expect(world.notifier.operators[0]?.text).toContain('sessions/2025-03-01T12-00-00-000Z-sync.rdb');
    expect(world.notifier.operators[0]).not.toHaveProperty('incidentId');
    expect(world.notifier.status).toHaveLength(0);
    expect((await world.backupRecords.backupStatus('sessions'))?.consecutiveFailures).toBe(2);
  });

  it('exports an ElastiCache group with CreateSnapshot + CopySnapshot when so configured', async () => {
    const { exporter, run, world } = setup(
      { method: 'elasticache-export', prefix: 'sessions-' },
      { replicationGroupId: 'sessions-rg' },
    );
    const source = new FakeBackupSource();
    source.keys = [{ key: 'a', value: '1' }];
    const snap = await source.sync({ host: 'h', port: 1, tls: false }, {});
    exporter.file = await bytesOf(snap.chunks);
    const result = await run();
    expect(exporter.exports).toEqual([
      {
        replicationGroupId: 'sessions-rg',
        bucket: BUCKET,
        snapshotName: 'sessions-2025-03-01t12-00-00-000z-elasticache-export',
      },
    ]);
    expect(result.backup).toMatchObject({ method: 'elasticache-export', pointInTime: true, keys: 1 });
    expect(await world.backups.readManifest(result.backup as { bucket: string; key: string })).toMatchObject({
      verification: { ok: true },
    });
  });

  it('tries SYNC, SCAN + DUMP, then ElastiCache’s export for a group; refuses a cache with backups off', async () => {
    expect(methodsFor(testCache({ backup: { bucket: BUCKET } }))).toEqual(['sync', 'scan-dump']);
    // ElastiCache names exported objects itself: only a prefix without "/" keeps them where Assess looks.
    expect(methodsFor(testCache({ backup: { bucket: BUCKET, prefix: 'a/' }, replicationGroupId: 'g' }))).toEqual([
      'sync',
      'scan-dump',
    ]);
    expect(() => testCache({ backup: { bucket: BUCKET, prefix: 'a/', method: 'elasticache-export' } })).toThrow(
      /prefix without/,
    );
    expect(methodsFor(testCache({ backup: { bucket: BUCKET }, replicationGroupId: 'g' }))).toEqual([
      'sync',
      'scan-dump',
      'elasticache-export',
    ]);
    const { run } = setup({ method: 'none' });
    await expect(run()).rejects.toBeInstanceOf(ConfigError);
  });
});
