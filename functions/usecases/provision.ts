/**
 * Provision Cache: creates the replacement replication group seeded from the
 * chosen RDB backup. Its id is derived from the incident, so a retry finds
 * the group it created instead of creating a second one.
 */
import type { ProtectedCache } from '../domain/caches';
import { NoRecoveryPathError } from '../domain/errors';
import { replacementGroupIdFor } from '../domain/naming';
import type { RecoveryInput, RecoveryProgress } from '../domain/steps';
import type { CacheFleet, Clock, IncidentStore, SecretReader } from '../ports';
import { addTimeline, assertCurrentIncident, authTokenFor, findCache } from './common';

export interface ProvisionDeps {
  store: IncidentStore;
  fleet: CacheFleet;
  secrets: SecretReader;
  clock: Clock;
  caches: readonly ProtectedCache[];
}

export const MANAGED_BY_TAG = 'cache-outage-workflow';

export async function provision(deps: ProvisionDeps, input: RecoveryInput): Promise<RecoveryProgress> {
  const { incidentId, cacheId, assessment } = input;
  const backup = assessment.backup;
  if (assessment.plan !== 'PROVISION_FROM_BACKUP' || !backup) {
    throw new NoRecoveryPathError(`plan ${assessment.plan} has no backup to provision from`);
  }
  await assertCurrentIncident(deps.store, cacheId, incidentId);
  const cache = findCache(deps.caches, cacheId);
  const authToken = await authTokenFor(cache, deps.secrets);
  const replicationGroupId = replacementGroupIdFor(cacheId, incidentId);
  const r = cache.replacement;

  const result = await deps.fleet.createFromBackup({
    replicationGroupId,
    description: `Replacement for ${cacheId} (incident ${incidentId})`.slice(0, 255),
    snapshotArn: backup.snapshotArn,
    nodeType: r.nodeType,
    engine: r.engine,
    ...(r.engineVersion ? { engineVersion: r.engineVersion } : {}),
    numCacheClusters: r.numCacheClusters,
    port: r.port,
    ...(authToken ? { authToken } : {}),
    ...(r.cacheSubnetGroupName ? { cacheSubnetGroupName: r.cacheSubnetGroupName } : {}),
    securityGroupIds: r.securityGroupIds,
    tags: { incidentId, cacheId, 'managed-by': MANAGED_BY_TAG },
  });

  const startedAt = deps.clock.now().toISOString();
  await addTimeline(
    deps,
    incidentId,
    'RECOVERY_STARTED',
    `${result.alreadyExisted ? 'replacement already requested' : 'provisioning replacement'} ${replicationGroupId} from ${backup.key}`,
    {
      plan: assessment.plan,
      replicationGroupId,
      snapshotArn: backup.snapshotArn,
      nodeType: r.nodeType,
      alreadyExisted: result.alreadyExisted,
    },
  );
  return { plan: assessment.plan, replicationGroupId, startedAt, polls: 0, ready: false, status: result.status };
}
