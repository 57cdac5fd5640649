/**
 * Check Cache: validates the payload and polls the recovered group once.
 */
import * as z from 'zod';
import { config } from '../config';
import { checkCache, type CheckCacheDeps } from '../usecases/check-cache';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { cacheProbe } from '../wiring/redis-probe';
import { secretReader } from '../wiring/ssm';
import { incidentRef, recoverySchema } from './schemas';
import { stepHandler } from './step-handler';

export const checkCacheEventSchema = incidentRef.extend({
  recovery: recoverySchema,
  maxPolls: z.number().int().min(1),
});

export const makeHandler = (deps: CheckCacheDeps) =>
  stepHandler({
    name: 'check-cache',
    schema: checkCacheEventSchema,
    run: checkCache,
    deps,
    log: (out) => ({
      message: out.ready ? 'cache ready' : 'cache not ready yet',
      replicationGroupId: out.replicationGroupId,
      status: out.status,
      polls: out.polls,
      ready: out.ready,
    }),
  });

export const handler = makeHandler(
  lazyDeps<CheckCacheDeps>({
    store: incidentStore,
    fleet: cacheFleet,
    probe: cacheProbe,
    secrets: secretReader,
    clock,
    caches: () => config.protectedCaches,
    probeTimeoutMs: () => config.probeTimeoutMs,
  }),
);
