/**
 * What the operator console shows: the incidents (open first) and one
 * incident with its timeline, the state machine's current state, the notices
 * sent to subscribers and its approvals. Reads only: task tokens are never
 * part of a view (the store's `approvals` leaves them out).
 */
import { IncidentNotFoundError } from '../domain/errors';
import { durationsOf, type Incident, type IncidentStatus, type TimelineEvent } from '../domain/incident';
import type { ConfirmationFacts } from '../domain/steps';
import { redriveCheck } from '../domain/workflow';
import type {
  Approvals,
  Clock,
  ExecutionReader,
  ExecutionState,
  IncidentLocks,
  IncidentRecords,
  PendingApproval,
  Timeline,
} from '../ports';

export interface IncidentViewDeps {
  store: IncidentRecords & Timeline & Approvals & IncidentLocks;
  executions: ExecutionReader;
  clock: Clock;
}

export interface IncidentSummary {
  incidentId: string;
  cacheId: string;
  status: IncidentStatus;
  /** The last customer-facing stage notified, or the status when none was. */
  stage: string;
  plan?: string;
  openedAt: string;
  /** Seconds since the incident opened, up to its resolution (or now while it is open). */
  elapsedSeconds: number;
  outageSeconds?: number;
  degradedSeconds?: number;
  pendingApprovals: number;
}

export interface NoticeView {
  at: string;
  stage: string;
  message: string;
}

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
  execution?: ExecutionState;
  /** Set when the workflow stopped at a step and an operator can continue it from there (see ../domain/workflow.ts). */
  redrivable?: { state?: string };
  timeline: TimelineEvent[];
  notices: NoticeView[];
  approvals: PendingApproval[];
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
  const record = incident as Incident & { outageSeconds?: unknown; degradedSeconds?: unknown };
  const outage = typeof record.outageSeconds === 'number' ? record.outageSeconds : d.outageSeconds;
  const degraded = typeof record.degradedSeconds === 'number' ? record.degradedSeconds : d.degradedSeconds;
  return {
    incidentId: incident.incidentId,
    cacheId: incident.cacheId,
    status: incident.status,
    stage: stageOf(incident, timeline),
    ...(incident.plan ? { plan: incident.plan } : {}),
    openedAt: incident.openedAt,
    elapsedSeconds: Math.max(0, Math.round(elapsedMs / 1000)),
    ...(outage !== undefined ? { outageSeconds: outage } : {}),
    ...(degraded !== undefined ? { degradedSeconds: degraded } : {}),
    pendingApprovals: approvals.filter((a) => a.status === 'PENDING').length,
  };
}

/** Incidents, open ones first, false alarms last, each group newest first. */
export async function listIncidents(deps: IncidentViewDeps): Promise<IncidentSummary[]> {
  const incidents = await deps.store.listIncidents(LIST_LIMIT);
  const now = deps.clock.now();
  const summaries = await Promise.all(
    incidents.map(async (incident) => {
      const [timeline, approvals] = await Promise.all([
        deps.store.timeline(incident.incidentId),
        deps.store.approvals(incident.incidentId),
      ]);
      return summarize(incident, timeline, approvals, now);
    }),
  );
  const rank = (s: IncidentSummary) => (s.status === 'OPEN' ? 0 : s.status === 'FALSE_ALARM' ? 2 : 1);
  return summaries.sort((a, b) => rank(a) - rank(b) || b.openedAt.localeCompare(a.openedAt));
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
  const notices: NoticeView[] = timeline
    .filter((e) => e.type === 'NOTICE_SENT')
    .map((e) => ({ at: e.at, stage: typeof e.detail?.stage === 'string' ? e.detail.stage : '', message: e.message }));
  return {
    incident: {
      ...summarize(incident, timeline, approvals, deps.clock.now()),
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
    ...(execution ? { execution } : {}),
    ...(lock?.incidentId === incidentId ? redrivableOf(incident, execution) : {}),
    timeline,
    notices,
    approvals,
  };
}

function redrivableOf(incident: Incident, execution: ExecutionState | undefined): Pick<IncidentView, 'redrivable'> {
  const check = redriveCheck(incident, execution);
  return check.ok ? { redrivable: check.state ? { state: check.state } : {} } : {};
}
