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

/** What Assess found, all of it facts an operator can check. */
export const assessmentFactsSchema = z.object({
  primaryReachable: z.boolean(),
  replica: replicaFactsSchema.optional(),
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
