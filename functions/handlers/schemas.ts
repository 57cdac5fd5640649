/**
 * Schemas of the payloads the state machine sends to the recovery steps
 * (functions/domain/steps.ts), and the one way handlers validate them.
 */
import * as z from 'zod';
import { endpointSchema } from '../domain/caches';
import { ValidationError } from '../domain/errors';
import type { RecoveryPlan } from '../domain/incident';
import type { Assessment } from '../domain/recovery';
import type { CutOverOutput, RecoveryProgress } from '../domain/steps';

/** Parses `event` or throws ValidationError listing every problem with its path. */
export function parseEvent<S extends z.ZodType>(what: string, schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      what,
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

export const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time');

export const incidentRef = z.object({
  incidentId: z.string().min(1).max(200),
  cacheId: z.string().min(1).max(40),
});

/** An AWS region code such as `us-west-2` or `ap-southeast-1`. */
export const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'an AWS region code such as us-west-2');

export const planSchema = z.enum([
  'RECOVERED',
  'PROMOTE_REPLICA',
  'GLOBAL_FAILOVER',
  'PROVISION_FROM_BACKUP',
  'ESCALATE',
] as const satisfies readonly RecoveryPlan[]);

export const assessmentSchema: z.ZodType<Assessment> = z.object({
  primaryReachable: z.boolean(),
  replica: z
    .object({
      replicationGroupId: z.string().min(1),
      cacheClusterId: z.string().min(1),
      endpoint: endpointSchema,
      lagSeconds: z.number().optional(),
      primaryClusterId: z.string().min(1).optional(),
      alreadyPrimary: z.boolean().optional(),
    })
    .optional(),
  globalSecondary: z
    .object({
      globalReplicationGroupId: z.string().min(1),
      replicationGroupId: z.string().min(1),
      region: regionSchema,
    })
    .optional(),
  backup: z
    .object({
      bucket: z.string().min(1),
      key: z.string().min(1),
      snapshotArn: z.string().startsWith('arn:'),
      lastModified: isoTime,
      sizeBytes: z.number().nonnegative(),
      ageMinutes: z.number().nonnegative(),
      rdbVersion: z.number().int(),
    })
    .optional(),
  rejectedBackups: z.array(z.object({ key: z.string(), reason: z.string() })),
  nodeMemoryBytes: z.number().optional(),
  plan: planSchema,
  reason: z.string(),
  requiresApproval: z.boolean(),
  etaMinutes: z.number().nonnegative(),
  rehydrateSince: isoTime.optional(),
});

export const recoverySchema: z.ZodType<RecoveryProgress> = z.object({
  plan: planSchema,
  replicationGroupId: z.string().min(1),
  region: regionSchema.optional(),
  awaiting: z.literal('automatic-failover').optional(),
  startedAt: isoTime,
  polls: z.number().int().nonnegative(),
  status: z.string(),
  ready: z.boolean(),
  endpoint: endpointSchema.optional(),
  availableAt: isoTime.optional(),
});

export const cutoverSchema: z.ZodType<CutOverOutput> = z.object({
  parameter: z.string().min(1),
  previous: endpointSchema.optional(),
  current: endpointSchema,
  version: z.number().int().nonnegative(),
  at: isoTime,
});
