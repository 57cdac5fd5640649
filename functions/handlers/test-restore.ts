/**
 * Scheduled test restore of one cache (event `{"cacheId": "<id>"}`): the
 * newest verified backup restored into a scratch group, read back, deleted.
 * The use case waits for the group within the invocation's remaining time.
 */
import type { Context } from 'aws-lambda';
import { config } from '../config';
import { testRestoreEventSchema } from '../domain/backup/test-restore';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { testRestore, type TestRestoreDeps, type TestRestoreOutcome } from '../usecases/test-restore';
import { clock, sleep } from '../wiring/clock';
import { backupRecords, sourceOfTruth } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { metricsSink } from '../wiring/metrics';
import { cacheWriter } from '../wiring/redis-writer';
import { backupCatalog, backupStore } from '../wiring/s3';
import { notifier } from '../wiring/sns';
import { secretReader } from '../wiring/ssm';

export function makeHandler(deps: TestRestoreDeps) {
  return lambdaHandler('testRestore', async (event: unknown, context: Context): Promise<TestRestoreOutcome> => {
    const input = parseInput('testRestore event', testRestoreEventSchema, event);
    const out = await testRestore(deps, { ...input, remainingMs: context.getRemainingTimeInMillis() });
    if ('skipped' in out) logger.info('test restore skipped', { reason: out.skipped });
    else {
      const { result, scratchGroup } = out;
      const keys = { ...result, scratchGroup: scratchGroup.replicationGroupId, scratchDeleted: scratchGroup.deleted };
      if (result.ok && scratchGroup.deleted) logger.info('test restore passed', keys);
      else logger.warn(result.ok ? 'test restore passed, scratch group left' : 'test restore failed', keys);
    }
    return out;
  });
}

export const handler = makeHandler(
  lazyDeps<TestRestoreDeps>({
    fleet: cacheFleet,
    backups: backupCatalog,
    backupStore,
    backupRecords,
    source: sourceOfTruth,
    writer: cacheWriter,
    secrets: secretReader,
    notifier,
    metrics: metricsSink,
    clock,
    sleep,
    // How often the scratch group's state is read: the workflow's own polling interval.
    pollIntervalMs: () => config.settings.pollIntervalSeconds * 1000,
    caches: () => config.protectedCaches,
    region: () => config.region,
  }),
);
