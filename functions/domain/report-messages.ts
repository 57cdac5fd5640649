/**
 * The operators' messages that point at a post-incident report: the
 * "resolved" message Close Incident sends once a cache is back (one per
 * incident, or one per provider outage once its last cache closed), and the
 * lines a failed incident's escalation adds about its report.
 */
import { MEMBER_STATE_LABELS } from './labels';
import type { PostIncidentReport } from './report/types';
import { durationText } from './time-labels';

/** Where the drafted report was stored, or why it was not; undefined when no reports bucket is configured. */
export type ReportStorage = { stored: true; location: string } | { stored: false; error: string } | undefined;

/** One closed incident: its measured durations, its report when it could be drafted, and where to read it. */
export interface ClosedCache {
  incidentId: string;
  cacheId: string;
  outageSeconds?: number | undefined;
  degradedSeconds?: number | undefined;
  report?: Pick<PostIncidentReport, 'summary' | 'impact' | 'suggestions'> | undefined;
  /** The report's page in the console, through its sign-in. */
  reportLink?: string | undefined;
  storage: ReportStorage;
}

export interface OperatorText {
  subject: string;
  text: string;
}

/** SNS takes subjects of at most 100 characters. */
const SUBJECT_MAX = 100;

/** "outage 8 s, degraded 6 s", as the report writes them (the measured seconds when it has none). */
export function durationsLine(c: Pick<ClosedCache, 'outageSeconds' | 'degradedSeconds' | 'report'>): string {
  const outage =
    c.report?.impact.outage?.duration ?? (c.outageSeconds !== undefined ? durationText(c.outageSeconds) : undefined);
  const degraded =
    c.report?.impact.degraded?.duration ??
    (c.degradedSeconds !== undefined ? durationText(c.degradedSeconds) : undefined);
  return [outage ? `outage ${outage}` : undefined, degraded ? `degraded ${degraded}` : undefined]
    .filter(Boolean)
    .join(', ');
}

/** Where the report is: its console page and its S3 location, or why it was not stored. */
export function reportLines(c: Pick<ClosedCache, 'incidentId' | 'reportLink' | 'storage'>, indent = '  - '): string[] {
  return [
    ...(c.reportLink ? [`${indent}in the console: ${c.reportLink}`] : []),
    `${indent}from a terminal: cache-outage report ${c.incidentId}`,
    c.storage === undefined
      ? `${indent}not stored in S3: no reports bucket is configured`
      : c.storage.stored
        ? `${indent}stored in S3 at ${c.storage.location}`
        : `${indent}not stored in S3: ${c.storage.error}`,
  ];
}

/** The message to the operators when one cache's incident is resolved. */
export function resolvedMessage(c: ClosedCache): OperatorText {
  const durations = durationsLine(c);
  const subject = `Resolved: ${c.cacheId}${durations ? ` \u2014 ${durations}` : ''}`.slice(0, SUBJECT_MAX);
  const report = c.report;
  const lines = [
    `Incident ${c.incidentId}: cache ${c.cacheId} is back${durations ? ` (${durations})` : ''}.`,
    ...(report
      ? [
          '',
          report.summary,
          '',
          `${report.impact.title}:`,
          ...report.impact.lines.map((l) => `  - ${l}`),
          ...suggestionLines(report),
        ]
      : []),
    '',
    'Post-incident report:',
    ...reportLines(c),
  ];
  return { subject, text: lines.join('\n') };
}

/** A member of a provider outage as the group's resolved message lists it. */
export interface GroupOutcome {
  cacheId: string;
  incidentId: string;
  /** The member's state in the group (RESOLVED, FALSE_ALARM, REJECTED, RELEASED, FAILED…). */
  state: string;
  /** For a resolved member: its durations, report and links. */
  closed?: ClosedCache;
}

/** The one message to the operators once the last cache of a provider outage is closed. */
export function groupResolvedMessage(
  group: { groupId: string; provider?: string | undefined },
  members: GroupOutcome[],
): OperatorText {
  const down = members.filter((m) => m.state !== 'FALSE_ALARM');
  const resolved = members.filter((m) => m.state === 'RESOLVED').length;
  const who = group.provider ? `outage of ${group.provider}` : 'provider outage';
  const subject = `Resolved: ${who}, ${resolved} of ${down.length} caches back`.slice(0, SUBJECT_MAX);
  const lines = [
    `Provider outage ${group.groupId}: the last of its caches is closed.`,
    ...members.flatMap((m) => memberLines(m)),
    '',
    'Every cache of the outage, in one row: cache-outage incidents',
  ];
  return { subject, text: lines.join('\n') };
}

function memberLines(m: GroupOutcome): string[] {
  const c = m.closed;
  const durations = c ? durationsLine(c) : '';
  const head = `${m.cacheId} (incident ${m.incidentId}): ${MEMBER_STATE_LABELS[m.state] ?? m.state}${durations ? `, ${durations}` : ''}`;
  if (!c) return ['', head];
  return [
    '',
    head,
    ...(c.report ? [`  ${c.report.summary}`, ...suggestionLines(c.report, '  ')] : []),
    '  Post-incident report:',
    ...reportLines(c, '    - '),
  ];
}

function suggestionLines(report: Pick<PostIncidentReport, 'suggestions'>, indent = ''): string[] {
  const items = report.suggestions.items;
  if (!items.length) return [];
  return [
    ...(indent ? [] : ['']),
    `${indent}${report.suggestions.title}:`,
    ...items.map((s) => `${indent}  - ${s.title}`),
  ];
}

/** The lines a failed incident's escalation adds: its report, drafted as the operators are told. */
export function failedReportLines(c: Pick<ClosedCache, 'incidentId' | 'reportLink'>, location?: string): string[] {
  return [
    'Post-incident report (what was tried, where it stopped, who was told), drafted as this message goes out:',
    ...(c.reportLink ? [`  - in the console: ${c.reportLink}`] : []),
    `  - from a terminal: cache-outage report ${c.incidentId}`,
    ...(location
      ? [`  - stored in S3 at ${location} (if it could not be stored, the incident's timeline says why)`]
      : []),
  ];
}
