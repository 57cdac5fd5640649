/**
 * The payload each state of statemachines/incident-recovery.asl.json sends to
 * its Lambda function, and what the function returns (stored at the state's
 * ResultPath). Each payload is a schema and its type is inferred from it:
 * handlers parse their input with the schema, use cases take the type.
 */
import * as z from 'zod';
import { endpointSchema } from './caches';
import type { ConfirmationFacts } from './confirmation';
import { NOTICE_STAGES, type NoticeStage } from './incident';
import { assessmentSchema, planSchema, type Assessment } from './recovery';
import { isoTime, regionSchema } from './validation';

export type { ConfirmationFacts, ConfirmationPing } from './confirmation';

/** The incident and the cache every payload is about. */
export const incidentRefSchema = z.object({
  incidentId: z.string().min(1).max(200),
  cacheId: z.string().min(1).max(40),
});

/** "Notify …" states. Output ignored (ResultPath null). */
export const notifyInputSchema = incidentRefSchema.extend({
  stage: z.enum(NOTICE_STAGES),
  etaMinutes: z.number().int().nonnegative().optional(),
});
export type NotifyInput = z.output<typeof notifyInputSchema>;
export interface NotifyOutput {
  stage: NoticeStage;
  /** false when this stage was already published for this incident. */
  published: boolean;
  messageId?: string;
}

/** "Confirm Outage" → `$.confirmation`: before any customer notice, the workflow sees the outage itself. */
export const confirmInputSchema = incidentRefSchema.extend({
  trigger: z.object({
    alarmName: z.string().min(1).max(255),
    reason: z.string().max(2000),
    stateChangeTime: isoTime,
  }),
});
export type ConfirmInput = z.output<typeof confirmInputSchema>;
export type ConfirmOutput = ConfirmationFacts;

/** "Assess" → `$.assessment`. */
export const assessInputSchema = incidentRefSchema.extend({ openedAt: isoTime });
export type AssessInput = z.output<typeof assessInputSchema>;
export type AssessOutput = Assessment;

/** "Request Approval" (lambda:invoke.waitForTaskToken); resumes with the operator's decision as `$.approval`. */
export const requestApprovalInputSchema = incidentRefSchema.extend({
  taskToken: z.string().min(1).max(8192),
  step: z.string().regex(/^[a-z0-9-]{1,64}$/),
  assessment: assessmentSchema,
  /** The execution's approval settings: when the wait escalates and what happens then. */
  settings: z
    .object({
      approvalTimeoutSeconds: z.number().int().positive(),
      approvalHeartbeatSeconds: z.number().int().positive(),
      approvalDefault: z.enum(['proceed', 'abort']),
    })
    .optional(),
});
export type RequestApprovalInput = z.output<typeof requestApprovalInputSchema>;

/** "Promote Replica" / "Promote Standby" / "Provision Cache" → `$.recovery`; "Check Cache" takes and returns it. */
export const recoveryInputSchema = incidentRefSchema.extend({ assessment: assessmentSchema });
export type RecoveryInput = z.output<typeof recoveryInputSchema>;
export const recoveryProgressSchema = z.object({
  plan: planSchema,
  replicationGroupId: z.string().min(1),
  /**
   * The region the group lives in and whose ElastiCache API the following steps
   * ask (a Global Datastore secondary lives in another region); the functions'
   * own region when absent.
   */
  region: regionSchema.optional(),
  /**
   * Set while the workflow waits for ElastiCache's own automatic failover of a
   * group with automatic failover enabled, instead of promoting a replica itself.
   */
  awaiting: z.literal('automatic-failover').optional(),
  startedAt: isoTime,
  polls: z.number().int().nonnegative(),
  status: z.string(),
  ready: z.boolean(),
  endpoint: endpointSchema.optional(),
  availableAt: isoTime.optional(),
});
export type RecoveryProgress = z.output<typeof recoveryProgressSchema>;
export const checkCacheInputSchema = incidentRefSchema.extend({
  recovery: recoveryProgressSchema,
  maxPolls: z.number().int().min(1),
});
export type CheckCacheInput = z.output<typeof checkCacheInputSchema>;

/** "Cut Over" → `$.cutover`. */
export const cutOverInputSchema = incidentRefSchema.extend({ recovery: recoveryProgressSchema });
export type CutOverInput = z.output<typeof cutOverInputSchema>;
export const cutOverOutputSchema = z.object({
  parameter: z.string().min(1),
  previous: endpointSchema.optional(),
  current: endpointSchema,
  version: z.number().int().nonnegative(),
  at: isoTime,
});
export type CutOverOutput = z.output<typeof cutOverOutputSchema>;

/** "Verify Cache" (mode cache) → `$.verification`; "Verify Data" (mode data) → `$.dataVerification`. */
export const verifyInputSchema = z.discriminatedUnion('mode', [
  incidentRefSchema.extend({
    mode: z.literal('cache'),
    cutover: cutOverOutputSchema,
    assessment: assessmentSchema.optional(),
  }),
  incidentRefSchema.extend({ mode: z.literal('data'), cutover: cutOverOutputSchema, assessment: assessmentSchema }),
]);
export type VerifyInput = z.output<typeof verifyInputSchema>;
export interface VerifyOutput {
  mode: 'cache' | 'data';
  ok: true;
  latencyMs?: number;
  keysChecked: number;
  at: string;
}

/** "Rehydrate" → `$.rehydration`. */
export const rehydrateInputSchema = incidentRefSchema.extend({
  assessment: assessmentSchema,
  cutover: cutOverOutputSchema,
});
export type RehydrateInput = z.output<typeof rehydrateInputSchema>;
export interface RehydrateOutput {
  since: string;
  written: number;
  expiredSkipped: number;
  byKind: Record<string, number>;
  seconds: number;
}

/** "Close Incident" → `$.closed`. */
export const closeInputSchema = incidentRefSchema.extend({ plan: planSchema });
export type CloseInput = z.output<typeof closeInputSchema>;
export interface CloseOutput {
  status: 'RESOLVED';
  outageSeconds?: number;
  degradedSeconds?: number;
  totalSeconds?: number;
  /** The post-incident report: where it was stored, or why it was not. */
  report?: { stored: true; location: string } | { stored: false; error: string };
}

/** "Record Failure", "Record Rejection", "Approval Timed Out". */
export const escalateInputSchema = incidentRefSchema.extend({
  kind: z.enum(['failed', 'rejected', 'approval-timeout']),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  approvalDefault: z.enum(['proceed', 'abort']).optional(),
  /** The attempt (redrive count) that escalates, when the caller knows it; else read from the execution. */
  redriveCount: z.number().int().nonnegative().optional(),
  /** `$$.Execution.Id`, from the workflow's own escalation states. */
  executionArn: z.string().startsWith('arn:').optional(),
});
export type EscalateInput = z.output<typeof escalateInputSchema> & {
  /**
   * Set when a step failed after its retries and the execution stopped there:
   * the step's name, and the execution that a redrive continues from it. The
   * execution's status events say so, never the workflow's own states.
   */
  stopped?: { state?: string; executionArn: string; status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' };
};
