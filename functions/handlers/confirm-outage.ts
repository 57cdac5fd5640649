/**
 * Confirm Outage: validates the payload and checks the cache as clients reach
 * it before any customer notice: a confirmed outage, or a false alarm told to
 * the operators only.
 */
import { config } from '../config';
import { confirmOutage, type ConfirmOutageDeps } from '../usecases/confirm-outage';
import { clock, sleep } from '../wiring/clock';
import { incidentStore, statusPages } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { cacheProbe } from '../wiring/redis-probe';
import { notifier } from '../wiring/sns';
import { endpointRecord, secretReader } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { confirmInputSchema } from '../domain/steps';

export const makeHandler = (deps: ConfirmOutageDeps) =>
  stepHandler({
    name: 'confirm-outage',
    schema: confirmInputSchema,
    run: confirmOutage,
    deps,
    log: (out) => ({
      message: out.confirmed ? 'outage confirmed' : 'false alarm',
      confirmed: out.confirmed,
      pings: out.pings.length,
      ...(out.error ? { error: out.error } : {}),
    }),
  });

export const handler = makeHandler(
  lazyDeps<ConfirmOutageDeps>({
    store: incidentStore,
    endpoints: endpointRecord,
    probe: cacheProbe,
    secrets: secretReader,
    notifier,
    clock,
    sleep,
    caches: () => config.protectedCaches,
    probeTimeoutMs: () => config.probeTimeoutMs,
    confirmation: () => config.confirmation,
    region: () => config.region,
    templates: () => config.templates,
    notices: () => config.notices,
    statusPage: statusPages,
  }),
);
