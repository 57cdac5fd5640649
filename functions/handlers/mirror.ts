/**
 * Scheduled mirror cycle of one protected cache into its warm standby
 * (`{"cacheId": "…"}`, the constant input of the cache's mirror schedule rule).
 * A failed cycle is a recorded result (and the operators are told once), not
 * an error: the next scheduled cycle is the retry.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { config } from '../config';
import { parseInput } from '../domain/validation';
import { logger, lambdaHandler } from '../lib/observability';
import type { MirrorCycle } from '../ports';
import { mirrorCache, type MirrorDeps } from '../usecases/mirror';
import { clock } from '../wiring/clock';
import { mirrorRecords } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { metricsSink } from '../wiring/metrics';
import { keyspaceMirror } from '../wiring/redis-mirror';
import { notifier } from '../wiring/sns';
import { endpointRecord, secretReader } from '../wiring/ssm';

const mirrorEventSchema = z.object({ cacheId: z.string().min(1) });

/** Time kept back from the function's timeout to record the cycle and publish its metrics. */
const FINISH_MS = 5_000;

export function makeHandler(deps: MirrorDeps) {
  return lambdaHandler('mirror', async (event: unknown, context: Context): Promise<MirrorCycle> => {
    const { cacheId } = parseInput('mirror event', mirrorEventSchema, event);
    const deadline = new Date(deps.clock.now().getTime() + context.getRemainingTimeInMillis() - FINISH_MS);
    const cycle = await mirrorCache(deps, { cacheId, deadline });
    const keys = { cacheId, outcome: cycle.outcome, ...(cycle.reason ? { reason: cycle.reason } : {}) };
    if (cycle.outcome === 'failed') logger.error('mirror cycle failed', keys);
    else
      logger.info(cycle.outcome === 'ok' ? 'standby mirrored' : 'mirror cycle skipped', { ...keys, pass: cycle.pass });
    return cycle;
  });
}

export const handler = makeHandler(
  lazyDeps<MirrorDeps>({
    mirror: keyspaceMirror,
    records: mirrorRecords,
    fleet: cacheFleet,
    endpoints: endpointRecord,
    secrets: secretReader,
    metrics: metricsSink,
    notifier,
    clock,
    caches: () => config.protectedCaches,
  }),
);
