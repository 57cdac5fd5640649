/**
 * Cut Over: validates the payload and points the endpoint record at the
 * recovered cache.
 */
import { config } from '../config';
import { cutOver, type CutOverDeps } from '../usecases/cut-over';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { endpointRecord } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { cutOverInputSchema } from '../domain/steps';

export const makeHandler = (deps: CutOverDeps) =>
  stepHandler({
    name: 'cut-over',
    schema: cutOverInputSchema,
    run: cutOver,
    deps,
    log: (out) => ({
      message: 'cut over',
      parameter: out.parameter,
      current: `${out.current.host}:${out.current.port}`,
      ...(out.previous ? { previous: `${out.previous.host}:${out.previous.port}` } : {}),
      version: out.version,
    }),
  });

export const handler = makeHandler(
  lazyDeps<CutOverDeps>({
    store: incidentStore,
    endpoints: endpointRecord,
    clock,
    caches: () => config.protectedCaches,
  }),
);
