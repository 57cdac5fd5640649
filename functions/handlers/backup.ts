/**
 * Scheduled backup of one protected cache (`{"cacheId": "…"}`, the constant
 * input of the cache's schedule rule): streams it to S3, checks it, records
 * the run. A failed backup is a recorded result (and the operators are told),
 * not an error: the next scheduled run is the retry.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { config } from '../config';
import { parseInput } from '../domain/validation';
import { logger, lambdaHandler } from '../lib/observability';
import { runBackup, type BackupDeps } from '../usecases/backup/run-backup';
import type { BackupRun } from '../ports';
import { clock } from '../wiring/clock';
import { backupRecords } from '../wiring/dynamodb';
import { snapshotExporter } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { metricsSink } from '../wiring/metrics';
import { backupSource } from '../wiring/redis-backup-source';
import { backupStore } from '../wiring/s3';
import { notifier } from '../wiring/sns';
import { endpointRecord, secretReader } from '../wiring/ssm';

const backupEventSchema = z.object({ cacheId: z.string().min(1) });

/** Time kept back from the function's timeout to record the run and publish its metrics. */
const FINISH_MS = 20_000;

export function makeHandler(deps: BackupDeps) {
  return lambdaHandler('backup', async (event: unknown, context: Context): Promise<BackupRun> => {
    const { cacheId } = parseInput('backup event', backupEventSchema, event);
    const deadline = new Date(deps.clock.now().getTime() + context.getRemainingTimeInMillis() - FINISH_MS);
    const run = await runBackup(deps, { cacheId, deadline });
    const keys = {
      cacheId,
      outcome: run.outcome,
      attempts: run.attempts,
      ...(run.backup ? { backup: run.backup } : {}),
    };
    if (run.outcome === 'ok') logger.info('backup made', keys);
    else logger.error('backup failed', keys);
    return run;
  });
}

export const handler = makeHandler(
  lazyDeps<BackupDeps>({
    source: backupSource,
    store: backupStore,
    exporter: snapshotExporter,
    clock,
    records: backupRecords,
    notifier,
    metrics: metricsSink,
    secrets: secretReader,
    endpoints: endpointRecord,
    caches: () => config.protectedCaches,
    region: () => config.region,
  }),
);
