/**
 * Promote Replica: makes the healthy replica the primary of its replication
 * group, or fails the Global Datastore over to its secondary region. A retry
 * after the promotion took effect does nothing more. Promote Standby: the
 * warm standby already is a primary; the step checks its group is still there
 * and hands it to Check Cache and Cut Over.
 */
import { PromotionFailedError } from '../domain/errors';
import type { RecoveryInput, RecoveryProgress } from '../domain/steps';
import type { CacheFleet, Clock, IncidentLocks, Timeline } from '../ports';
import { FAILED_STATUSES } from './check-cache';
import { assertCurrentIncident } from './shared/current-incident';
import { addTimeline } from './shared/timeline';

export interface PromoteDeps {
  store: Timeline & IncidentLocks;
  fleet: CacheFleet;
  clock: Clock;
}

export async function promote(deps: PromoteDeps, input: RecoveryInput): Promise<RecoveryProgress> {
  const { assessment, incidentId } = input;
  await assertCurrentIncident(deps.store, input.cacheId, incidentId);
  let step: PromotionStep;
  if (assessment.plan === 'PROMOTE_REPLICA') step = await promoteReplica(deps, assessment);
  else if (assessment.plan === 'PROMOTE_STANDBY') step = await takeStandby(deps, assessment);
  else if (assessment.plan === 'GLOBAL_FAILOVER') step = await failOverGlobal(deps, assessment);
  else throw new PromotionFailedError(`plan ${assessment.plan} is not a promotion`);

  const startedAt = deps.clock.now().toISOString();
  await addTimeline(deps, incidentId, 'RECOVERY_STARTED', step.message, {
    plan: assessment.plan,
    replicationGroupId: step.replicationGroupId,
    alreadyDone: step.alreadyDone,
    ...(step.region ? { region: step.region } : {}),
    ...(step.awaiting ? { awaiting: step.awaiting } : {}),
  });
  return {
    plan: assessment.plan,
    replicationGroupId: step.replicationGroupId,
    ...(step.region ? { region: step.region } : {}),
    ...(step.awaiting ? { awaiting: step.awaiting } : {}),
    startedAt,
    polls: 0,
    ready: false,
    status: step.status ?? 'modifying',
  };
}

interface PromotionStep {
  replicationGroupId: string;
  region?: string;
  awaiting?: 'automatic-failover';
  alreadyDone: boolean;
  message: string;
  /** The group's status when the step found it, when it changed nothing. */
  status?: string;
}

/**
 * Decided from what DescribeReplicationGroups says about the group now:
 * - the assessed replica, or another member than the one that failed, is primary, or the promotion
 *   is pending (PendingModifiedValues.PrimaryClusterId): ElastiCache or an earlier attempt already
 *   promoted it; nothing more to do;
 * - automatic failover is enabled: ElastiCache fails over to a replica by itself ("Minimizing
 *   downtime in ElastiCache by using Multi-AZ with Valkey and Redis OSS") and refuses a promotion
 *   through ModifyReplicationGroup ("Promoting a read replica to primary, for Valkey or Redis OSS
 *   (cluster mode disabled) replication groups", ElastiCache User Guide): wait for it — Check Cache
 *   polls until the group's primary endpoint answers;
 * - otherwise: ModifyReplicationGroup PrimaryClusterId.
 */
async function promoteReplica(deps: PromoteDeps, assessment: RecoveryInput['assessment']): Promise<PromotionStep> {
  const replica = assessment.replica;
  if (!replica) throw new PromotionFailedError('plan PROMOTE_REPLICA but the assessment names no replica');
  const replicationGroupId = replica.replicationGroupId;
  const group = await deps.fleet.describeGroup(replicationGroupId);
  if (!group) throw new PromotionFailedError(`replication group ${replicationGroupId} no longer exists`);
  const member = group.members.find((m) => m.cacheClusterId === replica.cacheClusterId);
  if (!member)
    throw new PromotionFailedError(`${replica.cacheClusterId} is no longer a member of ${replicationGroupId}`);
  if (member.role === 'primary') {
    return {
      replicationGroupId,
      alreadyDone: true,
      message: `${replica.cacheClusterId} is the primary of ${replicationGroupId}`,
    };
  }
  if (group.pendingPrimaryClusterId === replica.cacheClusterId) {
    return {
      replicationGroupId,
      alreadyDone: true,
      message: `ElastiCache is promoting ${replica.cacheClusterId} to primary of ${replicationGroupId}`,
    };
  }
  const primaryNow = group.members.find((m) => m.role === 'primary')?.cacheClusterId;
  if (primaryNow && replica.primaryClusterId && primaryNow !== replica.primaryClusterId) {
    return {
      replicationGroupId,
      alreadyDone: true,
      message: `ElastiCache already failed ${replicationGroupId} over from ${replica.primaryClusterId} to ${primaryNow}`,
    };
  }
  if (group.automaticFailover) {
    return {
      replicationGroupId,
      alreadyDone: false,
      awaiting: 'automatic-failover',
      message: `waiting for ElastiCache's automatic failover of ${replicationGroupId} to a healthy replica (automatic failover is enabled, so ElastiCache promotes one by itself)`,
    };
  }
  await deps.fleet.promote(replicationGroupId, replica.cacheClusterId);
  return {
    replicationGroupId,
    alreadyDone: false,
    message: `promoting ${replica.cacheClusterId} to primary of ${replicationGroupId}`,
  };
}

/**
 * The standby is a replication group of its own whose primary the mirror wrote
 * into: nothing to modify. Its group is described again (it may have changed
 * since Assess); Check Cache then PINGs its primary endpoint and Cut Over points
 * the endpoint record at it.
 */
async function takeStandby(deps: PromoteDeps, assessment: RecoveryInput['assessment']): Promise<PromotionStep> {
  const standby = assessment.standby;
  if (!standby) throw new PromotionFailedError('plan PROMOTE_STANDBY but the assessment names no standby');
  const { replicationGroupId, watermark } = standby;
  const group = await deps.fleet.describeGroup(replicationGroupId);
  if (!group) throw new PromotionFailedError(`standby replication group ${replicationGroupId} no longer exists`);
  if ((FAILED_STATUSES as readonly string[]).includes(group.status))
    throw new PromotionFailedError(`standby replication group ${replicationGroupId} is ${group.status}`);
  return {
    replicationGroupId,
    alreadyDone: true,
    status: group.status,
    message: `cutting clients over to standby ${replicationGroupId}, mirrored up to ${watermark}`,
  };
}

/**
 * FailoverGlobalReplicationGroup (ElastiCache API Reference) names the secondary to promote
 * (PrimaryRegion, PrimaryReplicationGroupId). It is asked of the secondary's region, and so is
 * every check after it: the region whose outage opened the incident may not answer.
 */
async function failOverGlobal(deps: PromoteDeps, assessment: RecoveryInput['assessment']): Promise<PromotionStep> {
  const secondary = assessment.globalSecondary;
  if (!secondary) throw new PromotionFailedError('plan GLOBAL_FAILOVER but the assessment names no secondary');
  const { globalReplicationGroupId, replicationGroupId, region } = secondary;
  const current = await deps.fleet.describeGlobalSecondary(globalReplicationGroupId, region);
  const alreadyDone = current !== undefined && current.replicationGroupId !== replicationGroupId;
  if (!alreadyDone) await deps.fleet.failoverGlobal(globalReplicationGroupId, region, replicationGroupId);
  return {
    replicationGroupId,
    region,
    alreadyDone,
    message: `failing ${globalReplicationGroupId} over to ${replicationGroupId} in ${region}`,
  };
}
