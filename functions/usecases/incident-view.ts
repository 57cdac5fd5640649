/**
 * What the operator console shows: the incidents (open first) and one
 * incident with its timeline, the state machine's current state, the notices
 * sent to subscribers and its approvals. Reads only: task tokens are never
 * part of a view (the store's `approvals` leaves them out).
 */
import { IncidentNotFoundError } from '../domain/errors';
import { durationsOf, type Incident, type TimelineEvent } from '../domain/incident';
import {
  APPROVAL_STATUS_LABELS,
  APPROVAL_STEP_LABELS,
  EXECUTION_STATUS_LABELS,
  STAGE_LABELS,
  STATUS_LABELS,
  TIMELINE_LABELS,
  label,
  planName,
} from '../domain/labels';
import { headlineOf, plainWords, progressOf, type ProgressStep } from '../domain/progress';
import { clockTime, fullTime, readableTimes, UTC, type TimeZone } from '../domain/time-labels';
import type { ConfirmationFacts } from '../domain/steps';
import { redriveCheck } from '../domain/workflow';
import type {
  Approvals,
  Clock,
  ExecutionReader,
  ExecutionState,
  GroupStore,
  IncidentLocks,
  IncidentRecords,
  PendingApproval,
  Timeline,
} from '../ports';
import { byListOrder, groupsOf, summarizeGroup, type IncidentList, type IncidentSummary } from './incident-summary';
import { groupOf } from './shared/group';

export interface IncidentViewDeps {
  store: IncidentRecords & Timeline & Approvals & IncidentLocks & Pick<GroupStore, 'getGroup'>;
  executions: ExecutionReader;
  clock: Clock;
  /** The zone operators read times in (UTC when absent). */
  timeZone?: TimeZone;
}

export type { GroupSummary, IncidentList, IncidentSummary } from './incident-summary';

/** How an instant reads: "18:14:03 ET", and in full for a hover. */
export interface TimeText {
  clock: string;
  title: string;
}

export interface NoticeView extends TimeText {
  at: string;
  stage: string;
  stageLabel: string;
  message: string;
}

export type TimelineEventView = TimelineEvent & TimeText & { label: string; text: string };

export type ApprovalView = PendingApproval & { statusLabel: string; stepLabel: string };

export interface IncidentView {
  incident: IncidentSummary & {
    executionArn?: string;
    triggerAlarm?: string;
    resolvedAt?: string;
    failedAt?: string;
    restoredAt?: string;
    confirmedAt?: string;
    falseAlarmAt?: string;
    /** What the workflow's own check saw before any customer notice (what failed, how, from where). */
    confirmation?: ConfirmationFacts;
    error?: { error: string; cause: string };
  };
  execution?: ExecutionState & { statusLabel: string };
  /** Set when the workflow stopped at a step and an operator can continue it from there (see ../domain/workflow.ts). */
  redrivable?: { state?: string };
  timeline: TimelineEventView[];
  notices: NoticeView[];
  approvals: ApprovalView[];
  /** The recovery's steps, done / current / to come (see ../domain/progress.ts). */
  progress: ProgressStep[];
  /** The page's heading in words, e.g. "accounts is down — approval needed". */
  headline: string;
  /** False while the incident is open or its stopped workflow can be continued: the live page stops following a finished one. */
  finished: boolean;
  /** When the view was read, and the zone its times are in. */
  now: string;
  zone: TimeZone;
}

const LIST_LIMIT = 50;

function stageOf(incident: Incident, timeline: TimelineEvent[]): string {
  const notices = timeline.filter((e) => e.type === 'NOTICE_SENT');
  const last = notices[notices.length - 1];
  const stage = last?.detail?.stage;
  return typeof stage === 'string' ? stage : incident.status;
}

function summarize(
  incident: Incident,
  timeline: TimelineEvent[],
  approvals: PendingApproval[],
  now: Date,
): IncidentSummary {
  const end = incident.resolvedAt ?? incident.failedAt ?? incident.falseAlarmAt;
  const elapsedMs = (end ? Date.parse(end) : now.getTime()) - Date.parse(incident.openedAt);
  const d = durationsOf(incident);
  const stage = stageOf(incident, timeline);
  const record = incident as Incident & { outageSeconds?: unknown; degradedSeconds?: unknown };
  const outage = typeof record.outageSeconds === 'number' ? record.outageSeconds : d.outageSeconds;
  const degraded = typeof record.degradedSeconds === 'number' ? record.degradedSeconds : d.degradedSeconds;
  return {
    incidentId: incident.incidentId,
    groupId: incident.groupId ?? incident.incidentId,
    cacheId: incident.cacheId,
    status: incident.status,
    stage,
    ...(incident.plan ? { plan: incident.plan } : {}),
    statusLabel: label(STATUS_LABELS, incident.status),
    stageLabel: label({ ...STATUS_LABELS, ...STAGE_LABELS }, stage),
    planLabel: planName(incident.plan),
    openedAt: incident.openedAt,
    elapsedSeconds: Math.max(0, Math.round(elapsedMs / 1000)),
    ...(outage !== undefined ? { outageSeconds: outage } : {}),
    ...(degraded !== undefined ? { degradedSeconds: degraded } : {}),
    pendingApprovals: approvals.filter((a) => a.status === 'PENDING').length,
  };
}

/**
 * Incidents, open ones first, false alarms last, each group newest first; and the provider groups of two
 * incidents or more, each with its members (see ./incident-summary.ts for the shape).
 */
export async function listIncidents(deps: IncidentViewDeps): Promise<IncidentList> {
  const incidents = await deps.store.listIncidents(LIST_LIMIT);
  const now = deps.clock.now();
  const summaries = await Promise.all(
    incidents.map(async (incident) => {
      const [timeline, approvals, groupId] = await Promise.all([
        deps.store.timeline(incident.incidentId),
        deps.store.approvals(incident.incidentId),
        // Until Confirm Outage copies it onto the record, an open incident's group is on its lock.
        incident.status === 'OPEN' ? groupOf(deps.store, incident) : Promise.resolve(incident.groupId),
      ]);
      return summarize({ ...incident, ...(groupId ? { groupId } : {}) }, timeline, approvals, now);
    }),
  );
  summaries.sort(byListOrder);
  const groups = await Promise.all(
    groupsOf(summaries).map(async ([groupId, members]) => {
      const group = await deps.store.getGroup(groupId);
      return summarizeGroup(groupId, group?.provider, members);
    }),
  );
  return { incidents: summaries, groups };
}

/** One incident, everything an operator needs to decide. */
export async function viewIncident(deps: IncidentViewDeps, incidentId: string): Promise<IncidentView> {
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
  const record = incident as Incident & { executionArn?: unknown; triggerAlarm?: unknown };
  const executionArn = typeof record.executionArn === 'string' ? record.executionArn : undefined;
  const [timeline, approvals, execution, lock] = await Promise.all([
    deps.store.timeline(incidentId),
    deps.store.approvals(incidentId),
    executionArn ? deps.executions.describe(executionArn) : Promise.resolve(undefined),
    deps.store.getOpenLock(incident.cacheId),
  ]);
  const now = deps.clock.now();
  const zone = deps.timeZone ?? UTC;
  const timeText = (at: string): TimeText => ({
    clock: clockTime(at, zone, now, { seconds: true }),
    title: fullTime(at, zone),
  });
  const words = (message: string) => plainWords(readableTimes(message, zone, now));
  const notices: NoticeView[] = timeline
    .filter((e) => e.type === 'NOTICE_SENT')
    .map((e) => {
      const stage = typeof e.detail?.stage === 'string' ? e.detail.stage : '';
      return { at: e.at, stage, stageLabel: label(STAGE_LABELS, stage), message: words(e.message), ...timeText(e.at) };
    });
  const redrive = lock?.incidentId === incidentId ? redrivableOf(incident, execution) : {};
  return {
    incident: {
      ...summarize(incident, timeline, approvals, now),
      ...(executionArn ? { executionArn } : {}),
      ...(typeof record.triggerAlarm === 'string' ? { triggerAlarm: record.triggerAlarm } : {}),
      ...(incident.restoredAt ? { restoredAt: incident.restoredAt } : {}),
      ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
      ...(incident.failedAt ? { failedAt: incident.failedAt } : {}),
      ...(incident.confirmedAt ? { confirmedAt: incident.confirmedAt } : {}),
      ...(incident.falseAlarmAt ? { falseAlarmAt: incident.falseAlarmAt } : {}),
      ...(incident.confirmation ? { confirmation: incident.confirmation } : {}),
      ...(incident.error ? { error: incident.error } : {}),
    },
    ...(execution
      ? { execution: { ...execution, statusLabel: label(EXECUTION_STATUS_LABELS, execution.status) } }
      : {}),
    ...redrive,
    timeline: timeline.map((e) => ({
      ...e,
      label: label(TIMELINE_LABELS, e.type),
      text: words(e.message),
      ...timeText(e.at),
    })),
    notices,
    approvals: approvals.map((a) => ({
      ...a,
      ...(a.deadline ? { deadline: deadlineAfterAcknowledgements(a, timeline) } : {}),
      statusLabel: label(APPROVAL_STATUS_LABELS, a.status),
      stepLabel: label(APPROVAL_STEP_LABELS, a.step),
    })),
    progress: progressOf(
      {
        status: incident.status,
        openedAt: incident.openedAt,
        plan: incident.plan,
        ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
        timeline,
      },
      now,
    ),
    headline: headlineOf(
      incident.cacheId,
      incident.status,
      approvals.some((a) => a.status === 'PENDING'),
      incident.restoredAt !== undefined,
    ),
    // A stopped workflow an operator may continue is not finished: the page keeps following it.
    finished: incident.status !== 'OPEN' && redrive.redrivable === undefined,
    now: now.toISOString(),
    zone,
  };
}

function redrivableOf(incident: Incident, execution: ExecutionState | undefined): Pick<IncidentView, 'redrivable'> {
  const check = redriveCheck(incident, execution);
  return check.ok ? { redrivable: check.state ? { state: check.state } : {} } : {};
}

/**
 * "I'm looking at it" sends the waiting task's heartbeat: the wait escalates a
 * heartbeat interval after the last acknowledgement (never after the wait's end).
 */
function deadlineAfterAcknowledgements(a: PendingApproval, timeline: TimelineEvent[]): PendingApproval['deadline'] {
  const d = a.deadline;
  if (!d || a.status !== 'PENDING') return d;
  const heartbeatMs = Date.parse(d.escalatesAt) - Date.parse(a.requestedAt);
  const lastAck = Math.max(
    ...timeline
      .filter((e) => e.type === 'APPROVAL_ACKNOWLEDGED' && e.detail?.step === a.step && e.at >= a.requestedAt)
      .map((e) => Date.parse(e.at)),
  );
  if (!Number.isFinite(lastAck)) return d;
  const escalatesAt = Math.min(lastAck + heartbeatMs, Date.parse(d.expiresAt));
  return { ...d, escalatesAt: new Date(escalatesAt).toISOString() };
}
