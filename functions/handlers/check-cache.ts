/**
 * Check Cache: validates the payload and polls the recovered group once.
 */
import { config } from '../config';
import { checkCache, type CheckCacheDeps } from '../usecases/check-cache';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { cacheProbe } from '../wiring/redis-probe';
import { secretReader } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { checkCacheInputSchema } from '../domain/steps';

export const makeHandler = (deps: CheckCacheDeps) =>
  stepHandler({
    name: 'check-cache',
    schema: checkCacheInputSchema,
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
