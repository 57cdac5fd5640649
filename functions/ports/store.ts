/** The incident store: one port per entity of the incidents table. */
import type { MeasuredRecovery } from '../domain/eta';
import type { GroupMember, IncidentGroup, MemberState } from '../domain/groups';
import type { ApprovalGroup, MemberApproval, MemberApprovalStatus } from '../domain/group-approvals';
import type { NoticeStage } from '../domain/incident';
import type { ReportNotes } from '../domain/report/notes';
import type { SentNotice } from '../domain/report/types';
import type { ExecutionInput, Incident, RecoveryPlan, TimelineEvent } from '../domain/incident';

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
  /** The customer notices confirmed sent for the incident, oldest first (approval requests and escalations left out). */
  sentNotices(incidentId: string): Promise<SentNotice[]>;
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
  /** When nobody deciding escalates, and what the workflow does then (from the execution's settings). */
  deadline?: ApprovalDeadline;
}

export interface ApprovalDeadline {
  /** Without a decision or an acknowledgement by then, the operators are escalated to and the default applies. */
  escalatesAt: string;
  /** The wait's hard limit, acknowledged or not. */
  expiresAt: string;
  onTimeout: 'proceed' | 'abort';
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

/** How a join went: in, already in (a redelivery), or refused (the group is over, or its window passed). */
export type JoinOutcome = 'joined' | 'member' | 'refused';

/**
 * Incident groups: each provider's current group, and each group's members.
 * Every decision is a condition on the item written, never an earlier read, so
 * alarms of one provider handled at once on several Lambdas form one group.
 */
export interface GroupStore {
  /**
   * The group an alarm of `provider` that fired at `at` joins: the provider's current group while it is
   * joinable at `at` (see `isJoinable`), else a new one, `groupIdFor(provider, at, n)` with the first `n` that
   * names no group or a joinable one, that becomes the provider's current group with a window of
   * `windowSeconds`. The group exists once this returns; nobody joined it yet.
   */
  resolveGroup(provider: string, at: string, windowSeconds: number): Promise<string>;
  /**
   * Adds the incident to an existing group, OPENED. `force` joins even a group that is over or whose window
   * passed (and opens it again): for an incident whose execution input already names the group.
   */
  joinGroup(
    groupId: string,
    incidentId: string,
    member: Pick<GroupMember, 'cacheId' | 'joinedAt'>,
    options?: { force?: boolean },
  ): Promise<JoinOutcome>;
  /** The group of one of an incident of a cache without provider, whose id is the incident's; once. */
  openSoloGroup(incidentId: string, member: Pick<GroupMember, 'cacheId' | 'joinedAt'>): Promise<void>;
  /**
   * Moves a member forward (see `canMove`); the group takes the status its members came to when none holds
   * it open any more. The group as it then is; undefined when there is no such group.
   */
  markMember(groupId: string, incidentId: string, state: MemberState): Promise<IncidentGroup | undefined>;
  /** A consistent read when asked (a decision taken on it must see every write before it). */
  getGroup(groupId: string, consistent?: boolean): Promise<IncidentGroup | undefined>;
}

/**
 * The customer notices of a group, on the group's own item: each member's
 * arrival at a notice stage, and one owned, leased claim per stage (see
 * `nextGroupNotice`). Every decision is a condition on that one item.
 */
export interface GroupNotices {
  /**
   * Records that the member's workflow arrived at `stage` (a repeated arrival keeps the first time), with its ETA
   * for the ETA stage. The group as it then is; undefined when the incident is no member of the group.
   */
  arriveAtStage(
    groupId: string,
    incidentId: string,
    stage: NoticeStage,
    etaMinutes?: number,
  ): Promise<IncidentGroup | undefined>;
  /**
   * Claims the group's notice of `stage` for the incident `by`, true when it won: only while the stage is
   * unclaimed, or CLAIMED by `by` (its publish failed) or claimed before `staleBefore` (its owner stopped); no
   * later stage is claimed; and nobody joined since the snapshot of `version`. Claiming PARTIALLY_RESTORED or
   * RESOLVED seals the group: nobody joins it any more.
   */
  claimGroupNotice(
    groupId: string,
    stage: NoticeStage,
    claim: { by: string; etaMinutes?: number },
    seen: { version: number; staleBefore: string },
  ): Promise<boolean>;
  /** The claim of `by` becomes SENT with what was published; nothing when another member took it over. */
  confirmGroupNotice(
    groupId: string,
    stage: NoticeStage,
    by: string,
    sent: { messageId: string; subject: string; text: string },
  ): Promise<void>;
  /** Notes that the sent notice is on every member's timeline. */
  markGroupNoticeRecorded(groupId: string, stage: NoticeStage): Promise<void>;
}

/**
 * One approval request for a group, on the group's own item: each member
 * waiting for a decision in `members.<incident>.approval`, and one owned,
 * leased claim per step in `approvals.<step>` (see `requestTurn`).
 */
export interface GroupApprovals {
  /**
   * Records that the member waits for a decision on `approval.step` (a decided member keeps its decision). The
   * group as it then is; undefined when the incident is no member of the group.
   */
  arriveForApproval(groupId: string, incidentId: string, approval: MemberApproval): Promise<ApprovalGroup | undefined>;
  /** The group with its approvals, read consistently. */
  approvalGroup(groupId: string): Promise<ApprovalGroup | undefined>;
  /**
   * Claims the group's request for `step` for the incident `by`, asking about `members`; true when it won: only
   * while unclaimed, or CLAIMED by `by` or before `staleBefore` (a takeover keeps the members asked about).
   */
  claimGroupApproval(
    groupId: string,
    step: string,
    claim: { by: string; members: string[] },
    staleBefore: string,
  ): Promise<boolean>;
  /** The claim of `by` becomes SENT with what was published; nothing when another member took it over. */
  confirmGroupApproval(
    groupId: string,
    step: string,
    by: string,
    sent: { messageId: string; subject: string; text: string },
  ): Promise<void>;
  /** Notes that the request is on every member's timeline and notice log. */
  markGroupApprovalRecorded(groupId: string, step: string): Promise<void>;
  /** The member's decision, so the group shows who still waits; nothing when it has no approval of `step`. */
  markMemberApproval(groupId: string, incidentId: string, step: string, status: MemberApprovalStatus): Promise<void>;
}

/** What operators wrote on an incident's post-incident report, one record per incident, versioned. */
export interface ReportNotesStore {
  /** The notes as last saved (read consistently); undefined before the first save. */
  reportNotes(incidentId: string): Promise<ReportNotes | undefined>;
  /**
   * Saves the notes as version `expectedVersion + 1`, only while the saved version is still `expectedVersion` (0:
   * none saved yet): ReportNotesConflictError when someone saved since, and nothing is written.
   */
  saveReportNotes(
    incidentId: string,
    notes: Omit<ReportNotes, 'version'>,
    expectedVersion: number,
  ): Promise<ReportNotes>;
}

/** Every store port: what the DynamoDB adapter and the fake implement. */
export type IncidentStore = IncidentRecords &
  Timeline &
  NoticeLog &
  Approvals &
  IncidentLocks &
  GroupStore &
  GroupNotices &
  GroupApprovals &
  ReportNotesStore;
