/**
 * What the console and `cache-outage caches` show of each protected cache's
 * backups: the newest verified backup and its age against the cache's RPO,
 * the last run and why it failed, the runs failed since the last success,
 * and the last test restore. Reads only.
 */
import { backupRpoSeconds, type ProtectedCache } from '../domain/caches';
import type { BackupAttempt, BackupRecords, BackupStatus, Clock, TestRestore } from '../ports';

export interface CacheBackupsDeps {
  caches: readonly ProtectedCache[];
  backupRecords: BackupRecords;
  clock: Clock;
}

/** The newest backup that passed its integrity check: the one a restore would seed from. */
export interface VerifiedBackupView {
  bucket: string;
  key: string;
  method: string;
  /** The moment the backup's data was taken: rehydration starts here. */
  watermark: string;
  /** Now − watermark. */
  ageSeconds: number;
  /** False for `scan-dump`: keys were read one by one while the scan ran. */
  pointInTime: boolean;
  bytes: number;
  keys: number;
  rdbVersion: number;
  /** When the run that made it finished. */
  madeAt: string;
}

export interface BackupRunView {
  startedAt: string;
  finishedAt: string;
  outcome: 'ok' | 'failed';
  reason?: string;
  attempts: BackupAttempt[];
}

export interface CacheBackupSummary {
  cacheId: string;
  displayName: string;
  /** False when the cache has no `backup` configuration: nothing below is set. */
  configured: boolean;
  /** How the product backs the cache up (`none`: the backups come from elsewhere). */
  method?: string;
  bucket?: string;
  prefix?: string;
  rpoSeconds?: number;
  newest?: VerifiedBackupView;
  /**
   * The newest verified backup is older than the RPO, or there is none though
   * the product makes them; unset when the product makes none and has none.
   */
  overRpo?: boolean;
  lastRun?: BackupRunView;
  /** Runs failed since the last success. */
  consecutiveFailures: number;
  lastTestRestore?: TestRestore;
}

function newestOf(status: BackupStatus | undefined, now: Date): VerifiedBackupView | undefined {
  const run = status?.lastSuccess;
  const b = run?.backup;
  if (!run || !b) return undefined;
  return {
    bucket: b.bucket,
    key: b.key,
    method: b.method,
    watermark: b.watermark,
    ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(b.watermark)) / 1000)),
    pointInTime: b.pointInTime,
    bytes: b.bytes,
    keys: b.keys,
    rdbVersion: b.rdbVersion,
    madeAt: run.finishedAt,
  };
}

function summarize(cache: ProtectedCache, status: BackupStatus | undefined, now: Date): CacheBackupSummary {
  const base = { cacheId: cache.id, displayName: cache.displayName };
  if (!cache.backup) return { ...base, configured: false, consecutiveFailures: 0 };
  const rpoSeconds = backupRpoSeconds(cache.backup);
  const newest = newestOf(status, now);
  const overRpo = newest ? newest.ageSeconds > rpoSeconds : cache.backup.method === 'none' ? undefined : true;
  const last = status?.lastRun;
  return {
    ...base,
    configured: true,
    method: cache.backup.method,
    bucket: cache.backup.bucket,
    prefix: cache.backup.prefix,
    rpoSeconds,
    ...(newest ? { newest } : {}),
    ...(overRpo !== undefined ? { overRpo } : {}),
    ...(last
      ? {
          lastRun: {
            startedAt: last.startedAt,
            finishedAt: last.finishedAt,
            outcome: last.outcome,
            ...(last.reason ? { reason: last.reason } : {}),
            attempts: last.attempts,
          },
        }
      : {}),
    consecutiveFailures: status?.consecutiveFailures ?? 0,
    ...(status?.lastTestRestore ? { lastTestRestore: status.lastTestRestore } : {}),
  };
}

/** Every protected cache, in the order the configuration lists them. */
export async function listCacheBackups(deps: CacheBackupsDeps): Promise<CacheBackupSummary[]> {
  const now = deps.clock.now();
  return Promise.all(
    deps.caches.map(async (cache) =>
      summarize(cache, cache.backup ? await deps.backupRecords.backupStatus(cache.id) : undefined, now),
    ),
  );
}
