/**
 * Provision Cache: lets ElastiCache read the chosen RDB backup, then creates
 * the replacement replication group seeded from it. Its id is derived from the
 * incident, so a retry finds the group it created instead of creating a second one.
 */
import { elastiCacheReaderFor } from '../domain/backup-access';
import { authTokenProblem, type ProtectedCache } from '../domain/caches';
import { NoRecoveryPathError, ValidationError } from '../domain/errors';
import { replacementGroupIdFor } from '../domain/naming';
import type { RecoveryInput, RecoveryProgress } from '../domain/steps';
import type { BackupReadGrant, CacheFleet, Clock, IncidentLocks, SecretReader, Timeline } from '../ports';
import { assertCurrentIncident } from './shared/current-incident';
import { authTokenFor, findCache } from './shared/protected-cache';
import { addTimeline } from './shared/timeline';

export interface ProvisionDeps {
  store: Timeline & IncidentLocks;
  fleet: CacheFleet;
  backups: BackupReadGrant;
  secrets: SecretReader;
  clock: Clock;
  caches: readonly ProtectedCache[];
  /** The region replacements are created in: it decides how ElastiCache is let read the backup. */
  region: string;
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
  const r = cache.replacement;
  // Replacements are created with in-transit encryption, which CreateReplicationGroup
  // accepts only with a cache subnet group (TransitEncryptionEnabled, ElastiCache API Reference).
  if (!r.cacheSubnetGroupName) {
    throw new ValidationError(`cache ${cacheId}`, [
      {
        path: 'replacement.cacheSubnetGroupName',
        message:
          'is required: replacements use in-transit encryption, which ElastiCache allows only with a cache subnet group',
      },
    ]);
  }
  const authToken = await authTokenFor(cache, deps.secrets);
  const tokenProblem = authToken === undefined ? undefined : authTokenProblem(authToken);
  if (tokenProblem) {
    throw new ValidationError(`cache ${cacheId}`, [
      {
        path: 'authTokenParameter',
        message: `the AUTH token in ${cache.authTokenParameter ?? ''} is not one ElastiCache accepts: ${tokenProblem}`,
      },
    ]);
  }
  const replicationGroupId = replacementGroupIdFor(cacheId, incidentId);

  // In Regions enabled by default ElastiCache reads the object as its canonical user,
  // so the object's ACL must grant it read; in opt-in Regions the bucket policy names
  // the regional snapshot principal instead ("Seeding a new node-based cluster with an
  // externally created backup", step 4).
  const reader = elastiCacheReaderFor(deps.region);
  const grant =
    reader.kind === 'object-acl'
      ? await deps.backups.grantRead(backup.bucket, backup.key, reader.canonicalId)
      : undefined;

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
    cacheSubnetGroupName: r.cacheSubnetGroupName,
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
      elastiCacheRead:
        reader.kind === 'object-acl'
          ? grant?.alreadyGranted
            ? 'object ACL already granted'
            : 'object ACL granted'
          : `bucket policy for ${reader.servicePrincipal}`,
    },
  );
  return { plan: assessment.plan, replicationGroupId, startedAt, polls: 0, ready: false, status: result.status };
}
