/**
 * Test Restore: the newest backup the product made and verified is restored
 * into a small temporary replication group, which is read back (its key count
 * against the manifest, a sample of the source of truth against its values)
 * and then deleted, whatever happened. The result is recorded per cache, as a
 * metric, and told to the operators when it failed; customers never hear of it.
 */
import { elastiCacheReaderFor } from '../domain/backup-access';
import type { BackupManifest } from '../domain/backup/manifest';
import {
  isSampleCandidate,
  judgeKeyCount,
  testRestoreGroupIdFor,
  testRestoreMessage,
  type TestRestoreEvent,
} from '../domain/backup/test-restore';
import type { Endpoint, ProtectedCache } from '../domain/caches';
import { looksLikeRdbKey } from '../domain/rdb';
import type {
  BackupCatalog,
  BackupLocation,
  BackupReadGrant,
  BackupRecords,
  BackupStore,
  CacheFleet,
  CacheWriter,
  Clock,
  MetricsSink,
  Notifier,
  SecretReader,
  SourceOfTruth,
  TestRestore,
} from '../ports';
import { FAILED_STATUSES } from './check-cache';
import { MANAGED_BY_TAG } from './provision';
import { authTokenFor, findCache } from './shared/protected-cache';

export interface TestRestoreDeps {
  fleet: CacheFleet;
  /** Lists backups and lets ElastiCache read the one restored. */
  backups: BackupCatalog & BackupReadGrant;
  /** The manifests of the backups this deployment made. */
  backupStore: Pick<BackupStore, 'readManifest'>;
  backupRecords: BackupRecords;
  source: SourceOfTruth;
  /** Reads the restored cache. */
  writer: CacheWriter;
  secrets: SecretReader;
  notifier: Notifier;
  metrics: MetricsSink;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  caches: readonly ProtectedCache[];
  /** The region scratch groups are created in: it decides how ElastiCache is let read the backup. */
  region: string;
  /** Between two DescribeReplicationGroups while waiting. Default 15 s. */
  pollIntervalMs?: number;
}

export type TestRestoreOutcome =
  | { cacheId: string; skipped: string }
  | { cacheId: string; result: TestRestore; scratchGroup: { replicationGroupId: string; deleted: boolean } };

/** Kept at the end of the invocation for deleting the scratch group, recording and telling the operators. */
export const CLEANUP_RESERVE_MS = 60_000;
/** Kept for reading the restored group back after it became available. */
export const READ_BACK_RESERVE_MS = 60_000;
/** Manifests read, newest backup first, before giving up on finding a verified one. */
export const MAX_MANIFESTS_READ = 50;
/** Records of the source of truth examined for the sample before it is taken as it is. */
export const MAX_SOURCE_RECORDS_SCANNED = 100_000;
const DEFAULT_POLL_INTERVAL_MS = 15_000;
const KEYS_IN_MESSAGE = 5;

/** A reason the run failed; any other error is reported with its own message. */
class TestRestoreFailure extends Error {}

interface Deadlines {
  /** Leftovers cleared, group available and read back by then. */
  readBy: number;
  /** The scratch group deleted (or given up on) by then. */
  cleanupBy: number;
}

export async function testRestore(
  deps: TestRestoreDeps,
  input: TestRestoreEvent & { remainingMs: number },
): Promise<TestRestoreOutcome> {
  const cache = findCache(deps.caches, input.cacheId);
  if (!cache.backup?.testRestore.enabled) {
    return { cacheId: cache.id, skipped: `test restores are not enabled for cache ${cache.id}` };
  }
  const startedAt = deps.clock.now();
  const cleanupBy = startedAt.getTime() + input.remainingMs - CLEANUP_RESERVE_MS / 4;
  const deadlines: Deadlines = { readBy: cleanupBy - CLEANUP_RESERVE_MS, cleanupBy };
  const scratchId = testRestoreGroupIdFor(cache.id);
  const run = { keysExpected: 0, keysLoaded: 0, sampled: 0, mismatched: 0 };
  const notes: string[] = [];
  let backup: BackupLocation = { bucket: cache.backup.bucket, key: '' };
  let reason: string | undefined;

  try {
    const found = await newestVerifiedBackup(deps, cache);
    if (!found)
      throw new TestRestoreFailure(`no verified backup of ${cache.id} in s3://${backup.bucket}/${cache.backup.prefix}`);
    backup = found.location;
    run.keysExpected = found.manifest.keys;
    await clearLeftover(deps, scratchId, deadlines.readBy);
    const endpoint = await restore(deps, cache, scratchId, found.location, deadlines.readBy - READ_BACK_RESERVE_MS);
    const authToken = await authTokenFor(cache, deps.secrets);

    run.keysLoaded = await deps.writer.keyCount(endpoint, authToken);
    const verdict = judgeKeyCount({
      expected: found.manifest.keys,
      withExpiry: found.manifest.keysWithExpiry,
      loaded: run.keysLoaded,
    });
    if (!verdict.ok) throw new TestRestoreFailure(verdict.reason);
    if (verdict.note) notes.push(verdict.note);

    const sample = await compareSample(deps, cache, found.manifest, endpoint, authToken);
    run.sampled = sample.sampled;
    run.mismatched = sample.mismatched.length;
    if (sample.mismatched.length > 0) {
      throw new TestRestoreFailure(
        `${sample.mismatched.length} of ${sample.sampled} sampled keys differ from the source of truth (first: ${sample.mismatched.slice(0, KEYS_IN_MESSAGE).join(', ')})`,
      );
    }
    if (sample.note) notes.push(sample.note);
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }

  const deleted = await deleteScratch(deps, scratchId, deadlines.cleanupBy);
  if (!deleted.ok) notes.push(deleted.note);
  const result: TestRestore = {
    cacheId: cache.id,
    at: startedAt.toISOString(),
    backup,
    ok: reason === undefined,
    ...run,
    durationMs: deps.clock.now().getTime() - startedAt.getTime(),
    ...(reason !== undefined ? { reason } : {}),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
  deps.metrics.emit({ CacheId: cache.id }, [{ name: 'TestRestoreSucceeded', unit: 'Count', value: result.ok ? 1 : 0 }]);
  await deps.backupRecords.recordTestRestore(result);
  if (!result.ok || !deleted.ok) await deps.notifier.publishOperators(testRestoreMessage(result, scratchId));
  return { cacheId: cache.id, result, scratchGroup: { replicationGroupId: scratchId, deleted: deleted.ok } };
}

/** The newest backup of the cache whose manifest says the product read it back and found it sound. */
async function newestVerifiedBackup(
  deps: TestRestoreDeps,
  cache: ProtectedCache,
): Promise<{ location: BackupLocation; manifest: BackupManifest } | undefined> {
  const { bucket, prefix } = cache.backup ?? { bucket: '', prefix: '' };
  const objects = (await deps.backups.list(bucket, prefix)).filter((o) => looksLikeRdbKey(o.key));
  const found: { location: BackupLocation; manifest: BackupManifest }[] = [];
  for (const object of objects.slice(0, MAX_MANIFESTS_READ)) {
    const location = { bucket: object.bucket, key: object.key };
    const manifest = await deps.backupStore.readManifest(location).catch(() => undefined);
    if (manifest?.cacheId === cache.id && manifest.verification.ok) found.push({ location, manifest });
  }
  // Listed by LastModified; the data's age is the watermark's.
  return found.sort((a, b) => Date.parse(b.manifest.watermark) - Date.parse(a.manifest.watermark))[0];
}

/** Deletes the scratch group an earlier run left behind, and waits until it is gone. */
async function clearLeftover(deps: TestRestoreDeps, id: string, by: number): Promise<void> {
  for (;;) {
    const group = await deps.fleet.describeGroup(id);
    if (!group) return;
    if (group.status !== 'deleting' && (await deps.fleet.deleteGroup(id)) === 'absent') return;
    if (deps.clock.now().getTime() >= by) {
      throw new TestRestoreFailure(`scratch group ${id}, left by an earlier run, is still ${group.status}`);
    }
    await pause(deps, by);
  }
}

/** Lets ElastiCache read the backup, creates the one-node scratch group from it and waits until it is available. */
async function restore(
  deps: TestRestoreDeps,
  cache: ProtectedCache,
  id: string,
  backup: BackupLocation,
  by: number,
): Promise<Endpoint> {
  const r = cache.replacement;
  const settings = cache.backup?.testRestore;
  if (!r.cacheSubnetGroupName) {
    throw new TestRestoreFailure(
      'replacement.cacheSubnetGroupName is required: scratch groups use in-transit encryption, which ElastiCache allows only with a cache subnet group',
    );
  }
  const reader = elastiCacheReaderFor(deps.region);
  if (reader.kind === 'object-acl') await deps.backups.grantRead(backup.bucket, backup.key, reader.canonicalId);
  const authToken = await authTokenFor(cache, deps.secrets);
  await deps.fleet.createFromBackup({
    replicationGroupId: id,
    description: `Test restore of ${cache.id} from ${backup.key}`.slice(0, 255),
    snapshotArn: `arn:aws:s3:::${backup.bucket}/${backup.key}`,
    nodeType: settings?.nodeType ?? 'cache.t4g.micro',
    engine: r.engine,
    ...(r.engineVersion ? { engineVersion: r.engineVersion } : {}),
    numCacheClusters: 1,
    port: r.port,
    ...(authToken ? { authToken } : {}),
    cacheSubnetGroupName: r.cacheSubnetGroupName,
    securityGroupIds: r.securityGroupIds,
    tags: { cacheId: cache.id, purpose: 'test-restore', 'managed-by': MANAGED_BY_TAG },
  });
  for (;;) {
    const group = await deps.fleet.describeGroup(id);
    const status = group?.status ?? 'missing';
    if (status === 'available' && group?.primaryEndpoint) return group.primaryEndpoint;
    if ((FAILED_STATUSES as readonly string[]).includes(status)) {
      throw new TestRestoreFailure(`scratch group ${id} is ${status}${await lastEvent(deps, id)}`);
    }
    if (deps.clock.now().getTime() >= by) {
      throw new TestRestoreFailure(`scratch group ${id} was not available in time (still ${status})`);
    }
    await pause(deps, by);
  }
}

/**
 * Up to `sampleKeys` records of the source of truth last updated before the
 * backup's watermark, read back from the restored cache: each must hold the
 * source's value.
 */
async function compareSample(
  deps: TestRestoreDeps,
  cache: ProtectedCache,
  manifest: BackupManifest,
  endpoint: Endpoint,
  authToken: string | undefined,
): Promise<{ sampled: number; mismatched: string[]; note?: string }> {
  const wanted = cache.backup?.testRestore.sampleKeys ?? 0;
  if (!cache.sourceOfTruth) return { sampled: 0, mismatched: [], note: 'no source of truth configured to sample' };
  if (wanted === 0) return { sampled: 0, mismatched: [] };
  const watermarkMs = Date.parse(manifest.watermark);
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const sample: { key: string; value: string }[] = [];
  let scanned = 0;
  outer: for await (const page of deps.source.changedSince(cache.sourceOfTruth.tableName, 0)) {
    for (const record of page) {
      if (isSampleCandidate(record, watermarkMs, nowSeconds)) sample.push(record);
      if (sample.length >= wanted || ++scanned >= MAX_SOURCE_RECORDS_SCANNED) break outer;
    }
  }
  const values = await deps.writer.read(
    endpoint,
    authToken,
    sample.map((r) => r.key),
  );
  const mismatched = sample.filter((r, i) => values[i] !== r.value).map((r) => r.key);
  return {
    sampled: sample.length,
    mismatched,
    ...(sample.length < wanted
      ? { note: `${sample.length} of ${wanted} sample keys found updated before the backup's watermark` }
      : {}),
  };
}

/** Asks ElastiCache to delete the scratch group until it accepts or `by` passes (it refuses while the group is created). */
async function deleteScratch(
  deps: TestRestoreDeps,
  id: string,
  by: number,
): Promise<{ ok: true } | { ok: false; note: string }> {
  let status: string;
  for (;;) {
    try {
      const outcome = await deps.fleet.deleteGroup(id);
      if (outcome !== 'busy') return { ok: true };
      status = (await deps.fleet.describeGroup(id))?.status ?? 'missing';
      if (status === 'deleting' || status === 'missing') return { ok: true };
    } catch (err) {
      status = `not deletable: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (deps.clock.now().getTime() >= by) {
      return { ok: false, note: `scratch group ${id} is left (${status}): the next run deletes it` };
    }
    await pause(deps, by);
  }
}

async function lastEvent(deps: TestRestoreDeps, id: string): Promise<string> {
  const events = await deps.fleet.recentEvents(id, 60).catch(() => []);
  const last = events[events.length - 1];
  return last ? `; last event: ${last.at} ${last.message}` : '';
}

async function pause(deps: TestRestoreDeps, until: number): Promise<void> {
  const left = until - deps.clock.now().getTime();
  await deps.sleep(Math.max(0, Math.min(deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, left)));
}
