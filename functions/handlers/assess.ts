/**
 * Assess: validates the state's payload and decides the recovery plan from
 * what the primary, the replicas, the warm standby, the Global Datastore and
 * the backups show.
 */
import { config } from '../config';
import { assess, type AssessDeps } from '../usecases/assess';
import { clock } from '../wiring/clock';
import { incidentStore, mirrorRecords } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { lazyDeps } from '../wiring/lazy-deps';
import { cacheProbe } from '../wiring/redis-probe';
import { backupCatalog, backupStore } from '../wiring/s3';
import { endpointRecord, secretReader } from '../wiring/ssm';
import { stepHandler } from './step-handler';
import { assessInputSchema } from '../domain/steps';

export const makeHandler = (deps: AssessDeps) =>
  stepHandler({
    name: 'assess',
    schema: assessInputSchema,
    run: assess,
    deps,
    log: (out) => ({
      message: 'assessed',
      plan: out.plan,
      reason: out.reason,
      requiresApproval: out.requiresApproval,
      etaMinutes: out.etaMinutes,
      rejectedBackups: out.rejectedBackups.length,
    }),
  });

export const handler = makeHandler(
  lazyDeps<AssessDeps>({
    store: incidentStore,
    probe: cacheProbe,
    fleet: cacheFleet,
    backups: backupCatalog,
    backupStore,
    mirrorRecords,
    endpoints: endpointRecord,
    secrets: secretReader,
    clock,
    caches: () => config.protectedCaches,
    approvalPolicy: () => config.approvalPolicy,
    probeTimeoutMs: () => config.probeTimeoutMs,
  }),
);
