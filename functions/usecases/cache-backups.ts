/**
 * What the console and `cache-outage caches` show of each protected cache's
 * backups: the newest verified backup and its age against the cache's RPO,
 * the last run and why it failed, the runs failed since the last success,
 * and the last test restore; and of its warm standby, when it has one: the
 * mirror's lag, its last successful cycle and the cycles failed since. Reads only.
 */
import { backupRpoSeconds, standbyMaxLagSeconds, type ProtectedCache } from '../domain/caches';
import type {
  BackupAttempt,
  BackupRecords,
  BackupStatus,
  Clock,
  MirrorCycle,
  MirrorRecords,
  MirrorStatus,
  TestRestore,
} from '../ports';
import { mirrorLagSeconds } from './mirror';

export interface CacheBackupsDeps {
  caches: readonly ProtectedCache[];
  backupRecords: BackupRecords;
  mirrorRecords: MirrorRecords;
  clock: Clock;
}

/** A cache's warm standby as the mirror last left it. */
export interface StandbyView {
  replicationGroupId: string;
  /** True when the stack declares the group; false when the operators provide it. */
  declared: boolean;
  intervalMinutes: number;
  maxLagSeconds: number;
  /** Now − the watermark of the last successful cycle; unset before the first success. */
  lagSeconds?: number;
  /** The lag is above the limit, or no cycle ever succeeded. */
  overLag: boolean;
  /** The last successful cycle: when it finished, its watermark, the keys it copied and deleted. */
  lastSuccess?: { finishedAt: string; watermark: string; keys: number; deleted: number };
  lastCycle?: Pick<MirrorCycle, 'outcome' | 'startedAt' | 'finishedAt' | 'reason'>;
  /** Cycles failed since the last success. */
  consecutiveFailures: number;
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
  /** The warm standby, when the cache has one (with or without backups). */
  standby?: StandbyView;
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

function standbyOf(cache: ProtectedCache, status: MirrorStatus | undefined, now: Date): StandbyView | undefined {
  const standby = cache.standby;
  if (!standby) return undefined;
  const maxLagSeconds = standbyMaxLagSeconds(standby);
  const lagSeconds = mirrorLagSeconds(status, now);
  const success = status?.lastSuccess;
  const last = status?.lastCycle;
  return {
    replicationGroupId: standby.replicationGroupId,
    declared: standby.declared,
    intervalMinutes: standby.intervalMinutes,
    maxLagSeconds,
    ...(lagSeconds !== undefined ? { lagSeconds } : {}),
    overLag: lagSeconds === undefined || lagSeconds > maxLagSeconds,
    ...(success?.pass
      ? {
          lastSuccess: {
            finishedAt: success.finishedAt,
            watermark: success.pass.watermark,
            keys: success.pass.copied,
            deleted: success.pass.deleted,
          },
        }
      : {}),
    ...(last
      ? {
          lastCycle: {
            outcome: last.outcome,
            startedAt: last.startedAt,
            finishedAt: last.finishedAt,
            ...(last.reason ? { reason: last.reason } : {}),
          },
        }
      : {}),
    consecutiveFailures: status?.consecutiveFailures ?? 0,
  };
}

function summarize(
  cache: ProtectedCache,
  status: BackupStatus | undefined,
  mirror: MirrorStatus | undefined,
  now: Date,
): CacheBackupSummary {
  const standby = standbyOf(cache, mirror, now);
  const base = { cacheId: cache.id, displayName: cache.displayName, ...(standby ? { standby } : {}) };
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
    deps.caches.map(async (cache) => {
      const [backups, mirror] = await Promise.all([
        cache.backup ? deps.backupRecords.backupStatus(cache.id) : undefined,
        cache.standby ? deps.mirrorRecords.mirrorStatus(cache.id) : undefined,
      ]);
      return summarize(cache, backups, mirror, now);
    }),
  );
}
