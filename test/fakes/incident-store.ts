/**
 * In-memory IncidentStore: one map per entity, with the semantics of the
 * DynamoDB adapter (test/contracts/ runs the same suite against both). The
 * open-incident lock is a put-if-absent (its TTL is only a safety net),
 * delivery markers count as absent once expired, updates of a missing
 * incident fail with IncidentNotFoundError, notice markers go CLAIMED → SENT,
 * approvals are decided once, and a re-recorded recovery overwrites instead of
 * duplicating. Values go in and come out as copies, as over the wire.
 */
import {
  ApprovalAlreadyDecidedError,
  IncidentNotFoundError,
  ReportNotesConflictError,
  TransientDependencyError,
  ValidationError,
} from '../../functions/domain/errors';
import type { MeasuredRecovery } from '../../functions/domain/eta';
import {
  canMove,
  GROUPS_PER_SECOND,
  groupIdFor,
  groupStatusOf,
  isJoinable,
  leavesGroup,
  sealsGroup,
  stagesAfter,
  utc,
  windowEndOf,
  type GroupMember,
  type IncidentGroup,
  type MemberState,
} from '../../functions/domain/groups';
import type { ApprovalGroup, MemberApproval, MemberApprovalStatus } from '../../functions/domain/group-approvals';
import {
  NOTICE_STAGES,
  type Incident,
  type NoticeStage,
  type RecoveryPlan,
  type TimelineEvent,
} from '../../functions/domain/incident';
import type { ReportNotes } from '../../functions/domain/report/notes';
import type { SentNotice } from '../../functions/domain/report/types';
import {
  systemClock,
  type ApprovalDecisionRecord,
  type Clock,
  type IncidentStore,
  type JoinOutcome,
  type OpenIncidentLock,
  type PendingApproval,
} from '../../functions/ports';
import { Failures, copy } from './failures';

type StoredIncident = Incident & Record<string, unknown>;
type StoredApproval = PendingApproval & { taskToken: string };
type StoredRecovery = MeasuredRecovery & { incidentId: string; at: string };

/** A notice marker: CLAIMED before publishing, SENT with what was published. */
interface NoticeMarker {
  status: 'CLAIMED' | 'SENT';
  claimedAt?: string;
  messageId?: string;
  sentAt?: string;
  subject?: string;
  text?: string;
}

/** Fields the store never changes after Record Incident wrote them (and the table's key attributes). */
const IMMUTABLE_INCIDENT_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'incidentId', 'cacheId', 'openedAt'];

const keyOf = (...parts: string[]): string => parts.join('\u0000');
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class FakeIncidentStore implements IncidentStore {
  readonly failures = new Failures<keyof IncidentStore>();
  private readonly incidents = new Map<string, StoredIncident>();
  /** By incident, in the order appended. */
  private readonly events = new Map<string, TimelineEvent[]>();
  /** By incident and stage. */
  private readonly notices = new Map<string, NoticeMarker>();
  /** By incident and step. */
  private readonly approvalRecords = new Map<string, StoredApproval>();
  /** By cache. */
  private readonly locks = new Map<string, OpenIncidentLock>();
  /** Delivery key → expiry, epoch seconds. */
  private readonly deliveries = new Map<string, number>();
  /** By plan, time and incident. */
  private readonly recoveries = new Map<string, StoredRecovery>();
  /** Provider → its current group. */
  private readonly providerGroups = new Map<string, { groupId: string; openedAt: string; windowEndsAt: string }>();
  /** By group id. */
  private readonly groups = new Map<string, IncidentGroup>();
  /** By incident. */
  private readonly notes = new Map<string, ReportNotes>();

  constructor(private readonly clock: Clock = systemClock) {}

  // ---- seeding and inspection, for tests ----

  /** What the state machine's Record Incident writes. */
  seedIncident(incident: Partial<Incident> & Pick<Incident, 'incidentId' | 'cacheId'>): Incident {
    const full: Incident = {
      status: 'OPEN',
      openedAt: this.clock.now().toISOString(),
      executionName: `exec-${incident.incidentId}`,
      ...incident,
    };
    this.incidents.set(full.incidentId, copy(full) as StoredIncident);
    return full;
  }

  /** The cache's open-incident lock held by an incident, as on-alarm takes it before starting the workflow. */
  seedLock(cacheId: string, incidentId: string): void {
    this.locks.set(cacheId, {
      cacheId,
      incidentId,
      executionName: `exec-${incidentId}`,
      executionInput: {} as OpenIncidentLock['executionInput'],
      openedAt: this.clock.now().toISOString(),
    });
  }

  /** Incident fields plus whatever else the caller records (e.g. `stage`). */
  incident(incidentId: string): StoredIncident | undefined {
    return copy(this.incidents.get(incidentId));
  }

  /** Timeline event types in order, for assertions. */
  async timelineTypes(incidentId: string): Promise<TimelineEvent['type'][]> {
    return (await this.timeline(incidentId)).map((e) => e.type);
  }

  notice(incidentId: string, stage: string): NoticeMarker | undefined {
    return copy(this.notices.get(keyOf(incidentId, stage)));
  }

  /** The approval as stored, task token included. */
  approval(incidentId: string, step: string): StoredApproval | undefined {
    return copy(this.approvalRecords.get(keyOf(incidentId, step)));
  }

  /** Everything stored, entity by entity, for "nothing was written" assertions and debugging. */
  dump(): { entity: string; key: string[]; value: unknown }[] {
    const maps: Record<string, Map<string, unknown>> = {
      incident: this.incidents,
      timeline: this.events,
      notice: this.notices,
      approval: this.approvalRecords,
      lock: this.locks,
      delivery: this.deliveries,
      recovery: this.recoveries,
      providerGroup: this.providerGroups,
      group: this.groups,
      reportNotes: this.notes,
    };
    return Object.entries(maps).flatMap(([entity, map]) =>
      [...map].map(([key, value]) => copy({ entity, key: key.split('\u0000'), value })),
    );
  }

  // ---- IncidentRecords ----

  async getIncident(incidentId: string): Promise<Incident | undefined> {
    this.failures.check('getIncident');
    return copy(this.incidents.get(incidentId));
  }

  async updateIncident(
    incidentId: string,
    changes: Partial<Omit<Incident, 'incidentId' | 'cacheId' | 'openedAt'>> & Record<string, unknown>,
  ): Promise<void> {
    this.failures.check('updateIncident');
    for (const [k, v] of Object.entries(changes)) {
      if (IMMUTABLE_INCIDENT_FIELDS.includes(k) && v !== undefined) {
        throw new ValidationError('incident update', [{ path: k, message: 'cannot be changed' }]);
      }
    }
    const defined = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (defined.length === 0) return;
    const incident = this.incidents.get(incidentId);
    if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
    for (const [k, v] of defined) incident[k] = copy(v);
  }

  async markAttempt(
    incidentId: string,
    change: { status: 'FAILED' | 'OPEN'; attempt: number; fields?: Partial<Pick<Incident, 'failedAt' | 'error'>> },
  ): Promise<boolean> {
    this.failures.check('markAttempt');
    const incident = this.incidents.get(incidentId);
    if (!incident) return false;
    const last = typeof incident.attempt === 'number' ? incident.attempt : undefined;
    const allowed =
      change.status === 'FAILED'
        ? incident.status !== 'RESOLVED' && (last === undefined || last <= change.attempt)
        : incident.status === 'FAILED' && (last === undefined || last < change.attempt);
    if (!allowed) return false;
    for (const [k, v] of Object.entries(change.fields ?? {})) if (v !== undefined) incident[k] = copy(v);
    incident.status = change.status;
    incident.attempt = change.attempt;
    return true;
  }

  /** Newest first by `openedAt`. */
  async listIncidents(limit: number): Promise<Incident[]> {
    this.failures.check('listIncidents');
    return [...this.incidents.values()]
      .sort((a, b) => byString(b.openedAt, a.openedAt))
      .slice(0, Math.max(0, limit))
      .map((i) => copy(i));
  }

  async recordRecovery(measured: MeasuredRecovery & { incidentId: string; at: string }): Promise<void> {
    this.failures.check('recordRecovery');
    this.recoveries.set(keyOf(measured.plan, measured.at, measured.incidentId), copy(measured));
  }

  /** The newest `limit` recoveries of the plan (by time, then incident), oldest first. */
  async recentRecoveries(plan: RecoveryPlan, limit: number): Promise<MeasuredRecovery[]> {
    this.failures.check('recentRecoveries');
    if (limit <= 0) return [];
    return [...this.recoveries.values()]
      .filter((r) => r.plan === plan)
      .sort((a, b) => byString(a.at, b.at) || byString(a.incidentId, b.incidentId))
      .slice(-limit)
      .map(({ seconds, backupSizeBytes }) => ({
        plan,
        seconds,
        ...(typeof backupSizeBytes === 'number' ? { backupSizeBytes } : {}),
      }));
  }

  // ---- Timeline ----

  async appendTimeline(incidentId: string, event: TimelineEvent): Promise<void> {
    this.failures.check('appendTimeline');
    const { at, type, message, detail } = copy(event);
    const events = this.events.get(incidentId) ?? [];
    events.push({ at, type, message, ...(detail !== undefined ? { detail } : {}) });
    this.events.set(incidentId, events);
  }

  /** Oldest first by `at`; events of the same instant in the order appended. */
  async timeline(incidentId: string): Promise<TimelineEvent[]> {
    this.failures.check('timeline');
    return [...(this.events.get(incidentId) ?? [])].sort((a, b) => byString(a.at, b.at)).map((e) => copy(e));
  }

  // ---- NoticeLog ----

  async claimNotice(incidentId: string, stage: string): Promise<'claimed' | 'sent'> {
    this.failures.check('claimNotice');
    const key = keyOf(incidentId, stage);
    if (this.notices.get(key)?.status === 'SENT') return 'sent';
    this.notices.set(key, { status: 'CLAIMED', claimedAt: this.clock.now().toISOString() });
    return 'claimed';
  }

  async confirmNotice(
    incidentId: string,
    stage: string,
    messageId: string,
    notice: { subject: string; text: string },
  ): Promise<void> {
    this.failures.check('confirmNotice');
    const key = keyOf(incidentId, stage);
    this.notices.set(key, {
      ...this.notices.get(key),
      status: 'SENT',
      messageId,
      sentAt: this.clock.now().toISOString(),
      subject: notice.subject,
      text: notice.text,
    });
  }

  async sentNotices(incidentId: string): Promise<SentNotice[]> {
    this.failures.check('sentNotices');
    const prefix = keyOf(incidentId, '');
    return [...this.notices.entries()]
      .filter(([key, n]) => key.startsWith(prefix) && n.status === 'SENT')
      .map(([key, n]) => ({ stage: key.slice(prefix.length), n }))
      .filter(({ stage }) => (NOTICE_STAGES as readonly string[]).includes(stage))
      .map(({ stage, n }) => ({
        stage: stage as NoticeStage,
        subject: n.subject ?? '',
        text: n.text ?? '',
        sentAt: n.sentAt ?? '',
      }))
      .sort((a, b) => byString(a.sentAt, b.sentAt));
  }

  // ---- Approvals ----

  /** Replaces the approval with the fields of a request (a `resumedAt` given or recorded is not kept). */
  async savePendingApproval(approval: PendingApproval, taskToken: string): Promise<void> {
    this.failures.check('savePendingApproval');
    const { resumedAt: _notKept, ...requested } = copy(approval);
    this.approvalRecords.set(keyOf(approval.incidentId, approval.step), { ...requested, taskToken });
  }

  /** By step; what the console displays: no task token, no `resumedAt`. */
  async approvals(incidentId: string): Promise<PendingApproval[]> {
    this.failures.check('approvals');
    return [...this.approvalRecords.values()]
      .filter((a) => a.incidentId === incidentId)
      .sort((a, b) => byString(a.step, b.step))
      .map(({ taskToken: _token, resumedAt: _resumed, ...displayed }) => copy(displayed));
  }

  async pendingApproval(
    incidentId: string,
    step: string,
  ): Promise<{ approval: PendingApproval; taskToken: string } | undefined> {
    this.failures.check('pendingApproval');
    const found = this.approval(incidentId, step);
    if (!found) return undefined;
    const { taskToken, ...approval } = found;
    return { approval, taskToken };
  }

  /** Conditional on the approval being PENDING (a missing approval fails the condition too). */
  async decideApproval(incidentId: string, step: string, decision: ApprovalDecisionRecord): Promise<void> {
    this.failures.check('decideApproval');
    const approval = this.approvalRecords.get(keyOf(incidentId, step));
    if (approval?.status !== 'PENDING') {
      throw new ApprovalAlreadyDecidedError(`approval ${step} of incident ${incidentId} is not pending`);
    }
    const { status, decidedBy, decidedAt, reason } = decision;
    Object.assign(approval, { status, decidedBy, decidedAt, reason });
  }

  async markApprovalResumed(incidentId: string, step: string, at: string): Promise<void> {
    this.failures.check('markApprovalResumed');
    const approval = this.approvalRecords.get(keyOf(incidentId, step));
    if (!approval) throw new IncidentNotFoundError(`no approval ${step} for incident ${incidentId}`);
    approval.resumedAt = at;
  }

  // ---- IncidentLocks ----

  async acquireOpenLock(
    lock: OpenIncidentLock,
  ): Promise<{ acquired: true } | { acquired: false; existing: OpenIncidentLock }> {
    this.failures.check('acquireOpenLock');
    // Check and put in one synchronous step, as DynamoDB's conditional put is atomic.
    const existing = this.locks.get(lock.cacheId);
    if (existing) return { acquired: false, existing: copy(existing) };
    const { cacheId, incidentId, executionName, executionInput, openedAt } = copy(lock);
    this.locks.set(cacheId, { cacheId, incidentId, executionName, executionInput, openedAt });
    return { acquired: true };
  }

  async getOpenLock(cacheId: string): Promise<OpenIncidentLock | undefined> {
    this.failures.check('getOpenLock');
    return copy(this.locks.get(cacheId));
  }

  /** Deletes the lock only when it belongs to this incident. */
  async releaseOpenLock(cacheId: string, incidentId: string): Promise<void> {
    this.failures.check('releaseOpenLock');
    if (this.locks.get(cacheId)?.incidentId === incidentId) this.locks.delete(cacheId);
  }

  /** A marker whose expiry has passed counts as absent (TTL deletion lags). */
  async markDelivery(key: string, ttlSeconds: number): Promise<boolean> {
    this.failures.check('markDelivery');
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = this.deliveries.get(key);
    if (expiresAt !== undefined && !(expiresAt < now)) return false;
    this.deliveries.set(key, now + ttlSeconds);
    return true;
  }

  // ---- GroupStore ----
  // Each method checks and writes in one synchronous step, as each DynamoDB conditional write is atomic.

  async resolveGroup(provider: string, at: string, windowSeconds: number): Promise<string> {
    this.failures.check('resolveGroup');
    const pointer = this.providerGroups.get(provider);
    const current = pointer && this.groups.get(pointer.groupId);
    if (pointer && current && isJoinable(current, at)) return pointer.groupId;
    const openedAt = utc(at);
    // As the adapter: an id naming a group nobody may join any more gives way to the next one free.
    const free = Array.from({ length: GROUPS_PER_SECOND }, (_, i) => groupIdFor(provider, at, i + 1)).find((id) => {
      const taken = this.groups.get(id);
      return !taken || isJoinable(taken, at);
    });
    if (!free)
      throw new TransientDependencyError(`${GROUPS_PER_SECOND} groups of provider ${provider} opened at ${utc(at)}`);
    const next = { groupId: free, openedAt, windowEndsAt: windowEndOf(openedAt, windowSeconds) };
    this.providerGroups.set(provider, next);
    if (!this.groups.has(next.groupId)) {
      this.groups.set(next.groupId, {
        groupId: next.groupId,
        provider,
        status: 'OPEN',
        openedAt,
        windowEndsAt: next.windowEndsAt,
        openCount: 0,
        version: 0,
        members: {},
      });
    }
    return next.groupId;
  }

  async joinGroup(
    groupId: string,
    incidentId: string,
    member: Pick<GroupMember, 'cacheId' | 'joinedAt'>,
    options: { force?: boolean } = {},
  ): Promise<JoinOutcome> {
    this.failures.check('joinGroup');
    const group = this.groups.get(groupId);
    if (!group) return 'refused';
    if (group.members[incidentId]) return 'member';
    const at = utc(member.joinedAt);
    if (!options.force && !isJoinable(group, at)) return 'refused';
    group.members[incidentId] = { cacheId: member.cacheId, joinedAt: at, state: 'OPENED', at };
    group.openCount += 1;
    group.version += 1;
    if (options.force) {
      group.status = 'OPEN';
      delete group.closedAt;
    }
    return 'joined';
  }

  async openSoloGroup(incidentId: string, member: Pick<GroupMember, 'cacheId' | 'joinedAt'>): Promise<void> {
    this.failures.check('openSoloGroup');
    if (this.groups.has(incidentId)) return;
    const at = utc(member.joinedAt);
    this.groups.set(incidentId, {
      groupId: incidentId,
      status: 'OPEN',
      openedAt: at,
      windowEndsAt: at,
      openCount: 1,
      version: 1,
      members: { [incidentId]: { cacheId: member.cacheId, joinedAt: at, state: 'OPENED', at } },
    });
  }

  async markMember(groupId: string, incidentId: string, state: MemberState): Promise<IncidentGroup | undefined> {
    this.failures.check('markMember');
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    const member = group.members[incidentId];
    if (member && canMove(member.state, state)) {
      member.state = state;
      member.at = this.clock.now().toISOString();
      if (leavesGroup(state)) group.openCount -= 1;
    }
    if (group.status === 'OPEN' && group.openCount <= 0) {
      const status = groupStatusOf(Object.values(group.members));
      if (status !== 'OPEN') {
        group.status = status;
        group.closedAt = this.clock.now().toISOString();
      }
    }
    return copy(group);
  }

  async getGroup(groupId: string): Promise<IncidentGroup | undefined> {
    this.failures.check('getGroup');
    return copy(this.groups.get(groupId));
  }

  // ---- GroupNotices ----

  async arriveAtStage(
    groupId: string,
    incidentId: string,
    stage: NoticeStage,
    etaMinutes?: number,
  ): Promise<IncidentGroup | undefined> {
    this.failures.check('arriveAtStage');
    const group = this.groups.get(groupId);
    const member = group?.members[incidentId];
    if (!group || !member) return undefined;
    member.reached = { ...member.reached, [stage]: member.reached?.[stage] ?? this.clock.now().toISOString() };
    if (etaMinutes !== undefined) member.etaMinutes = etaMinutes;
    return copy(group);
  }

  async claimGroupNotice(
    groupId: string,
    stage: NoticeStage,
    claim: { by: string; etaMinutes?: number },
    seen: { version: number; staleBefore: string },
  ): Promise<boolean> {
    this.failures.check('claimGroupNotice');
    const group = this.groups.get(groupId);
    if (!group) return false;
    const claims = (group.claims ??= {});
    const held = claims[stage];
    const free = !held || (held.status === 'CLAIMED' && (held.by === claim.by || held.at < seen.staleBefore));
    if (!free || group.version !== seen.version || stagesAfter(stage).some((s) => claims[s])) return false;
    const now = this.clock.now().toISOString();
    claims[stage] = {
      status: 'CLAIMED',
      by: claim.by,
      at: now,
      ...(claim.etaMinutes !== undefined ? { etaMinutes: claim.etaMinutes } : {}),
    };
    if (sealsGroup(stage)) group.sealedAt ??= now;
    return true;
  }

  async confirmGroupNotice(
    groupId: string,
    stage: NoticeStage,
    by: string,
    sent: { messageId: string; subject: string; text: string },
  ): Promise<void> {
    this.failures.check('confirmGroupNotice');
    const claim = this.groups.get(groupId)?.claims?.[stage];
    if (claim?.by !== by || claim.status !== 'CLAIMED') return;
    Object.assign(claim, { status: 'SENT', sentAt: this.clock.now().toISOString(), ...copy(sent) });
  }

  async markGroupNoticeRecorded(groupId: string, stage: NoticeStage): Promise<void> {
    this.failures.check('markGroupNoticeRecorded');
    const claim = this.groups.get(groupId)?.claims?.[stage];
    if (claim) claim.recordedAt = this.clock.now().toISOString();
  }

  // ---- GroupApprovals ----

  async arriveForApproval(
    groupId: string,
    incidentId: string,
    approval: MemberApproval,
  ): Promise<ApprovalGroup | undefined> {
    this.failures.check('arriveForApproval');
    const group = this.groups.get(groupId) as ApprovalGroup | undefined;
    const member = group?.members[incidentId];
    if (!group || !member) return undefined;
    const held = member.approval;
    if (!held || held.step !== approval.step || held.status === 'PENDING') member.approval = copy(approval);
    return copy(group);
  }

  async approvalGroup(groupId: string): Promise<ApprovalGroup | undefined> {
    this.failures.check('approvalGroup');
    return copy(this.groups.get(groupId) as ApprovalGroup | undefined);
  }

  async claimGroupApproval(
    groupId: string,
    step: string,
    claim: { by: string; members: string[] },
    staleBefore: string,
  ): Promise<boolean> {
    this.failures.check('claimGroupApproval');
    const group = this.groups.get(groupId) as ApprovalGroup | undefined;
    if (!group) return false;
    const approvals = (group.approvals ??= {});
    const held = approvals[step];
    if (held && !(held.status === 'CLAIMED' && (held.by === claim.by || held.at < staleBefore))) return false;
    approvals[step] = {
      status: 'CLAIMED',
      by: claim.by,
      at: this.clock.now().toISOString(),
      members: [...claim.members],
    };
    return true;
  }

  async confirmGroupApproval(
    groupId: string,
    step: string,
    by: string,
    sent: { messageId: string; subject: string; text: string },
  ): Promise<void> {
    this.failures.check('confirmGroupApproval');
    const request = (this.groups.get(groupId) as ApprovalGroup | undefined)?.approvals?.[step];
    if (request?.by !== by || request.status !== 'CLAIMED') return;
    Object.assign(request, { status: 'SENT', sentAt: this.clock.now().toISOString(), ...copy(sent) });
  }

  async markGroupApprovalRecorded(groupId: string, step: string): Promise<void> {
    this.failures.check('markGroupApprovalRecorded');
    const request = (this.groups.get(groupId) as ApprovalGroup | undefined)?.approvals?.[step];
    if (request) request.recordedAt = this.clock.now().toISOString();
  }

  async markMemberApproval(
    groupId: string,
    incidentId: string,
    step: string,
    status: MemberApprovalStatus,
  ): Promise<void> {
    this.failures.check('markMemberApproval');
    const approval = (this.groups.get(groupId) as ApprovalGroup | undefined)?.members[incidentId]?.approval;
    if (approval?.step === step) approval.status = status;
  }

  // ---- ReportNotesStore ----

  async reportNotes(incidentId: string): Promise<ReportNotes | undefined> {
    this.failures.check('reportNotes');
    return copy(this.notes.get(incidentId));
  }

  /** Conditional on the saved version: absent for 0, equal otherwise. */
  async saveReportNotes(
    incidentId: string,
    notes: Omit<ReportNotes, 'version'>,
    expectedVersion: number,
  ): Promise<ReportNotes> {
    this.failures.check('saveReportNotes');
    const current = this.notes.get(incidentId)?.version ?? 0;
    if (current !== expectedVersion) {
      throw new ReportNotesConflictError(
        `the report notes of ${incidentId} were saved by someone else since version ${expectedVersion}`,
      );
    }
    const saved: ReportNotes = { ...copy(notes), version: expectedVersion + 1 };
    this.notes.set(incidentId, copy(saved));
    return saved;
  }
}
