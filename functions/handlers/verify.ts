/**
 * Verify Cache / Verify Data: validates the payload and checks the recovered
 * cache as clients see it (mode cache) or against the source of truth (mode data).
 */
import { config } from '../config';
import { verify, type VerifyDeps } from '../usecases/verify';
import { clock } from '../wiring/clock';
import { incidentStore, readShares, sourceOfTruth } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { cacheProbe } from '../wiring/redis-probe';
import { cacheWriter } from '../wiring/redis-writer';
import { endpointRecord, secretReader } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { verifyInputSchema } from '../domain/steps';

export const makeHandler = (deps: VerifyDeps) =>
  stepHandler({
    name: 'verify',
    schema: verifyInputSchema,
    run: verify,
    deps,
    log: (out) => ({
      message: out.mode === 'cache' ? 'cache verified' : 'data verified',
      mode: out.mode,
      keysChecked: out.keysChecked,
    }),
  });

export const handler = makeHandler(
  lazyDeps<VerifyDeps>({
    store: incidentStore,
    endpoints: endpointRecord,
    probe: cacheProbe,
    secrets: secretReader,
    source: sourceOfTruth,
    shares: readShares,
    writer: cacheWriter,
    clock,
    caches: () => config.protectedCaches,
    probeTimeoutMs: () => config.probeTimeoutMs,
  }),
);
