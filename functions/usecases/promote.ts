/**
 * Promote Replica: makes the healthy replica the primary of its replication
 * group, or fails the Global Datastore over to its secondary region. A retry
 * after the promotion took effect does nothing more.
 */
import { PromotionFailedError } from '../domain/errors';
import type { RecoveryInput, RecoveryProgress } from '../domain/steps';
import type { CacheFleet, Clock, IncidentStore } from '../ports';
import { addTimeline, assertCurrentIncident } from './common';

export interface PromoteDeps {
  store: IncidentStore;
  fleet: CacheFleet;
  clock: Clock;
}

export async function promote(deps: PromoteDeps, input: RecoveryInput): Promise<RecoveryProgress> {
  const { assessment, incidentId } = input;
  await assertCurrentIncident(deps.store, input.cacheId, incidentId);
  let replicationGroupId: string;
  let message: string;
  let alreadyDone: boolean;

  if (assessment.plan === 'PROMOTE_REPLICA') {
    const replica = assessment.replica;
    if (!replica) throw new PromotionFailedError('plan PROMOTE_REPLICA but the assessment names no replica');
    replicationGroupId = replica.replicationGroupId;
    const group = await deps.fleet.describeGroup(replicationGroupId);
    if (!group) throw new PromotionFailedError(`replication group ${replicationGroupId} no longer exists`);
    const member = group.members.find((m) => m.cacheClusterId === replica.cacheClusterId);
    if (!member)
      throw new PromotionFailedError(`${replica.cacheClusterId} is no longer a member of ${replicationGroupId}`);
    alreadyDone = member.role === 'primary';
    if (!alreadyDone) await deps.fleet.promote(replicationGroupId, replica.cacheClusterId);
    message = `promoting ${replica.cacheClusterId} to primary of ${replicationGroupId}`;
  } else if (assessment.plan === 'GLOBAL_FAILOVER') {
    const secondary = assessment.globalSecondary;
    if (!secondary) throw new PromotionFailedError('plan GLOBAL_FAILOVER but the assessment names no secondary');
    replicationGroupId = secondary.replicationGroupId;
    const current = await deps.fleet.describeGlobalSecondary(secondary.globalReplicationGroupId);
    alreadyDone = current !== undefined && current.replicationGroupId !== secondary.replicationGroupId;
    if (!alreadyDone) {
      await deps.fleet.failoverGlobal(
        secondary.globalReplicationGroupId,
        secondary.region,
        secondary.replicationGroupId,
      );
    }
    message = `failing ${secondary.globalReplicationGroupId} over to ${secondary.replicationGroupId} in ${secondary.region}`;
  } else {
    throw new PromotionFailedError(`plan ${assessment.plan} is not a promotion`);
  }

  const startedAt = deps.clock.now().toISOString();
  await addTimeline(deps, incidentId, 'RECOVERY_STARTED', message, {
    plan: assessment.plan,
    replicationGroupId,
    alreadyDone,
  });
  return { plan: assessment.plan, replicationGroupId, startedAt, polls: 0, ready: false, status: 'modifying' };
}
