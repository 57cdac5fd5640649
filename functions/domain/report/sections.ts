/** The report's middle sections: detection and response, root cause as observed, recovery, failure, group. */
import { describeConfirmation, type Incident, type TimelineEvent, type TimelineEventType } from '../incident';
import {
  APPROVAL_STATUS_LABELS,
  APPROVAL_STEP_LABELS,
  MEMBER_STATE_LABELS,
  TIMELINE_LABELS,
  label,
  planName,
} from '../labels';
import { plainWords } from '../progress';
import { durationText, readableTimes, type TimeZone } from '../time-labels';
import { alarmFacts, type AssessedFacts, type FailureFacts, type RehydrationFacts } from './facts';
import type { ApprovalLine, PostIncidentReport, ReportApproval, ReportInput, ReportTime } from './types';

export type TimeOf = (iso: string) => ReportTime;

const seconds = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** When the workflow began its own check: the first PING of Confirm Outage, else its first step's record. */
export function workflowStartOf(incident: Incident, timeline: TimelineEvent[]): string | undefined {
  const ping = incident.confirmation?.pings[0]?.at;
  if (ping) return ping;
  return timeline.find((e) => !['ALARM', 'ALARM_OK', 'ALARM_INSUFFICIENT_DATA', 'INCIDENT_OPENED'].includes(e.type))
    ?.at;
}

export function approvalLines(approvals: ReportApproval[], timeOf: TimeOf, now: Date): ApprovalLine[] {
  return [...approvals]
    .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1))
    .map((a) => {
      const waitedSeconds = seconds(a.requestedAt, a.decidedAt ?? now.toISOString());
      return {
        step: a.step,
        stepLabel: label(APPROVAL_STEP_LABELS, a.step),
        status: a.status,
        statusLabel: label(APPROVAL_STATUS_LABELS, a.status),
        requestedAt: timeOf(a.requestedAt),
        ...(a.decidedAt ? { decidedAt: timeOf(a.decidedAt) } : {}),
        ...(a.decidedBy ? { decidedBy: a.decidedBy } : {}),
        ...(a.reason ? { reason: a.reason } : {}),
        waitedSeconds,
        waited: durationText(waitedSeconds),
      };
    });
}

export function detectionSection(
  input: ReportInput,
  timeOf: TimeOf,
  approvals: ApprovalLine[],
): PostIncidentReport['detection'] {
  const { incident, timeline } = input;
  const alarm = alarmFacts(timeline, incident.cacheId);
  const started = workflowStartOf(incident, timeline);
  const lines: string[] = [];
  if (alarm) {
    const by =
      alarm.detectedBy === 'probe'
        ? 'the synthetic probe, which PINGs the cache from inside its network and found it not answering'
        : alarm.detectedBy === 'metric'
          ? `an ElastiCache metric alarm${alarm.metric ? ` on ${alarm.metric}` : ''}`
          : 'a CloudWatch alarm';
    lines.push(`The first alarm, ${alarm.alarmName}, fired at ${timeOf(alarm.at).clock}: raised by ${by}.`);
  }
  if (started && alarm) {
    lines.push(
      `The recovery workflow began its own check ${durationText(seconds(alarm.at, started))} after the alarm.`,
    );
  }
  if (incident.confirmation) {
    const c = incident.confirmation;
    lines.push(
      `${c.confirmed ? 'It confirmed the outage' : 'It found the cache answering'}${incident.confirmedAt ? ` at ${timeOf(incident.confirmedAt).clock}` : ''}: ${readableTimes(describeConfirmation(c), input.zone, new Date(incident.openedAt))}.`,
    );
  }
  for (const a of approvals) {
    const decided = a.decidedAt
      ? `${a.statusLabel.toLowerCase()}${a.decidedBy ? ` by ${a.decidedBy}` : ''} at ${a.decidedAt.clock}`
      : a.status === 'PENDING'
        ? 'still waiting for a decision'
        : a.statusLabel.toLowerCase();
    lines.push(
      `Approval of the ${a.stepLabel.toLowerCase()} requested at ${a.requestedAt.clock}: ${decided}, after waiting ${a.waited}${a.reason ? ` ("${a.reason}")` : ''}.`,
    );
  }
  if (!lines.length) lines.push('The record holds no alarm for this incident.');
  return {
    title: 'Detection and Response',
    lines,
    ...(alarm ? { firstAlarm: { ...timeOf(alarm.at), alarmName: alarm.alarmName } } : {}),
    detectedBy: alarm?.detectedBy ?? 'unknown',
    ...(started ? { workflowStartedAt: timeOf(started) } : {}),
    ...(started && alarm ? { secondsToWorkflow: seconds(alarm.at, started) } : {}),
    approvals,
  };
}

export function rootCauseSection(
  assessed: AssessedFacts | undefined,
  backupAgeAtOutageMinutes: number | undefined,
  plan: string | undefined,
): PostIncidentReport['rootCause'] {
  const lines: string[] = [];
  if (!assessed) {
    return { title: 'Root Cause as observed', lines: ['The outage was not assessed: the workflow stopped before.'] };
  }
  if (assessed.primaryReachable === true) lines.push('The primary answered PING again when the outage was assessed.');
  if (assessed.primaryReachable === false) {
    lines.push(`The primary was unreachable${assessed.primaryError ? `: ${assessed.primaryError}` : ''}.`);
  }
  lines.push(assessed.replica ? `Replica ${assessed.replica} was healthy.` : 'No healthy replica was found.');
  if (assessed.standby) lines.push(`The warm standby ${assessed.standby} answered.`);
  if (assessed.rejectedStandby) lines.push(`The warm standby was not used: ${assessed.rejectedStandby}.`);
  lines.push(
    assessed.globalSecondary
      ? `A cross-region secondary existed: ${assessed.globalSecondary}.`
      : 'No cross-region secondary existed.',
  );
  if (assessed.backup) {
    const age =
      backupAgeAtOutageMinutes !== undefined ? `, ${backupAgeAtOutageMinutes} min old when the outage began` : '';
    const used = plan === 'PROVISION_FROM_BACKUP' ? 'The backup used was' : 'The newest usable backup was';
    lines.push(`${used} ${assessed.backup.key}${age}.`);
  } else {
    lines.push('No usable backup was found.');
  }
  for (const b of assessed.rejectedBackups) lines.push(`Backup ${b.key} was not used: ${b.reason}.`);
  lines.push(`Decision: ${planName(assessed.plan)}${assessed.reason ? `, because ${assessed.reason}` : ''}.`);
  return {
    title: 'Root Cause as observed',
    lines,
    ...(assessed.primaryReachable !== undefined ? { primaryReachable: assessed.primaryReachable } : {}),
    ...(assessed.replica ? { replica: assessed.replica } : {}),
    ...(assessed.backup
      ? {
          backup: {
            key: assessed.backup.key,
            ...(backupAgeAtOutageMinutes !== undefined ? { ageMinutesAtOutage: backupAgeAtOutageMinutes } : {}),
          },
        }
      : {}),
  };
}

const RECOVERY_STEPS: readonly TimelineEventType[] = [
  'RECOVERY_STARTED',
  'CACHE_AVAILABLE',
  'CUT_OVER',
  'VERIFIED',
  'REHYDRATED',
  'DATA_VERIFIED',
  'RESOLVED',
];

export function recoverySection(
  input: ReportInput,
  timeOf: TimeOf,
  rehydration: RehydrationFacts | undefined,
): PostIncidentReport['recovery'] {
  const { incident, timeline, zone } = input;
  const lines: string[] = [`Plan: ${planName(incident.plan)}.`];
  for (const e of timeline.filter((t) => RECOVERY_STEPS.includes(t.type))) {
    if (e.type === 'REHYDRATED' && rehydration) {
      const kinds = Object.entries(rehydration.byKind)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      lines.push(
        `${timeOf(e.at).clock}: ${rehydration.written} keys written back from the source of truth in ${durationText(rehydration.seconds)}${kinds ? ` (${kinds})` : ''}${rehydration.expiredSkipped ? `; ${rehydration.expiredSkipped} expired keys skipped` : ''}.`,
      );
      continue;
    }
    lines.push(`${timeOf(e.at).clock}: ${label(TIMELINE_LABELS, e.type)}: ${words(e.message, zone, incident)}.`);
  }
  return {
    title: 'Recovery and Restoration',
    lines,
    ...(rehydration
      ? { rehydration: { written: rehydration.written, byKind: rehydration.byKind, seconds: rehydration.seconds } }
      : {}),
  };
}

export function failureSection(
  input: ReportInput,
  timeOf: TimeOf,
  failure: FailureFacts | undefined,
): PostIncidentReport['failure'] {
  const { incident, timeline, zone } = input;
  const lines: string[] = [];
  const tried = timeline.filter((e) => ['RECOVERY_STARTED', 'CACHE_AVAILABLE', 'CUT_OVER'].includes(e.type));
  lines.push(
    tried.length
      ? `Tried: ${[...(incident.plan ? [planName(incident.plan).toLowerCase()] : []), ...tried.map((e) => words(e.message, zone, incident))].join('; ')}.`
      : `Tried: ${incident.plan ? planName(incident.plan).toLowerCase() : 'nothing was changed on the cache'}.`,
  );
  const where = failure?.state ?? (failure ? undefined : incident.error?.error);
  const why = failure?.cause ?? incident.error?.cause;
  lines.push(
    `Stopped${where ? ` at ${where}` : ''}${failure ? ` at ${timeOf(failure.at).clock}` : ''}${why ? `: ${failure?.error ? `${failure.error}: ` : ''}${why}` : ''}.`,
  );
  for (const e of timeline.filter(
    (t) => t.type === 'ESCALATED' || t.type === 'REJECTED' || t.type === 'APPROVAL_TIMED_OUT',
  )) {
    lines.push(`${timeOf(e.at).clock}: ${labelled(label(TIMELINE_LABELS, e.type), words(e.message, zone, incident))}.`);
  }
  if (!timeline.some((e) => e.type === 'ESCALATED')) lines.push('No escalation to the operators is on the record.');
  return { title: 'Where the recovery stopped', lines };
}

export function groupSection(input: ReportInput): PostIncidentReport['group'] {
  const g = input.group;
  if (!g) return undefined;
  const members = Object.entries(g.members).sort(([, a], [, b]) => (a.joinedAt < b.joinedAt ? -1 : 1));
  if (members.length < 2) return undefined;
  return {
    title: 'Other caches in the same outage',
    lines: [
      `${members.length} caches${g.provider ? ` of ${g.provider}` : ''} failed together (incident group ${g.groupId}).`,
      ...members.map(
        ([id, m]) =>
          `${m.cacheId}${id === input.incident.incidentId ? ' (this report)' : ''}: ${label(MEMBER_STATE_LABELS, m.state)}.`,
      ),
    ],
  };
}

/** "Label: message", unless the message already starts with the label's words. */
function labelled(name: string, message: string): string {
  if (!message.toLowerCase().startsWith(name.toLowerCase())) return `${name}: ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** A step's message as a sentence: times in the zone, no trailing full stop. */
export function words(message: string, zone: TimeZone, incident: Pick<Incident, 'openedAt'>): string {
  return plainWords(readableTimes(message, zone, new Date(incident.openedAt))).replace(/\.$/, '');
}
