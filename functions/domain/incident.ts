import { createHash } from 'node:crypto';
import type { AlarmTransition } from './alarm';
import type { Endpoint } from './caches';
import type { ConfirmationFacts } from './confirmation';

/**
 * FALSE_ALARM: an alarm opened the incident but the workflow's own check found
 * the cache answering throughout its confirmation window; customers were told
 * nothing. Distinct from RESOLVED, which follows a confirmed outage.
 */
export const INCIDENT_STATUSES = ['OPEN', 'RESOLVED', 'FAILED', 'FALSE_ALARM'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The four customer-facing stages, in order. */
export const NOTICE_STAGES = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED'] as const;
export type NoticeStage = (typeof NOTICE_STAGES)[number];

/** What the workflow does about an outage, as Assess decides it (see recovery.ts). */
export const RECOVERY_PLANS = [
  'RECOVERED',
  'PROMOTE_REPLICA',
  'PROMOTE_STANDBY',
  'GLOBAL_FAILOVER',
  'PROVISION_FROM_BACKUP',
  'ESCALATE',
] as const;
export type RecoveryPlan = (typeof RECOVERY_PLANS)[number];

/** Knobs of one execution, fixed when it starts so that a redrive behaves the same. */
export interface WorkflowSettings {
  pollIntervalSeconds: number;
  maxPolls: number;
  approvalTimeoutSeconds: number;
  /** Time allowed for an operator to acknowledge the request (console open, CLI `ack`) before escalation. */
  approvalHeartbeatSeconds: number;
  /** What happens when nobody decides in time. */
  approvalDefault: 'proceed' | 'abort';
}

/** The execution input that `on-alarm` builds and the state machine carries as `$`. */
export interface ExecutionInput {
  incidentId: string;
  cacheId: string;
  openedAt: string;
  trigger: {
    alarmName: string;
    source: AlarmTransition['source'];
    reason: string;
    stateChangeTime: string;
  };
  settings: WorkflowSettings;
  /**
   * The incident group the incident joined: its provider's group, or the
   * incident itself (a cache without provider). Absent from executions started
   * before groups existed: read it with `groupOf`, never from `$`.
   */
  groupId?: string;
  /** The cache's provider, when it names one. */
  provider?: string;
}

/** Incident ids are readable and deterministic: the cache plus the time the first alarm fired. */
export function incidentIdFor(cacheId: string, firstAlarmAt: string): string {
  return `${cacheId}-${compactStamp(firstAlarmAt)}`;
}

/** A time as `yyyymmddThhmmssZ` in UTC, whatever offset it was written with. */
export function compactStamp(at: string): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Step Functions execution names allow 1–80 characters of `[A-Za-z0-9_-]`.
 * The name is a readable prefix plus a hash of the incident id, so the same
 * incident always maps to the same execution and a retried StartExecution
 * can never start a second one.
 */
export function executionNameFor(incidentId: string): string {
  const hash = createHash('sha256').update(incidentId).digest('hex').slice(0, 24);
  const readable = incidentId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 50);
  return `${readable}-${hash}`.slice(0, 80);
}

/** Key that identifies one delivery of one alarm transition, however many times it arrives. */
export function alarmDeliveryKey(t: Pick<AlarmTransition, 'alarmName' | 'newState' | 'stateChangeTime'>): string {
  return createHash('sha256')
    .update(`${t.alarmName}\u0000${t.newState}\u0000${t.stateChangeTime}`)
    .digest('hex')
    .slice(0, 32);
}

export type TimelineEventType =
  | 'ALARM'
  | 'ALARM_OK'
  | 'ALARM_INSUFFICIENT_DATA'
  | 'INCIDENT_OPENED'
  | 'OUTAGE_CONFIRMED'
  | 'FALSE_ALARM'
  | 'ASSESSED'
  | 'APPROVAL_REQUESTED'
  | 'APPROVAL_ACKNOWLEDGED'
  | 'APPROVED'
  | 'REJECTED'
  | 'APPROVAL_TIMED_OUT'
  | 'NOTICE_SENT'
  | 'RECOVERY_STARTED'
  | 'CACHE_AVAILABLE'
  | 'CUT_OVER'
  | 'VERIFIED'
  | 'REHYDRATED'
  | 'DATA_VERIFIED'
  | 'RESOLVED'
  | 'FAILED'
  | 'ESCALATED'
  | 'REDRIVE_REQUESTED'
  | 'REDRIVEN'
  | 'REPORT_DRAFTED'
  | 'REPORT_EDITED'
  | 'OPERATORS_TOLD';

export interface TimelineEvent {
  at: string;
  type: TimelineEventType;
  message: string;
  detail?: Record<string, unknown>;
}

/** What the incident record holds. */
export interface Incident {
  incidentId: string;
  cacheId: string;
  status: IncidentStatus;
  openedAt: string;
  executionName: string;
  /** Written by the workflow's first step. */
  executionArn?: string;
  plan?: RecoveryPlan;
  previousEndpoint?: Endpoint;
  newEndpoint?: Endpoint;
  /** When clients could use the cache again (cut-over verified). */
  restoredAt?: string;
  resolvedAt?: string;
  failedAt?: string;
  error?: { error: string; cause: string };
  /** What the workflow's own check saw before any customer notice. */
  confirmation?: ConfirmationFacts;
  /** When the workflow's own check confirmed the outage (before the first customer notice). */
  confirmedAt?: string;
  /** When the confirmation window ended with the cache answering throughout. */
  falseAlarmAt?: string;
  /** The workflow attempt that last failed or reopened the incident: 0, then one more per redrive. */
  attempt?: number;
  /** The incident group, copied from the execution input by Confirm Outage (until then the open-incident lock holds it). */
  groupId?: string;
}

/** Outage: opened → restored. Degraded: restored → resolved. Seconds, rounded. */
export function durationsOf(incident: Pick<Incident, 'openedAt' | 'restoredAt' | 'resolvedAt'>): {
  outageSeconds?: number;
  degradedSeconds?: number;
  totalSeconds?: number;
} {
  const opened = Date.parse(incident.openedAt);
  const restored = incident.restoredAt ? Date.parse(incident.restoredAt) : undefined;
  const resolved = incident.resolvedAt ? Date.parse(incident.resolvedAt) : undefined;
  const out: { outageSeconds?: number; degradedSeconds?: number; totalSeconds?: number } = {};
  const end = restored ?? resolved;
  if (end !== undefined) out.outageSeconds = Math.max(0, Math.round((end - opened) / 1000));
  if (restored !== undefined && resolved !== undefined)
    out.degradedSeconds = Math.max(0, Math.round((resolved - restored) / 1000));
  if (resolved !== undefined) out.totalSeconds = Math.max(0, Math.round((resolved - opened) / 1000));
  return out;
}

/** A stale transition (delivered late, e.g. after a day of EventBridge retries) opens no incident. */
export function isStale(stateChangeTime: string, now: Date, maxAgeSeconds: number): boolean {
  return now.getTime() - Date.parse(stateChangeTime) > maxAgeSeconds * 1000;
}

/** What the workflow's own check saw before any customer notice: what failed, how, from where. */
export function describeConfirmation(c: ConfirmationFacts): string {
  const answered = c.pings.filter((p) => p.ok).length;
  const how = c.confirmed
    ? `PING ${c.pings.length} failed: ${c.error ?? 'no answer'}`
    : `${answered} of ${c.pings.length} PINGs answered over ${c.windowSeconds} s`;
  const delay = c.alarmToDecisionSeconds !== undefined ? `; ${c.alarmToDecisionSeconds} s after the alarm` : '';
  return `${c.endpoint} through ${c.through}${c.auth ? ' with AUTH' : ''}, from ${c.from}: ${how}${delay}`;
}
