import fc from 'fast-check';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { backupObjectKey, type BackupManifest } from '../../functions/domain/backup/manifest';
import { judgeKeyCount, testRestoreGroupIdFor } from '../../functions/domain/backup/test-restore';
import { isValidReplicationGroupId } from '../../functions/domain/naming';
import type { SourceRecord } from '../../functions/ports';
import { testRestore, type TestRestoreDeps } from '../../functions/usecases/test-restore';
import { fakeWorld, testCache, type FakeWorld } from '../fakes';

const NOW = '2025-03-01T12:00:00.000Z';
const BUCKET = 'acme-backups';
const PREFIX = 'sessions/';
const TABLE = 'sessions-source';
const TOKEN_PARAM = '/cache/sessions/auth-token';
const AUTH_TOKEN = 's3cr3t-auth-token-value';
const SCRATCH = 'sessions-rt';
const SCRATCH_ENDPOINT = { host: `master.${SCRATCH}.fake.cache.amazonaws.com`, port: 6379, tls: true };
/** The backup's data was taken an hour ago. */
const WATERMARK = new Date('2025-03-01T11:00:00.000Z');
const BEFORE = Date.parse('2025-03-01T10:00:00.000Z');
const AFTER = Date.parse('2025-03-01T11:30:00.000Z');
const LAMBDA_MS = 900_000;

function world(overrides: Record<string, unknown> = {}): FakeWorld {
  const w = fakeWorld({
    now: NOW,
    caches: [
      testCache({
        authTokenParameter: TOKEN_PARAM,
        backup: { bucket: BUCKET, prefix: PREFIX, testRestore: { enabled: true, sampleKeys: 3 } },
        sourceOfTruth: { tableName: TABLE },
        ...overrides,
      }),
    ],
  });
  w.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
  return w;
}

function deps(w: FakeWorld): TestRestoreDeps {
  return {
    ...w,
    // Waiting moves the fake clock, so deadlines pass as they would.
    sleep: async (ms) => void w.clock.advance(ms),
    metrics: { emit: (dimensions, metrics) => emitted.push({ dimensions, metrics }) },
  };
}
let emitted: { dimensions: Record<string, string>; metrics: { name: string; value: number }[] }[];
beforeEach(() => {
  emitted = [];
});

function manifest(overrides: Partial<BackupManifest> = {}): BackupManifest {
  return {
    cacheId: 'sessions',
    method: 'scan-dump',
    pointInTime: false,
    watermark: WATERMARK.toISOString(),
    startedAt: WATERMARK.toISOString(),
    finishedAt: '2025-03-01T11:01:00.000Z',
    engine: { name: 'valkey', version: '8.0.1' },
    rdbVersion: 11,
    keys: 4,
    keysWithExpiry: 0,
    bytes: 1000,
    verification: { ok: true, verifiedAt: '2025-03-01T11:02:00.000Z' },
    ...overrides,
  };
}

/** A backup the product made, with its manifest; returns its key. */
async function addBackup(w: FakeWorld, m: BackupManifest = manifest(), watermark = WATERMARK): Promise<string> {
  const key = backupObjectKey(PREFIX, watermark, m.method);
  w.backups.add({ bucket: BUCKET, key, lastModified: m.finishedAt });
  await w.backups.writeManifest({ bucket: BUCKET, key }, m);
  return key;
}

const SOURCE: SourceRecord[] = [
  { key: 'user:1', value: 'alice', kind: 'profile', updatedAt: BEFORE },
  { key: 'user:2', value: 'bob', kind: 'profile', updatedAt: BEFORE },
  // Changed after the backup was taken: the backup holds its old value, so it is never sampled.
  { key: 'user:3', value: 'carol-new', kind: 'profile', updatedAt: AFTER },
  // Expired: a restore does not load it.
  { key: 'session:9', value: 'gone', kind: 'session', updatedAt: BEFORE, expiresAt: Date.parse(NOW) / 1000 - 60 },
  { key: 'flag:dark', value: 'on', kind: 'flag', updatedAt: BEFORE },
];

/** What the scratch group holds once ElastiCache loaded the backup into it. */
function restoredHolds(w: FakeWorld, values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) w.writer.set(SCRATCH_ENDPOINT, key, value);
  w.writer.requireAuth(SCRATCH_ENDPOINT, AUTH_TOKEN);
}

const GOOD_RESTORE = { 'user:1': 'alice', 'user:2': 'bob', 'user:3': 'carol-old', 'flag:dark': 'on' };

async function ready(w: FakeWorld, values: Record<string, string> = GOOD_RESTORE): Promise<string> {
  const key = await addBackup(w);
  w.source.put(TABLE, ...SOURCE);
  restoredHolds(w, values);
  w.fleet.scriptStatuses(SCRATCH, ['creating', 'creating', 'available']);
  return key;
}

function succeeded(): number[] {
  return emitted.flatMap((e) => e.metrics.filter((m) => m.name === 'TestRestoreSucceeded').map((m) => m.value));
}

describe('test restore', () => {
  it('restores the newest verified backup into a one-node group, reads it back, deletes it and records the run', async () => {
    const w = world();
    const key = await ready(w);

    const out = await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(out).toMatchObject({ scratchGroup: { replicationGroupId: SCRATCH, deleted: true } });
    expect(w.fleet.createRequests).toEqual([
      expect.objectContaining({
        replicationGroupId: SCRATCH,
        snapshotArn: `arn:aws:s3:::${BUCKET}/${key}`,
        nodeType: 'cache.t4g.micro',
        numCacheClusters: 1,
        engine: 'valkey',
        authToken: AUTH_TOKEN,
        cacheSubnetGroupName: 'cache-private',
      }),
    ]);
    // ElastiCache was let read the object before the group was created.
    expect(w.backups.readGrants.get(`${BUCKET}/${key}`)).toEqual([ELASTICACHE_CANONICAL_IDS.default]);
    expect(w.fleet.group(SCRATCH)).toBeUndefined();
    expect(w.backupRecords.testRestores).toEqual([
      expect.objectContaining({
        cacheId: 'sessions',
        at: NOW,
        backup: { bucket: BUCKET, key },
        ok: true,
        keysExpected: 4,
        keysLoaded: 4,
        sampled: 3,
        mismatched: 0,
      }),
    ]);
    expect(w.backupRecords.testRestores[0]?.durationMs).toBeGreaterThan(0);
    // Sampled: records updated before the watermark that have not expired.
    expect(w.writer.reads.at(-1)?.keys.sort()).toEqual(['flag:dark', 'user:1', 'user:2']);
    expect(succeeded()).toEqual([1]);
    expect(emitted[0]?.dimensions).toEqual({ CacheId: 'sessions' });
    expect(w.notifier.operators).toEqual([]);
    expect(w.notifier.status).toEqual([]);
  });

  it('passes with a note when the missing keys are at most those with a TTL', async () => {
    const w = world();
    await ready(w, { 'user:1': 'alice', 'user:2': 'bob', 'flag:dark': 'on' });
    await addBackup(w, manifest({ keys: 4, keysWithExpiry: 1 }));

    await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(w.backupRecords.testRestores[0]).toMatchObject({ ok: true, keysExpected: 4, keysLoaded: 3 });
    expect(w.backupRecords.testRestores[0]?.note).toMatch(/1 of the 4 keys were not loaded.*TTL/);
  });

  it('fails when the restored group lacks keys the backup holds, and tells the operators only', async () => {
    const w = world();
    await ready(w, { 'user:1': 'alice', 'user:2': 'bob' });
    await addBackup(w, manifest({ keys: 4, keysWithExpiry: 1 }));

    const out = await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(w.backupRecords.testRestores[0]).toMatchObject({ ok: false, keysExpected: 4, keysLoaded: 2 });
    expect(w.backupRecords.testRestores[0]?.reason).toMatch(/holds 2 of the 4 keys.*2 missing/);
    expect(out).toMatchObject({ scratchGroup: { deleted: true } });
    expect(w.fleet.group(SCRATCH)).toBeUndefined();
    expect(succeeded()).toEqual([0]);
    expect(w.notifier.operators).toHaveLength(1);
    const message = w.notifier.operators[0];
    expect(message).toMatchObject({ kind: 'backup-failed', cacheId: 'sessions' });
    expect(message?.incidentId).toBeUndefined();
    expect(message?.text).toMatch(/2 missing/);
    expect(w.notifier.status).toEqual([]);
  });

  it('fails when a sampled key holds another value than the source of truth', async () => {
    const w = world();
    await ready(w, { ...GOOD_RESTORE, 'user:2': 'mallory' });

    await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(w.backupRecords.testRestores[0]).toMatchObject({ ok: false, sampled: 3, mismatched: 1 });
    expect(w.backupRecords.testRestores[0]?.reason).toMatch(/1 of 3 sampled keys differ.*user:2/);
    expect(w.fleet.group(SCRATCH)).toBeUndefined();
    expect(w.notifier.operators[0]?.text).toMatch(/user:2/);
  });

  it('deletes a group that failed to restore', async () => {
    const w = world();
    await ready(w);
    w.fleet.scriptStatuses(SCRATCH, ['creating', 'restore-failed']);
    w.fleet.addEvents(SCRATCH, [{ at: NOW, message: 'Restore from snapshot failed: not enough memory' }]);

    await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(w.backupRecords.testRestores[0]?.reason).toMatch(/is restore-failed; last event: .*not enough memory/);
    expect(w.fleet.callsOf('deleteGroup')).toEqual([[SCRATCH]]);
    expect(w.fleet.group(SCRATCH)).toBeUndefined();
    expect(succeeded()).toEqual([0]);
  });

  it('gives up on a group that is not available in time and deletes it once ElastiCache accepts', async () => {
    const w = world();
    await ready(w);
    // Available only after the read-back deadline (165 s into a 300 s budget, polled every 15 s).
    w.fleet.scriptStatuses(SCRATCH, [...Array<string>(14).fill('creating'), 'available']);

    const out = await testRestore(deps(w), { cacheId: 'sessions', remainingMs: 300_000 });

    expect(w.backupRecords.testRestores[0]).toMatchObject({ ok: false, keysLoaded: 0 });
    expect(w.backupRecords.testRestores[0]?.reason).toMatch(/not available in time \(still creating\)/);
    // ElastiCache refuses to delete a group while it is created: asked again until it accepts.
    expect(w.fleet.callsOf('deleteGroup').length).toBeGreaterThan(1);
    expect(w.fleet.group(SCRATCH)).toBeUndefined();
    expect(out).toMatchObject({ scratchGroup: { deleted: true } });
    expect(w.clock.now().getTime() - Date.parse(NOW)).toBeLessThan(300_000);
  });

  it('says when the group could not be deleted before the invocation ends, and the next run deletes it first', async () => {
    const w = world();
    await ready(w);
    w.fleet.scriptStatuses(SCRATCH, ['creating']);

    const first = await testRestore(deps(w), { cacheId: 'sessions', remainingMs: 300_000 });

    expect(first).toMatchObject({ scratchGroup: { deleted: false } });
    expect(w.clock.now().getTime() - Date.parse(NOW)).toBeLessThan(300_000);
    expect(w.backupRecords.testRestores[0]?.note).toMatch(/scratch group sessions-rt is left \(creating\)/);
    expect(w.notifier.operators[0]?.text).toMatch(/sessions-rt is left/);

    // A week later the leftover is available: it is deleted, then a new group is restored.
    w.clock.advance({ hours: 24 * 7 });
    w.fleet.scriptStatuses(SCRATCH, ['available', 'creating', 'available']);
    const second = await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    const creations = w.fleet.calls.filter((c) => c.method === 'createFromBackup' || c.method === 'deleteGroup');
    expect(creations.map((c) => c.method).slice(-3)).toEqual(['deleteGroup', 'createFromBackup', 'deleteGroup']);
    expect(w.fleet.createdGroups()).toEqual([SCRATCH, SCRATCH]);
    expect(second).toMatchObject({ result: { ok: true }, scratchGroup: { deleted: true } });
  });

  it('fails without creating anything when no backup was verified', async () => {
    const w = world();
    await addBackup(
      w,
      manifest({ verification: { ok: false, verifiedAt: NOW, reason: 'CRC64 mismatch' } }),
      new Date('2025-03-01T11:00:00.000Z'),
    );
    // An RDB file another tool wrote: no manifest.
    w.backups.add({ bucket: BUCKET, key: `${PREFIX}manual.rdb`, lastModified: NOW });

    await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(w.fleet.createRequests).toEqual([]);
    expect(w.backupRecords.testRestores[0]).toMatchObject({ ok: false, keysExpected: 0 });
    expect(w.backupRecords.testRestores[0]?.reason).toMatch(/no verified backup of sessions/);
    expect(w.notifier.operators).toEqual([expect.objectContaining({ kind: 'backup-failed', cacheId: 'sessions' })]);
    expect(succeeded()).toEqual([0]);
  });

  it('picks the newest verified backup of this cache, not a newer failed one nor another cache’s', async () => {
    const w = world();
    await ready(w);
    const newest = await addBackup(w, manifest({ watermark: '2025-03-01T11:40:00.000Z' }), new Date(AFTER + 600_000));
    await addBackup(
      w,
      manifest({ verification: { ok: false, verifiedAt: NOW, reason: 'truncated' } }),
      new Date('2025-03-01T11:50:00.000Z'),
    );
    await addBackup(
      w,
      manifest({ cacheId: 'other', watermark: '2025-03-01T11:55:00.000Z' }),
      new Date('2025-03-01T11:55:00.000Z'),
    );

    await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(w.fleet.createRequests[0]?.snapshotArn).toBe(`arn:aws:s3:::${BUCKET}/${newest}`);
  });

  it('does nothing for a cache whose test restores are off', async () => {
    const w = world({ backup: { bucket: BUCKET, prefix: PREFIX } });
    await ready(w);

    const out = await testRestore(deps(w), { cacheId: 'sessions', remainingMs: LAMBDA_MS });

    expect(out).toEqual({ cacheId: 'sessions', skipped: 'test restores are not enabled for cache sessions' });
    expect(w.fleet.calls).toEqual([]);
    expect(w.backupRecords.testRestores).toEqual([]);
    expect(emitted).toEqual([]);
  });
});

describe('scratch group id', () => {
  it('is <cache id>-rt, or a valid shortened id with a hash for a long cache id', () => {
    expect(testRestoreGroupIdFor('sessions')).toBe('sessions-rt');
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/), (cacheId) => {
        const id = testRestoreGroupIdFor(cacheId);
        expect(isValidReplicationGroupId(id)).toBe(true);
        expect(id.endsWith('-rt')).toBe(true);
        expect(testRestoreGroupIdFor(cacheId)).toBe(id);
      }),
    );
    const a = testRestoreGroupIdFor('account-settings-for-every-customer-eu1');
    const b = testRestoreGroupIdFor('account-settings-for-every-customer-eu2');
    expect(a).not.toBe(b);
  });
});

describe('key count verdict', () => {
  it.each([
    [{ expected: 10, withExpiry: 0, loaded: 10 }, true],
    [{ expected: 10, withExpiry: 3, loaded: 7 }, true],
    [{ expected: 10, withExpiry: 3, loaded: 6 }, false],
    [{ expected: 10, withExpiry: 0, loaded: 11 }, false],
    [{ expected: 0, withExpiry: 0, loaded: 0 }, true],
  ])('%o → ok %s', (counts, ok) => {
    expect(judgeKeyCount(counts).ok).toBe(ok);
  });
});
