/**
 * Provision Cache: validates the payload and creates the replacement
 * replication group from the chosen backup (once per incident).
 */
import { config } from '../config';
import { provision, type ProvisionDeps } from '../usecases/provision';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { backupCatalog } from '../wiring/s3';
import { secretReader } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { recoveryInputSchema } from '../domain/steps';

export const makeHandler = (deps: ProvisionDeps) =>
  stepHandler({
    name: 'provision',
    schema: recoveryInputSchema,
    run: provision,
    deps,
    log: (out) => ({
      message: 'replacement requested',
      replicationGroupId: out.replicationGroupId,
      status: out.status,
    }),
  });

export const handler = makeHandler(
  lazyDeps<ProvisionDeps>({
    store: incidentStore,
    fleet: cacheFleet,
    backups: backupCatalog,
    region: () => config.region,
    secrets: secretReader,
    clock,
    caches: () => config.protectedCaches,
  }),
);
