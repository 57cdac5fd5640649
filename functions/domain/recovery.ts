import type { Endpoint } from './caches';
import type { RecoveryPlan } from './incident';

/** The newest usable RDB backup found in S3. */
export interface BackupFacts {
  bucket: string;
  key: string;
  /** `arn:aws:s3:::bucket/key`, as CreateReplicationGroup's SnapshotArns expects. */
  snapshotArn: string;
  lastModified: string;
  sizeBytes: number;
  ageMinutes: number;
  rdbVersion: number;
}

export interface ReplicaFacts {
  replicationGroupId: string;
  cacheClusterId: string;
  endpoint: Endpoint;
  /** Replication lag in seconds as last reported, when known. */
  lagSeconds?: number;
  /** The group's primary member when assessed, if it is not this one: the node that failed. */
  primaryClusterId?: string;
  /** This member already is the group's primary: ElastiCache's automatic failover promoted it. */
  alreadyPrimary?: boolean;
}

/** What Assess found, all of it facts an operator can check. */
export interface AssessmentFacts {
  primaryReachable: boolean;
  replica?: ReplicaFacts;
  globalSecondary?: { globalReplicationGroupId: string; replicationGroupId: string; region: string };
  backup?: BackupFacts;
  /** Why other backups were not used, newest first. */
  rejectedBackups: { key: string; reason: string }[];
  nodeMemoryBytes?: number;
}

export interface ApprovalPolicy {
  /** Plans that need an operator's approval before they run. */
  requireApprovalFor: RecoveryPlan[];
}

export interface Assessment extends AssessmentFacts {
  plan: RecoveryPlan;
  reason: string;
  requiresApproval: boolean;
  etaMinutes: number;
  /** Keys changed in the source of truth since the data the plan restores. */
  rehydrateSince?: string;
}

/**
 * The recovery decision. Order matters: the cheapest and least risky plan that
 * can work wins (back by itself, then a live replica, then a Global Datastore
 * secondary, then a restore from the newest valid backup).
 */
export function chooseRecovery(facts: AssessmentFacts): { plan: RecoveryPlan; reason: string } {
  if (facts.primaryReachable) return { plan: 'RECOVERED', reason: 'the primary answers PING again' };
  if (facts.replica?.alreadyPrimary) {
    const { replicationGroupId, cacheClusterId } = facts.replica;
    return {
      plan: 'PROMOTE_REPLICA',
      reason: `ElastiCache already failed ${replicationGroupId} over to ${cacheClusterId}, which answers`,
    };
  }
  if (facts.replica) {
    return {
      plan: 'PROMOTE_REPLICA',
      reason: `replica ${facts.replica.cacheClusterId} is healthy and can be promoted`,
    };
  }
  if (facts.globalSecondary) {
    return {
      plan: 'GLOBAL_FAILOVER',
      reason: `Global Datastore secondary in ${facts.globalSecondary.region} can be promoted`,
    };
  }
  if (facts.backup) {
    return {
      plan: 'PROVISION_FROM_BACKUP',
      reason: `no healthy replica; restoring from backup ${facts.backup.key} (${facts.backup.ageMinutes} min old)`,
    };
  }
  const why = facts.rejectedBackups.length
    ? `no usable backup (${facts.rejectedBackups.map((b) => `${b.key}: ${b.reason}`).join('; ')})`
    : 'no backup found';
  return { plan: 'ESCALATE', reason: `no healthy replica and ${why}` };
}

export function requiresApproval(plan: RecoveryPlan, policy: ApprovalPolicy): boolean {
  return plan !== 'RECOVERED' && plan !== 'ESCALATE' && policy.requireApprovalFor.includes(plan);
}

/** Node memory by ElastiCache node type family size, for the backup-fits check (bytes). */
const NODE_MEMORY_GIB: Record<string, number> = {
  micro: 0.5,
  small: 1.37,
  medium: 3.09,
  large: 13.07,
  xlarge: 26.32,
  '2xlarge': 52.82,
  '4xlarge': 105.81,
  '8xlarge': 209.55,
  '12xlarge': 317.77,
  '16xlarge': 419.09,
  '24xlarge': 635.61,
};

/** Approximate usable memory of a node type such as `cache.r7g.large`; undefined when unknown. */
export function nodeMemoryBytes(nodeType: string): number | undefined {
  const size = nodeType.split('.')[2];
  const gib = size ? NODE_MEMORY_GIB[size] : undefined;
  if (gib === undefined) return undefined;
  const family = nodeType.split('.')[1] ?? '';
  // m-family nodes have roughly half the memory of r-family nodes of the same size.
  const factor = family.startsWith('m') ? 0.5 : family.startsWith('t') ? 1 : 1;
  return Math.round(gib * factor * 1024 ** 3);
}
