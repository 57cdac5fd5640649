/**
 * The payload each state of statemachines/incident-recovery.asl.json sends to
 * its Lambda function, and what the function returns (stored at the state's
 * ResultPath). Handlers validate their input against these shapes.
 */
import type { Endpoint } from './caches';
import type { NoticeStage, RecoveryPlan } from './incident';
import type { Assessment } from './recovery';

interface IncidentRef {
  incidentId: string;
  cacheId: string;
}

/** "Notify …" states. Output ignored (ResultPath null). */
export interface NotifyInput extends IncidentRef {
  stage: NoticeStage;
  etaMinutes?: number;
}
export interface NotifyOutput {
  stage: NoticeStage;
  /** false when this stage was already published for this incident. */
  published: boolean;
  messageId?: string;
}

/** One PING of the confirmation window. */
export interface ConfirmationPing {
  at: string;
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** What "Confirm Outage" saw: kept on the incident and its timeline for the operators. */
export interface ConfirmationFacts {
  confirmed: boolean;
  /** The endpoint PINGed, as `host:port (TLS)`. */
  endpoint: string;
  /** Where the endpoint came from: the endpoint record clients read, or the configured endpoint when the record is empty. */
  through: string;
  /** Where the check ran from. */
  from: string;
  auth: boolean;
  windowSeconds: number;
  pings: ConfirmationPing[];
  /** The failure that confirmed the outage. */
  error?: string;
  at: string;
  /** When the alarm that opened the incident changed state. */
  alarmAt?: string;
  /** The alarm's state change → this decision, in seconds. */
  alarmToDecisionSeconds?: number;
}

/** "Confirm Outage" → `$.confirmation`: before any customer notice, the workflow sees the outage itself. */
export interface ConfirmInput extends IncidentRef {
  trigger: { alarmName: string; reason: string; stateChangeTime: string };
}
export type ConfirmOutput = ConfirmationFacts;

/** "Assess" → `$.assessment`. */
export interface AssessInput extends IncidentRef {
  openedAt: string;
}
export type AssessOutput = Assessment;

/** "Request Approval" (lambda:invoke.waitForTaskToken); resumes with the operator's decision as `$.approval`. */
export interface RequestApprovalInput extends IncidentRef {
  taskToken: string;
  step: string;
  assessment: Assessment;
}

/** "Promote Replica" / "Provision Cache" → `$.recovery`; "Check Cache" takes and returns it. */
export interface RecoveryInput extends IncidentRef {
  assessment: Assessment;
}
export interface RecoveryProgress {
  plan: RecoveryPlan;
  replicationGroupId: string;
  /**
   * The region the group lives in and whose ElastiCache API the following steps
   * ask (a Global Datastore secondary lives in another region); the functions'
   * own region when absent.
   */
  region?: string;
  /**
   * Set while the workflow waits for ElastiCache's own automatic failover of a
   * group with automatic failover enabled, instead of promoting a replica itself.
   */
  awaiting?: 'automatic-failover';
  startedAt: string;
  polls: number;
  status: string;
  ready: boolean;
  endpoint?: Endpoint;
  availableAt?: string;
}
export interface CheckCacheInput extends IncidentRef {
  recovery: RecoveryProgress;
  maxPolls: number;
}

/** "Cut Over" → `$.cutover`. */
export interface CutOverInput extends IncidentRef {
  recovery: RecoveryProgress;
}
export interface CutOverOutput {
  parameter: string;
  previous?: Endpoint;
  current: Endpoint;
  version: number;
  at: string;
}

/** "Verify Cache" (mode cache) → `$.verification`; "Verify Data" (mode data) → `$.dataVerification`. */
export interface VerifyInput extends IncidentRef {
  mode: 'cache' | 'data';
  cutover: CutOverOutput;
  assessment?: Assessment;
}
export interface VerifyOutput {
  mode: 'cache' | 'data';
  ok: true;
  latencyMs?: number;
  keysChecked: number;
  at: string;
}

/** "Rehydrate" → `$.rehydration`. */
export interface RehydrateInput extends IncidentRef {
  assessment: Assessment;
  cutover: CutOverOutput;
}
export interface RehydrateOutput {
  since: string;
  written: number;
  expiredSkipped: number;
  byKind: Record<string, number>;
  seconds: number;
}

/** "Close Incident" → `$.closed`. */
export interface CloseInput extends IncidentRef {
  plan: RecoveryPlan;
}
export interface CloseOutput {
  status: 'RESOLVED';
  outageSeconds?: number;
  degradedSeconds?: number;
  totalSeconds?: number;
}

/** "Record Failure", "Record Rejection", "Approval Timed Out". */
export interface EscalateInput extends IncidentRef {
  kind: 'failed' | 'rejected' | 'approval-timeout';
  error?: { Error?: string; Cause?: string };
  approvalDefault?: 'proceed' | 'abort';
  /** `$$.Execution.Id`, from the workflow's own escalation states. */
  executionArn?: string;
  /** The attempt (redrive count) that escalates, when the caller knows it; else read from the execution. */
  redriveCount?: number;
  /**
   * Set when a step failed after its retries and the execution stopped there:
   * the step's name, and the execution that a redrive continues from it.
   */
  stopped?: { state?: string; executionArn: string; status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' };
}
