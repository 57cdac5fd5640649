/**
 * Drafts the post-incident report from the incident record alone: the
 * incident, its timeline, the notices as sent, the approvals and, for a
 * provider outage, its group. Pure: the same record always gives the same
 * report (but for `generatedAt`).
 */
import { durationsOf, type RecoveryPlan } from '../incident';
import { STAGE_LABELS, STATUS_LABELS, TIMELINE_LABELS, label, planName } from '../labels';
import { clockTime, durationText, fullTime } from '../time-labels';
import { timeBarOf } from './bar';
import { assessedFacts, failureFacts, rehydrationFacts } from './facts';
import {
  approvalLines,
  detectionSection,
  failureSection,
  groupSection,
  recoverySection,
  rootCauseSection,
  words,
  type TimeOf,
} from './sections';
import { suggestionsFrom } from './suggestions';
import type { PostIncidentReport, ReportInput, ReportSpan, SentNotice, Suggestion, SuggestionChoice } from './types';

/** How the service came back, as a customer reads it. */
const HOW_RESTORED: Readonly<Record<RecoveryPlan, string>> = {
  RECOVERED: 'The cache recovered by itself',
  PROMOTE_REPLICA: 'Service was restored by switching to a replica of the cache',
  PROMOTE_STANDBY: 'Service was restored by switching to a standby copy of the cache',
  GLOBAL_FAILOVER: 'Service was restored by switching to a copy of the cache in another region',
  PROVISION_FROM_BACKUP: 'Service was restored on a replacement cache built from a backup',
  ESCALATE: 'Service was restored by the operators',
};

export const OPERATOR_SECTIONS: PostIncidentReport['operatorSections'] = [
  {
    id: 'root-cause',
    title: 'Root cause beyond what was observed',
    hint: 'Why the cache failed, as the operators found out.',
  },
  { id: 'action-items', title: 'Action items', hint: 'Each with an owner and a date.' },
];

export function buildReport(input: ReportInput): PostIncidentReport {
  const { incident, timeline, zone, now } = input;
  const firstDay = new Date(incident.openedAt);
  // An incident shorter than ten minutes reads to the second: minutes alone would give "from 05:57 to 05:57".
  // (Editing the report afterwards does not make the incident longer.)
  const lastAt = timeline
    .filter((e) => e.type !== 'REPORT_EDITED')
    .reduce((latest, e) => (e.at > latest ? e.at : latest), incident.openedAt);
  const seconds = Date.parse(lastAt) - firstDay.getTime() < 600_000;
  const timeOf: TimeOf = (at) => ({ at, clock: clockTime(at, zone, firstDay, { seconds }), full: fullTime(at, zone) });
  const span = (from: string, to: string, measured?: unknown): ReportSpan => {
    const seconds =
      typeof measured === 'number' ? measured : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
    return { from: timeOf(from), to: timeOf(to), seconds, duration: durationText(seconds) };
  };

  const assessed = assessedFacts(timeline);
  const rehydration = rehydrationFacts(timeline);
  const failure = failureFacts(timeline);
  const plan = incident.plan ?? (assessed?.plan as RecoveryPlan | undefined);
  const backupAgeAtOutageMinutes =
    assessed?.backup?.ageMinutes !== undefined
      ? Math.max(
          0,
          Math.round(assessed.backup.ageMinutes - (Date.parse(assessed.at) - Date.parse(incident.openedAt)) / 60_000),
        )
      : undefined;
  const approvals = approvalLines(input.approvals, timeOf, now);
  const notices = noticesOf(input);

  // Outage: opened → clients served again; degraded: → resolved (durationsOf, as Close Incident measured them).
  const restoredAt = incident.restoredAt ?? (plan === 'RECOVERED' ? incident.resolvedAt : undefined);
  const outageEnd = restoredAt ?? incident.resolvedAt;
  const outage =
    incident.status === 'FALSE_ALARM'
      ? undefined
      : outageEnd
        ? span(incident.openedAt, outageEnd, incident.outageSeconds)
        : incident.failedAt
          ? span(incident.openedAt, incident.failedAt)
          : undefined;
  const degraded =
    restoredAt && incident.resolvedAt ? span(restoredAt, incident.resolvedAt, incident.degradedSeconds) : undefined;
  const measured = durationsOf({ openedAt: incident.openedAt, restoredAt, resolvedAt: incident.resolvedAt });

  const report: PostIncidentReport = {
    incidentId: incident.incidentId,
    cacheId: incident.cacheId,
    status: incident.status,
    statusLabel: label(STATUS_LABELS, incident.status),
    ...(plan ? { plan } : {}),
    planLabel: planName(plan),
    title: `Post-incident report: ${incident.cacheId}, ${dayOf(incident.openedAt, zone.name)}`,
    zone: zone.label,
    day: dayOf(incident.openedAt, zone.name),
    generatedAt: now.toISOString(),
    summary: summaryOf(input, plan, outage, degraded, timeOf),
    detection: detectionSection(input, timeOf, approvals),
    rootCause: rootCauseSection(assessed, backupAgeAtOutageMinutes, plan),
    recovery: recoverySection(input, timeOf, rehydration),
    impact: {
      title: 'Impact',
      lines: impactLines(outage, degraded, incident.status),
      ...(outage ? { outage } : {}),
      ...(degraded ? { degraded } : {}),
      ...(incident.resolvedAt && measured.totalSeconds !== undefined
        ? { total: span(incident.openedAt, incident.resolvedAt) }
        : {}),
    },
    communication: {
      title: 'Customer Communication',
      notices: notices.map((n) => ({ ...n, stageLabel: label(STAGE_LABELS, n.stage), time: timeOf(n.sentAt) })),
    },
    timeline: {
      title: 'Timeline',
      events: timeline.map((e) => ({
        time: timeOf(e.at),
        label: label(TIMELINE_LABELS, e.type),
        // An operator's own words stay as written.
        text: e.type === 'REPORT_EDITED' ? e.message : words(e.message, zone, incident),
      })),
    },
    suggestions: {
      title: 'Suggested corrective measures',
      items: withDecisions(
        input,
        suggestionsFrom({
          ...(plan ? { plan } : {}),
          ...(assessed ? { assessed } : {}),
          ...(backupAgeAtOutageMinutes !== undefined && plan === 'PROVISION_FROM_BACKUP'
            ? { backupAgeAtOutageMinutes }
            : {}),
          approvals,
          ...(outage ? { outageSeconds: outage.seconds } : {}),
          ...(rehydration ? { rehydration } : {}),
        }),
      ),
    },
    operatorSections: operatorSectionsOf(input),
    ...(input.notes && input.notes.version > 0
      ? {
          notes: {
            version: input.notes.version,
            ...(input.notes.updatedBy ? { updatedBy: input.notes.updatedBy } : {}),
            ...(input.notes.updatedAt ? { updatedAt: timeOf(input.notes.updatedAt) } : {}),
          },
        }
      : {}),
    bar: timeBarOf(incident, timeline, notices, now, (at) => timeOf(at).clock),
  };
  if (incident.status === 'FAILED') report.failure = failureSection(input, timeOf, failure);
  const group = groupSection(input);
  if (group) report.group = group;
  return report;
}

/** The operator sections, with what the operators wrote in them. */
function operatorSectionsOf(input: ReportInput): PostIncidentReport['operatorSections'] {
  const notes = input.notes;
  return OPERATOR_SECTIONS.map((s) => {
    if (s.id === 'root-cause' && notes?.rootCause) return { ...s, text: notes.rootCause };
    if (s.id === 'action-items' && notes?.actionItems.length) return { ...s, items: notes.actionItems };
    return s;
  });
}

/** Each suggestion with the operators' decision, and who took it: the last edit on the timeline that set it. */
function withDecisions(input: ReportInput, items: Suggestion[]): (Suggestion & SuggestionChoice)[] {
  return items.map((s) => {
    const decision = input.notes?.suggestions[s.id];
    if (!decision) return s;
    const edit = input.timeline
      .filter((e) => e.type === 'REPORT_EDITED')
      .reverse()
      .find((e) => (e.detail?.suggestions as Record<string, unknown> | undefined)?.[s.id] === decision);
    const by = typeof edit?.detail?.by === 'string' ? edit.detail.by : input.notes?.updatedBy;
    return { ...s, decision, ...(by ? { decidedBy: by } : {}) };
  });
}

/** The notices as sent, oldest first; from the timeline when the notice log holds none. */
function noticesOf(input: ReportInput): SentNotice[] {
  if (input.notices.length) return [...input.notices].sort((a, b) => (a.sentAt < b.sentAt ? -1 : 1));
  return input.timeline
    .filter((e) => e.type === 'NOTICE_SENT' && typeof e.detail?.stage === 'string')
    .map((e) => ({
      stage: e.detail?.stage as SentNotice['stage'],
      subject: e.message.replace(/^.*? notice sent(?: for group \S+)?: /, ''),
      text: '',
      sentAt: e.at,
    }));
}

function summaryOf(
  input: ReportInput,
  plan: RecoveryPlan | undefined,
  outage: ReportSpan | undefined,
  degraded: ReportSpan | undefined,
  timeOf: TimeOf,
): string {
  const { incident } = input;
  const day = dayOf(incident.openedAt, input.zone.name);
  const cache = `the ${incident.cacheId} cache`;
  const others = Object.keys(input.group?.members ?? {}).length;
  const shared =
    others > 1
      ? ` It was one of ${others} caches${input.group?.provider ? ` of ${input.group.provider}` : ''} affected at the same time.`
      : '';
  if (incident.status === 'FALSE_ALARM') {
    return `On ${day} at ${timeOf(incident.openedAt).clock}, an alarm reported ${cache} unreachable. The recovery workflow's own check found it answering, so nothing was changed and customers were not notified.`;
  }
  const start = `A service interruption made ${cache} unavailable from ${timeOf(incident.openedAt).clock}`;
  if (incident.status === 'FAILED' || incident.status === 'OPEN') {
    const until = incident.failedAt
      ? `; the automated recovery stopped at ${timeOf(incident.failedAt).clock} and the operators were called in`
      : '';
    return `${start} on ${day}${until}.${shared}`;
  }
  const restored = outage ? ` to ${outage.to.clock} on ${day}, about ${outage.duration}.` : ` on ${day}.`;
  const how = plan ? ` ${HOW_RESTORED[plan]}.` : '';
  const rest =
    degraded && degraded.seconds > 0
      ? ` Some data was still being restored until ${degraded.to.clock} (${degraded.duration} of partially degraded service), when all aspects of the service were back.`
      : ' All aspects of the service were back at that time.';
  return `${start}${restored}${how}${rest}${shared}`;
}

function impactLines(outage: ReportSpan | undefined, degraded: ReportSpan | undefined, status: string): string[] {
  if (status === 'FALSE_ALARM') return ['No outage: the cache answered throughout.'];
  const lines: string[] = [];
  if (outage) {
    lines.push(
      `Outage: ${outage.duration}, from ${outage.from.clock} to ${outage.to.clock}${status === 'FAILED' ? ' (when the recovery stopped; the cache was still down)' : ''}.`,
    );
  }
  if (degraded) {
    lines.push(`Partially degraded: ${degraded.duration}, from ${degraded.from.clock} to ${degraded.to.clock}.`);
  }
  if (!lines.length) lines.push('The outage is not over yet.');
  return lines;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** "Friday, February 16, 2024", in the zone. */
function dayOf(iso: string, zoneName: string): string {
  let f = dayFormats.get(zoneName);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zoneName,
      weekday: 'long',
      month: 'long',
      day: 'numeric',
      year: 'numeric',
    });
    dayFormats.set(zoneName, f);
  }
  return f.format(new Date(iso));
}
