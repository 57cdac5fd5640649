/**
 * Promote Replica / Promote Standby: validates the payload and promotes the
 * replica (or fails the Global Datastore over, or takes the warm standby);
 * Check Cache then polls until it serves.
 */
import { promote, type PromoteDeps } from '../usecases/promote';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { stepHandler } from './step-handler';
import { recoveryInputSchema } from '../domain/steps';

export const makeHandler = (deps: PromoteDeps) =>
  stepHandler({
    name: 'promote',
    schema: recoveryInputSchema,
    run: promote,
    deps,
    log: (out) => ({ message: 'promotion started', plan: out.plan, replicationGroupId: out.replicationGroupId }),
  });

export const handler = makeHandler(
  lazyDeps<PromoteDeps>({
    store: incidentStore,
    fleet: cacheFleet,
    clock,
  }),
);
