/**
 * What Assess finds and decides. The assessment is a step payload too (the
 * state machine hands it to the steps that follow): its types are inferred
 * from the schemas those steps parse it with.
 */
import * as z from 'zod';
import { endpointSchema } from './caches';
import { RECOVERY_PLANS, type RecoveryPlan } from './incident';
import { isoTime, regionSchema } from './validation';

export const planSchema = z.enum(RECOVERY_PLANS);

/** The newest usable RDB backup found in S3. */
export const backupFactsSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  /** `arn:aws:s3:::bucket/key`, as CreateReplicationGroup's SnapshotArns expects. */
  snapshotArn: z.string().startsWith('arn:'),
  lastModified: isoTime,
  sizeBytes: z.number().nonnegative(),
  ageMinutes: z.number().nonnegative(),
  rdbVersion: z.number().int(),
  /**
   * The moment the backup's data was taken (a backup this deployment made:
   * from its manifest): rehydration starts here. Absent for a backup made
   * elsewhere, whose object time stands in for it.
   */
  watermark: isoTime.optional(),
  /** How this deployment made the backup; absent for one made elsewhere. */
  method: z.enum(['sync', 'scan-dump', 'elasticache-export']).optional(),
  /** False when the backup was read key by key while the cache changed. */
  pointInTime: z.boolean().optional(),
});
export type BackupFacts = z.output<typeof backupFactsSchema>;

export const replicaFactsSchema = z.object({
  replicationGroupId: z.string().min(1),
  cacheClusterId: z.string().min(1),
  endpoint: endpointSchema,
  /** Replication lag in seconds as last reported, when known. */
  lagSeconds: z.number().optional(),
  /** The group's primary member when assessed, if it is not this one: the node that failed. */
  primaryClusterId: z.string().min(1).optional(),
  /** This member already is the group's primary: ElastiCache's automatic failover promoted it. */
  alreadyPrimary: z.boolean().optional(),
});
export type ReplicaFacts = z.output<typeof replicaFactsSchema>;

/**
 * The cache's warm standby, usable: its group is available, its primary
 * answers PING with the cache's AUTH token, and a mirror cycle filled it.
 */
export const standbyFactsSchema = z.object({
  replicationGroupId: z.string().min(1),
  /** The standby group's primary endpoint (TLS as the group has it): where Cut Over points clients. */
  endpoint: endpointSchema,
  /** Taken before the last successful mirror cycle's first SCAN: the standby lacks at most what changed since. */
  watermark: isoTime,
  /** Seconds from the watermark to the assessment. */
  lagSeconds: z.number().nonnegative(),
});
export type StandbyFacts = z.output<typeof standbyFactsSchema>;

/** What Assess found, all of it facts an operator can check. */
export const assessmentFactsSchema = z.object({
  primaryReachable: z.boolean(),
  replica: replicaFactsSchema.optional(),
  standby: standbyFactsSchema.optional(),
  /** Why the configured standby was not used. */
  rejectedStandby: z.object({ replicationGroupId: z.string().min(1), reason: z.string() }).optional(),
  globalSecondary: z
    .object({
      globalReplicationGroupId: z.string().min(1),
      replicationGroupId: z.string().min(1),
      region: regionSchema,
    })
    .optional(),
  backup: backupFactsSchema.optional(),
  /** Why other backups were not used, newest first. */
  rejectedBackups: z.array(z.object({ key: z.string(), reason: z.string() })),
  nodeMemoryBytes: z.number().optional(),
});
export type AssessmentFacts = z.output<typeof assessmentFactsSchema>;

export interface ApprovalPolicy {
  /** Plans that need an operator's approval before they run. */
  requireApprovalFor: RecoveryPlan[];
}

/** "Assess" → `$.assessment`: the facts and the plan chosen from them. */
export const assessmentSchema = assessmentFactsSchema.extend({
  plan: planSchema,
  reason: z.string(),
  requiresApproval: z.boolean(),
  etaMinutes: z.number().nonnegative(),
  /** Keys changed in the source of truth since the data the plan restores. */
  rehydrateSince: isoTime.optional(),
});
export type Assessment = z.output<typeof assessmentSchema>;

/**
 * The recovery decision. Order matters: the cheapest and least risky plan that
 * can work wins (back by itself, then a live replica, then the warm standby,
 * then a Global Datastore secondary, then a restore from the newest valid
 * backup). A standby that was not usable is named in the reason of the plan
 * chosen instead.
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
  if (facts.standby) {
    const { replicationGroupId, watermark, lagSeconds } = facts.standby;
    return {
      plan: 'PROMOTE_STANDBY',
      reason: `no healthy replica; standby ${replicationGroupId} answers, ${describeLag(lagSeconds)} behind (mirrored up to ${watermark})`,
    };
  }
  const standby = facts.rejectedStandby
    ? `; standby ${facts.rejectedStandby.replicationGroupId} not used: ${facts.rejectedStandby.reason}`
    : '';
  if (facts.globalSecondary) {
    return {
      plan: 'GLOBAL_FAILOVER',
      reason: `Global Datastore secondary in ${facts.globalSecondary.region} can be promoted${standby}`,
    };
  }
  if (facts.backup) {
    return {
      plan: 'PROVISION_FROM_BACKUP',
      reason: `no healthy replica${standby}; restoring from backup ${facts.backup.key} (${facts.backup.ageMinutes} min old)`,
    };
  }
  const why = facts.rejectedBackups.length
    ? `no usable backup (${facts.rejectedBackups.map((b) => `${b.key}: ${b.reason}`).join('; ')})`
    : 'no backup found';
  return { plan: 'ESCALATE', reason: `no healthy replica${standby} and ${why}` };
}

/** "45 s", "12 min", "3 h 5 min": how far a standby is behind. */
export function describeLag(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
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
