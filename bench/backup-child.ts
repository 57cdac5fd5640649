/**
 * Runs one scheduled backup alone in a fresh process, as the backup function
 * does it: `runBackup` with the production RedisBackupSource and
 * S3BackupStore (default options) against a redis-server and the local S3,
 * read-back verification included. Prints one JSON line: duration, the run,
 * peak RSS.
 *
 * argv: <s3 endpoint> <bucket> <redis port> <sync|scan-dump>
 */
import { S3Client } from '@aws-sdk/client-s3';
import { RedisBackupSource } from '../functions/adapters/redis-backup-source';
import { S3BackupStore } from '../functions/adapters/s3-backup-store';
import { protectedCacheSchema } from '../functions/domain/caches';
import { systemClock, type BackupRecords, type BackupRun, type BackupStatus } from '../functions/ports';
import { runBackup } from '../functions/usecases/backup/run-backup';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/service';

/** The run's record kept in memory: the backup table is not what is measured. */
class MemoryRecords implements BackupRecords {
  private status: BackupStatus | undefined;
  async recordBackupRun(run: BackupRun): Promise<BackupStatus> {
    const failures = run.outcome === 'ok' ? 0 : (this.status?.consecutiveFailures ?? 0) + 1;
    this.status = {
      cacheId: run.cacheId,
      lastRun: run,
      ...(run.outcome === 'ok' ? { lastSuccess: run } : {}),
      consecutiveFailures: failures,
    };
    return this.status;
  }
  async recordTestRestore(): Promise<void> {}
  async backupStatus(): Promise<BackupStatus | undefined> {
    return this.status;
  }
}

async function main(): Promise<void> {
  const [endpoint, bucket, port, method] = process.argv.slice(2, 6);
  if (!endpoint || !bucket || !Number(port) || (method !== 'sync' && method !== 'scan-dump'))
    throw new Error('usage: backup-child <s3 endpoint> <bucket> <redis port> <sync|scan-dump>');
  const cache = protectedCacheSchema.parse({
    id: 'bench',
    displayName: 'benchmark cache',
    endpoint: { host: '127.0.0.1', port: Number(port), tls: false },
    endpointParameter: '/cache/bench/endpoint',
    backup: { bucket, prefix: `bench/${method}/`, method },
    replacement: { engine: 'redis', cacheSubnetGroupName: 'bench' },
  });
  const client = new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const operatorMessages: string[] = [];
  const started = performance.now();
  const run = await runBackup(
    {
      source: new RedisBackupSource(),
      store: new S3BackupStore({ client }),
      exporter: {
        exportToS3: () => Promise.reject(new Error('elasticache-export is not benchmarked')),
      },
      clock: systemClock,
      records: new MemoryRecords(),
      notifier: {
        publishStatus: () => Promise.reject(new Error('a backup never notifies customers')),
        publishOperators: async (m) => {
          operatorMessages.push(m.text);
          return { messageId: String(operatorMessages.length) };
        },
      },
      metrics: { emit: () => undefined },
      secrets: { secret: () => Promise.reject(new Error('the benchmark cache has no AUTH token')) },
      endpoints: { read: async () => undefined, write: () => Promise.reject(new Error('not written')) },
      caches: [cache],
      region: LOCAL_REGION,
    },
    { cacheId: cache.id, deadline: new Date(Date.now() + 3_600_000) },
  );
  const ms = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  client.destroy();
  process.stdout.write(`${JSON.stringify({ ms, run, maxRssMb, operatorMessages })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
