/**
 * What the use cases need from the outside world. Adapters in `adapters/`
 * implement these on the AWS SDK v3 and Redis; tests use in-memory fakes.
 */
import type { Endpoint } from './domain/caches';
import type { ExecutionInput, Incident, NoticeStage, RecoveryPlan, TimelineEvent } from './domain/incident';
import type { MeasuredRecovery } from './domain/eta';
import type { RenderedNotice } from './domain/notices';

/** The incident record (written first by the workflow's Record Incident), the list, measured recoveries. */
export interface IncidentRecords {
  getIncident(incidentId: string): Promise<Incident | undefined>;
  /** Sets the defined fields: ValidationError for an immutable one, IncidentNotFoundError for no such incident. */
  updateIncident(
    incidentId: string,
    changes: Partial<Omit<Incident, 'incidentId' | 'cacheId' | 'openedAt'>> & Record<string, unknown>,
  ): Promise<void>;
  /**
   * FAILED or back to OPEN for one attempt of the incident's workflow (0, then one more per redrive), never
   * backwards: FAILED unless resolved or a later attempt wrote; OPEN only from FAILED by a later attempt. Other
   * fields are written with it. False when the condition held the write back (or there is no such incident).
   */
  markAttempt(
    incidentId: string,
    change: { status: 'FAILED' | 'OPEN'; attempt: number; fields?: Partial<Pick<Incident, 'failedAt' | 'error'>> },
  ): Promise<boolean>;
  /** Newest first. */
  listIncidents(limit: number): Promise<Incident[]>;
  recordRecovery(measured: MeasuredRecovery & { incidentId: string; at: string }): Promise<void>;
  /** The newest `limit` recoveries of the plan, oldest first. */
  recentRecoveries(plan: RecoveryPlan, limit: number): Promise<MeasuredRecovery[]>;
}

export interface Timeline {
  appendTimeline(incidentId: string, event: TimelineEvent): Promise<void>;
  /** Oldest first by `at`; events of the same instant in no particular order. */
  timeline(incidentId: string): Promise<TimelineEvent[]>;
}

export interface NoticeLog {
  /**
   * Claims the right to send one notice. Returns 'claimed' the first time, 'sent' when it was already published,
   * and 'claimed' again when an earlier attempt claimed it but never confirmed (the publish failed).
   */
  claimNotice(incidentId: string, stage: string): Promise<'claimed' | 'sent'>;
  confirmNotice(
    incidentId: string,
    stage: string,
    messageId: string,
    notice: { subject: string; text: string },
  ): Promise<void>;
}

export interface PendingApproval {
  incidentId: string;
  step: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'TIMED_OUT';
  requestedAt: string;
  facts: Record<string, unknown>;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  /** When the waiting task was resumed with the decision. */
  resumedAt?: string;
}

/** An operator's decision on an approval, as recorded. */
export type ApprovalDecisionRecord = Required<Pick<PendingApproval, 'decidedBy' | 'decidedAt' | 'reason'>> & {
  status: Exclude<PendingApproval['status'], 'PENDING'>;
};

export interface Approvals {
  /** A request made again replaces the approval. */
  savePendingApproval(approval: PendingApproval, taskToken: string): Promise<void>;
  /** Every approval of an incident by step, without task tokens (nor `resumedAt`). */
  approvals(incidentId: string): Promise<PendingApproval[]>;
  /** The approval and its task token, kept apart so the token is never displayed by accident. */
  pendingApproval(
    incidentId: string,
    step: string,
  ): Promise<{ approval: PendingApproval; taskToken: string } | undefined>;
  /** Records a decision once: ApprovalAlreadyDecidedError when the approval is no longer PENDING. */
  decideApproval(incidentId: string, step: string, decision: ApprovalDecisionRecord): Promise<void>;
  /** Notes that the workflow was resumed with the decision, so a retried decision knows it is done. */
  markApprovalResumed(incidentId: string, step: string, at: string): Promise<void>;
}

/** The open-incident lock of a cache: one per cache while an incident is open. */
export interface OpenIncidentLock {
  cacheId: string;
  incidentId: string;
  executionName: string;
  executionInput: ExecutionInput;
  openedAt: string;
}

/** Put-if-absent claims: the open-incident locks and the alarm deliveries already seen. */
export interface IncidentLocks {
  /** Conditional put of the lock; returns the existing lock when one is already held. */
  acquireOpenLock(
    lock: OpenIncidentLock,
  ): Promise<{ acquired: true } | { acquired: false; existing: OpenIncidentLock }>;
  getOpenLock(cacheId: string): Promise<OpenIncidentLock | undefined>;
  releaseOpenLock(cacheId: string, incidentId: string): Promise<void>;
  /** Records a delivery once; false when the same delivery was seen before (dedup marker with TTL). */
  markDelivery(key: string, ttlSeconds: number): Promise<boolean>;
}

/** Every store port: what the DynamoDB adapter and the fake implement. */
export type IncidentStore = IncidentRecords & Timeline & NoticeLog & Approvals & IncidentLocks;

/** Starts executions of the recovery state machine. */
export interface Workflow {
  /** Idempotent by name: an existing execution of the same name is reported, not duplicated. */
  start(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** A message on the operators' topic: an approval request, an escalation or information. */
export interface OperatorMessage {
  kind: 'approval-request' | 'escalation' | 'info';
  incidentId: string;
  cacheId: string;
  subject: string;
  text: string;
  facts?: Record<string, unknown>;
}

export interface Notifier {
  publishStatus(
    notice: RenderedNotice,
    attributes: { incidentId: string; cacheId: string },
  ): Promise<{ messageId: string }>;
  publishOperators(message: OperatorMessage): Promise<{ messageId: string }>;
}

/** Low-level reachability of a Redis endpoint. */
export interface CacheProbe {
  ping(
    endpoint: Endpoint,
    opts: { timeoutMs: number; authToken?: string },
  ): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }>;
}

export interface ReplicationGroupView {
  replicationGroupId: string;
  status: string;
  primaryEndpoint?: Endpoint;
  members: { cacheClusterId: string; role: 'primary' | 'replica' | 'unknown'; endpoint?: Endpoint }[];
  automaticFailover: boolean;
  /** A promotion ElastiCache accepted and is still applying (PendingModifiedValues.PrimaryClusterId). */
  pendingPrimaryClusterId?: string;
}

/**
 * The ElastiCache control plane. `region` names the region whose API is asked
 * and where the group lives (a Global Datastore's members live in their own
 * regions); omitted, the function's own region.
 */
export interface CacheFleet {
  describeGroup(replicationGroupId: string, region?: string): Promise<ReplicationGroupView | undefined>;
  /** ModifyReplicationGroup PrimaryClusterId: refused by ElastiCache while automatic failover is enabled. */
  promote(replicationGroupId: string, cacheClusterId: string): Promise<void>;
  /** Sent to `primaryRegion`'s API: the secondary named there becomes the primary. */
  failoverGlobal(
    globalReplicationGroupId: string,
    primaryRegion: string,
    primaryReplicationGroupId: string,
  ): Promise<void>;
  describeGlobalSecondary(
    globalReplicationGroupId: string,
    region?: string,
  ): Promise<{ replicationGroupId: string; region: string } | undefined>;
  /** Creates the replacement; a group of that id that already exists is returned, not duplicated. */
  createFromBackup(request: {
    replicationGroupId: string;
    description: string;
    snapshotArn: string;
    nodeType: string;
    engine: 'redis' | 'valkey';
    engineVersion?: string;
    numCacheClusters: number;
    port: number;
    authToken?: string;
    cacheSubnetGroupName?: string;
    securityGroupIds: string[];
    tags: Record<string, string>;
  }): Promise<{ alreadyExisted: boolean; status: string }>;
  recentEvents(
    replicationGroupId: string,
    sinceMinutes: number,
    region?: string,
  ): Promise<{ at: string; message: string }[]>;
}

export interface BackupObject {
  bucket: string;
  key: string;
  lastModified: string;
  sizeBytes: number;
}

export interface BackupCatalog {
  /** Newest first. */
  list(bucket: string, prefix: string): Promise<BackupObject[]>;
  readHeader(bucket: string, key: string, bytes: number): Promise<Uint8Array>;
}

/**
 * Lets ElastiCache read a backup object: a read grant to ElastiCache's canonical
 * user on the object's ACL, added to the grants the object already has.
 */
export interface BackupReadGrant {
  /**
   * Idempotent: `alreadyGranted` when the ACL already let `canonicalId` read the
   * object. Throws CacheProvisioningFailedError when S3 refuses ACLs on the bucket.
   */
  grantRead(bucket: string, key: string, canonicalId: string): Promise<{ alreadyGranted: boolean }>;
}

/** The record applications read to find the cache (an SSM parameter). */
export interface EndpointRecord {
  read(name: string): Promise<Endpoint | undefined>;
  write(name: string, endpoint: Endpoint): Promise<{ version: number }>;
}

export interface SecretReader {
  /** Reads a SecureString parameter, decrypted. */
  secret(name: string): Promise<string>;
}

export interface SourceRecord {
  key: string;
  value: string;
  kind: string;
  updatedAt: number;
  /** Absolute expiry, epoch seconds. */
  expiresAt?: number;
}

/** The system of record the cache was filled from. */
export interface SourceOfTruth {
  /** Streams records changed at or after `sinceMs`, in pages. */
  changedSince(tableName: string, sinceMs: number): AsyncIterable<SourceRecord[]>;
}

/** Bulk writer into a Redis endpoint. */
export interface CacheWriter {
  write(
    endpoint: Endpoint,
    authToken: string | undefined,
    records: AsyncIterable<SourceRecord[]>,
  ): Promise<{ written: number; expiredSkipped: number }>;
  read(endpoint: Endpoint, authToken: string | undefined, keys: string[]): Promise<(string | null)[]>;
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
export type { NoticeStage };

/** Resumes a task that waits for a token (the approval step). */
export interface TaskResumer {
  sendSuccess(taskToken: string, output: unknown): Promise<void>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<void>;
  heartbeat(taskToken: string): Promise<void>;
}

/** Continues a stopped execution from the step it stopped at (RedriveExecution). */
export interface ExecutionRedriver {
  /** Throws NotRedrivableError when Step Functions refuses. */
  redrive(executionArn: string): Promise<void>;
}

/** The state machine execution behind an incident, as the console shows it. */
export interface ExecutionState {
  status: string;
  /** The state the execution is in (or was last in). */
  currentState?: string;
  startedAt?: string;
  stoppedAt?: string;
  error?: string;
  /** How many times it was redriven. */
  redriveCount?: number;
}

/** Reads executions of the recovery state machine (DescribeExecution, GetExecutionHistory). */
export interface ExecutionReader {
  describe(executionArn: string): Promise<ExecutionState | undefined>;
}

/** One metric value in an emitted set. */
export interface MetricValue {
  name: string;
  unit: 'Count' | 'Milliseconds';
  value: number;
}

/** Publishes custom metrics (EMF on stdout in Lambda); each call is one flush with its own dimensions. */
export interface MetricsSink {
  emit(dimensions: Record<string, string>, metrics: MetricValue[]): void;
}
