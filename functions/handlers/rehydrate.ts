/**
 * Rehydrate: validates the payload and writes back from the source of truth
 * what the recovered cache lacks, customizations first.
 */
import { config } from '../config';
import { rehydrate, type RehydrateDeps } from '../usecases/rehydrate';
import { clock } from '../wiring/clock';
import { incidentStore, readShares, sourceOfTruth } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { cacheWriter } from '../wiring/redis-writer';
import { secretReader } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { rehydrateInputSchema } from '../domain/steps';

export const makeHandler = (deps: RehydrateDeps) =>
  stepHandler({
    name: 'rehydrate',
    schema: rehydrateInputSchema,
    run: rehydrate,
    deps,
    log: (out) => ({
      message: 'rehydrated',
      since: out.since,
      written: out.written,
      expiredSkipped: out.expiredSkipped,
      byKind: out.byKind,
      seconds: out.seconds,
    }),
  });

export const handler = makeHandler(
  lazyDeps<RehydrateDeps>({
    store: incidentStore,
    source: sourceOfTruth,
    shares: readShares,
    writer: cacheWriter,
    secrets: secretReader,
    clock,
    caches: () => config.protectedCaches,
  }),
);
