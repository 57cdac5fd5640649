/**
 * Backup: one scheduled run for one cache. Tries the configured method (or,
 * with `auto`, each in turn), streams the backup to S3, reads it back to
 * check it, writes its manifest, records the run, publishes its freshness and
 * tells the operators when backups start failing. A failed run is a result,
 * not an error: the next run is the retry.
 */
import { elastiCacheReaderFor } from '../../domain/backup-access';
import { type BackupMethod, type BackupManifest } from '../../domain/backup/manifest';
import { verifyRdb } from '../../domain/backup/rdb-verifier';
import { backupRpoSeconds, exportable, type ProtectedCache } from '../../domain/caches';
import { BackupMethodRefusedError, ConfigError, InvalidBackupError } from '../../domain/errors';
import { formatBytes } from '../../domain/format';
import { maxRdbVersionLoadedBy } from '../../domain/rdb';
import { nodeMemoryBytes } from '../../domain/recovery';
import type {
  BackupAttempt,
  BackupRecords,
  BackupRun,
  BackupStatus,
  EndpointRecord,
  MetricsSink,
  Notifier,
  SecretReader,
} from '../../ports';
import { authTokenFor, currentEndpoint, findCache } from '../shared/protected-cache';
import { makeBackup, type MadeBackup, type MethodDeps } from './methods';

export interface BackupDeps extends MethodDeps {
  records: BackupRecords;
  notifier: Notifier;
  metrics: MetricsSink;
  secrets: SecretReader;
  endpoints: EndpointRecord;
  caches: readonly ProtectedCache[];
  /** The deployment's Region: it decides how ElastiCache is let read a backup. */
  region: string;
}

/** Order of `auto`: the cache's own point-in-time file first, then key by key, then ElastiCache's export. */
export function methodsFor(cache: ProtectedCache): BackupMethod[] {
  const method = cache.backup?.method ?? 'none';
  if (method === 'none') return [];
  if (method !== 'auto') return [method];
  return cache.replicationGroupId && exportable(cache.backup?.prefix ?? '')
    ? ['sync', 'scan-dump', 'elasticache-export']
    : ['sync', 'scan-dump'];
}

export async function runBackup(deps: BackupDeps, input: { cacheId: string; deadline: Date }): Promise<BackupRun> {
  const cache = findCache(deps.caches, input.cacheId);
  const location = cache.backup;
  const methods = methodsFor(cache);
  if (!location || methods.length === 0) {
    throw new ConfigError(`cache ${cache.id} has no backups made by this deployment (backup.method is none or unset)`);
  }
  const before = await deps.records.backupStatus(cache.id);
  publishAge(deps, cache.id, before?.lastSuccess?.backup?.watermark);

  const startedAt = deps.clock.now();
  const reader = elastiCacheReaderFor(deps.region);
  const ctx = {
    cache,
    location,
    endpoint: await currentEndpoint(deps.endpoints, cache),
    authToken: await authTokenFor(cache, deps.secrets),
    maxRdbVersion: maxRdbVersionLoadedBy(cache.replacement.engine, cache.replacement.engineVersion),
    readerCanonicalId: reader.kind === 'object-acl' ? reader.canonicalId : undefined,
    deadline: input.deadline,
  };

  const attempts: BackupAttempt[] = [];
  let backup: BackupRun['backup'];
  for (const method of methods) {
    try {
      const made = await makeBackup(deps, method, ctx);
      const manifest = await checkAndDescribe(deps, cache.id, made, {
        maxRdbVersion: ctx.maxRdbVersion,
        nodeMemoryBytes: nodeMemoryBytes(cache.replacement.nodeType),
      });
      await deps.store.writeManifest(made, manifest);
      if (!manifest.verification.ok) {
        attempts.push({ method, outcome: 'failed', reason: `${made.key}: ${manifest.verification.reason}` });
        continue;
      }
      attempts.push({ method, outcome: 'ok' });
      backup = {
        bucket: made.bucket,
        key: made.key,
        method,
        watermark: manifest.watermark,
        pointInTime: manifest.pointInTime,
        keys: manifest.keys,
        bytes: manifest.bytes,
        rdbVersion: manifest.rdbVersion,
      };
      break;
    } catch (err) {
      attempts.push({
        method,
        outcome: err instanceof BackupMethodRefusedError ? 'refused' : 'failed',
        reason: (err as Error).message,
      });
    }
  }

  const finishedAt = deps.clock.now();
  const last = attempts[attempts.length - 1];
  const run: BackupRun = {
    cacheId: cache.id,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    outcome: backup ? 'ok' : 'failed',
    attempts,
    ...(backup ? { backup } : last?.reason ? { reason: last.reason } : {}),
  };
  const status = await deps.records.recordBackupRun(run);
  publishAge(deps, cache.id, (backup ?? status.lastSuccess?.backup)?.watermark, [
    { name: 'BackupSucceeded', unit: 'Count', value: backup ? 1 : 0 },
    { name: 'BackupDurationMs', unit: 'Milliseconds', value: finishedAt.getTime() - startedAt.getTime() },
    ...(backup
      ? [
          { name: 'BackupBytes', unit: 'Bytes' as const, value: backup.bytes },
          { name: 'BackupKeys', unit: 'Count' as const, value: backup.keys },
        ]
      : []),
  ]);
  // The operators hear when backups start failing, not at every failing run.
  if (!backup && status.consecutiveFailures === 1) await tellOperators(deps, cache, run, status);
  return run;
}

/** Reads the uploaded object back as a stream and describes it; a failed check is a manifest that says why. */
async function checkAndDescribe(
  deps: BackupDeps,
  cacheId: string,
  made: MadeBackup,
  replacement: { maxRdbVersion: number | undefined; nodeMemoryBytes: number | undefined },
): Promise<BackupManifest> {
  const described = {
    cacheId,
    method: made.method,
    pointInTime: made.pointInTime,
    watermark: made.watermark.toISOString(),
    startedAt: made.startedAt.toISOString(),
    engine: made.engine,
  };
  let problem: string | undefined;
  let found = { rdbVersion: 1, keys: 0, keysWithExpiry: 0, bytes: 0 };
  try {
    const read = await verifyRdb(await deps.store.read(made));
    found = read;
    problem = readBackProblem(read, made, replacement);
  } catch (err) {
    if (!(err instanceof InvalidBackupError)) throw err;
    problem = `integrity check failed: ${err.message}`;
  }
  const verifiedAt = deps.clock.now().toISOString();
  return {
    ...described,
    finishedAt: verifiedAt,
    rdbVersion: found.rdbVersion,
    keys: found.keys,
    keysWithExpiry: found.keysWithExpiry,
    bytes: found.bytes,
    verification: problem === undefined ? { ok: true, verifiedAt } : { ok: false, verifiedAt, reason: problem },
  };
}

function publishAge(
  deps: Pick<BackupDeps, 'metrics' | 'clock'>,
  cacheId: string,
  watermark: string | undefined,
  more: { name: string; unit: 'Count' | 'Milliseconds' | 'Bytes'; value: number }[] = [],
): void {
  const age =
    watermark === undefined
      ? []
      : [
          {
            name: 'BackupAgeSeconds',
            unit: 'Seconds' as const,
            value: Math.max(0, Math.round((deps.clock.now().getTime() - Date.parse(watermark)) / 1000)),
          },
        ];
  deps.metrics.emit({ CacheId: cacheId }, [...age, ...more]);
}

async function tellOperators(
  deps: BackupDeps,
  cache: ProtectedCache,
  run: BackupRun,
  status: BackupStatus,
): Promise<void> {
  const newest = status.lastSuccess?.backup;
  const rpoMinutes = cache.backup ? Math.round(backupRpoSeconds(cache.backup) / 60) : undefined;
  const tried = run.attempts.map((a) => `${a.method}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`).join('; ');
  await deps.notifier.publishOperators({
    kind: 'backup-failed',
    cacheId: cache.id,
    subject: `Backups of ${cache.displayName} (${cache.id}) are failing`,
    text:
      `The backup of ${cache.displayName} (${cache.id}) failed. Tried ${tried}. ` +
      (newest
        ? `The newest verified backup is ${newest.key}, taken ${newest.watermark}`
        : 'There is no verified backup to restore from') +
      (rpoMinutes !== undefined ? `; the RPO is ${rpoMinutes} min.` : '.') +
      ' Customers are not told.',
    facts: { attempts: run.attempts, ...(newest ? { newestBackup: newest } : {}) },
  });
}

/**
 * Why a file that parsed to its end is still not a backup to restore from, or
 * undefined: not the bytes uploaded, not the keys written, an RDB version the
 * replacement does not load, or more data than its node holds (a restore would
 * end in restore-failed, so the operators must know before the outage).
 */
export function readBackProblem(
  read: { bytes: number; keys: number; rdbVersion: number },
  made: { bytes: number; keysWritten?: number },
  replacement: { maxRdbVersion: number | undefined; nodeMemoryBytes: number | undefined },
): string | undefined {
  const { maxRdbVersion, nodeMemoryBytes: memory } = replacement;
  if (read.bytes !== made.bytes) return `read back ${read.bytes} bytes, ${made.bytes} were uploaded`;
  if (made.keysWritten !== undefined && read.keys !== made.keysWritten)
    return `holds ${read.keys} keys, ${made.keysWritten} were written`;
  if (maxRdbVersion !== undefined && read.rdbVersion > maxRdbVersion)
    return `RDB format version ${read.rdbVersion} is newer than the replacement engine loads (up to ${maxRdbVersion})`;
  if (memory !== undefined && read.bytes > memory)
    return `${formatBytes(read.bytes)} does not fit the replacement node's ${formatBytes(memory)}`;
  return undefined;
}
