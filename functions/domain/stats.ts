/**
 * Reliability over time: what a quarterly review asks of the incidents of a
 * window, per cache and overall. How long detection took, how long until the
 * recovery plan started, the outage and degraded minutes of an incident
 * (median and worst), and how many recoveries needed an operator.
 *
 * What each number measures, from the incident record and its timeline:
 * - detect: the alarm's state change (the incident opens at it) → the
 *   workflow's own check confirmed the outage (`confirmedAt`);
 * - recovery start: opened → the recovery plan started (the first
 *   RECOVERY_STARTED entry, written by Promote or Provision);
 * - outage: opened → the cache served clients again; degraded: from then →
 *   resolved (as `durationsOf` measures them);
 * - operator needed: an approval was requested, or operators were escalated to
 *   (or the plan was to escalate).
 *
 * A provider outage (an incident group) counts once in the overall line, as one
 * event from its first alarm to its last cache resolved; each of its caches
 * counts under its own cache. False alarms are counted apart, never measured.
 */
import { ValidationError } from './errors';
import type { Incident, IncidentStatus, TimelineEvent } from './incident';
import { durationText } from './time-labels';

/** One incident (or, overall, one event) as the statistics see it: instants, all ISO 8601. */
export interface IncidentFacts {
  incidentId: string;
  cacheId: string;
  /** The incident group; the incident itself for a cache without provider. */
  groupId: string;
  status: IncidentStatus;
  /** The alarm's state change, when the incident opened. */
  openedAt: string;
  /** The workflow's own check confirmed the outage. */
  confirmedAt?: string;
  /** The recovery plan started (promote or provision). */
  recoveryStartedAt?: string;
  /** The cache served clients again: the end of the outage. */
  restoredAt?: string;
  resolvedAt?: string;
  operatorNeeded: boolean;
}

/** Median and worst of what was measured, in seconds; `count` says of how many incidents. */
export interface Spread {
  count: number;
  medianSeconds?: number;
  worstSeconds?: number;
}

export interface ReliabilityLine {
  /** The cache's id, or "overall". */
  scope: string;
  /** Incidents (overall: events) that were not false alarms. */
  incidents: number;
  /** Incidents (overall: events) that were only false alarms. */
  falseAlarms: number;
  resolved: number;
  failed: number;
  open: number;
  detect: Spread;
  recoveryStart: Spread;
  outage: Spread;
  degraded: Spread;
  /** Of `incidents`, how many needed an operator. */
  operatorNeeded: number;
}

export interface Reliability {
  overall: ReliabilityLine;
  /** By cache id. */
  caches: ReliabilityLine[];
}

const OPERATOR_EVENTS = new Set<TimelineEvent['type']>(['APPROVAL_REQUESTED', 'ESCALATED']);

/** What the statistics read off one incident's record and timeline (oldest first). */
export function factsOf(incident: Incident, timeline: TimelineEvent[]): IncidentFacts {
  const confirmedAt = incident.confirmedAt ?? (incident.confirmation?.confirmed ? incident.confirmation.at : undefined);
  const recoveryStartedAt = timeline.find((e) => e.type === 'RECOVERY_STARTED')?.at;
  // As durationsOf: without a recorded restoration, the outage ends when the incident was resolved.
  const restoredAt = incident.restoredAt ?? incident.resolvedAt;
  return {
    incidentId: incident.incidentId,
    cacheId: incident.cacheId,
    groupId: incident.groupId ?? incident.incidentId,
    status: incident.status,
    openedAt: incident.openedAt,
    ...(confirmedAt ? { confirmedAt } : {}),
    ...(recoveryStartedAt ? { recoveryStartedAt } : {}),
    ...(restoredAt ? { restoredAt } : {}),
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    operatorNeeded: incident.plan === 'ESCALATE' || timeline.some((e) => OPERATOR_EVENTS.has(e.type)),
  };
}

/** The middle value (the mean of the two middle ones for an even count) and the largest, rounded to the second. */
export function spread(values: number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (!n) return { count: 0 };
  const mid = Math.floor(n / 2);
  const median = n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { count: n, medianSeconds: Math.round(median), worstSeconds: Math.round(sorted[n - 1] as number) };
}

const between = (from: string | undefined, to: string | undefined): number | undefined =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

const defined = (values: (number | undefined)[]): number[] => values.filter((v): v is number => v !== undefined);

const earliest = (values: (string | undefined)[]): string | undefined =>
  defined(values.map((v) => (v ? Date.parse(v) : undefined))).reduce<string | undefined>(
    (a, ms) => (a === undefined || ms < Date.parse(a) ? new Date(ms).toISOString() : a),
    undefined,
  );

/** The latest instant, only when every value has one (an event's outage ends with its last cache). */
const latestOfAll = (values: (string | undefined)[]): string | undefined =>
  values.length && values.every((v) => v !== undefined)
    ? new Date(Math.max(...values.map((v) => Date.parse(v as string)))).toISOString()
    : undefined;

/**
 * One incident group's members (false alarms aside) as one event: the first alarm, confirmation and recovery
 * start, the outage until its last cache was restored, degraded until its last cache was resolved.
 */
export function eventOf(members: IncidentFacts[]): IncidentFacts {
  const live = members.filter((m) => m.status !== 'FALSE_ALARM');
  const counted = live.length ? live : members;
  const first = [...counted].sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt))[0] as IncidentFacts;
  const has = (s: IncidentStatus) => counted.some((m) => m.status === s);
  const status: IncidentStatus = has('OPEN') ? 'OPEN' : has('FAILED') ? 'FAILED' : first.status;
  const confirmedAt = earliest(counted.map((m) => m.confirmedAt));
  const recoveryStartedAt = earliest(counted.map((m) => m.recoveryStartedAt));
  const restoredAt = latestOfAll(counted.map((m) => m.restoredAt));
  const resolvedAt = latestOfAll(counted.map((m) => m.resolvedAt));
  return {
    incidentId: first.incidentId,
    cacheId: first.cacheId,
    groupId: first.groupId,
    status,
    openedAt: first.openedAt,
    ...(confirmedAt ? { confirmedAt } : {}),
    ...(recoveryStartedAt ? { recoveryStartedAt } : {}),
    ...(restoredAt ? { restoredAt } : {}),
    ...(resolvedAt ? { resolvedAt } : {}),
    operatorNeeded: counted.some((m) => m.operatorNeeded),
  };
}

/** The line of a set of incidents (or events). */
export function lineOf(scope: string, all: IncidentFacts[]): ReliabilityLine {
  const real = all.filter((f) => f.status !== 'FALSE_ALARM');
  const count = (s: IncidentStatus) => real.filter((f) => f.status === s).length;
  return {
    scope,
    incidents: real.length,
    falseAlarms: all.length - real.length,
    resolved: count('RESOLVED'),
    failed: count('FAILED'),
    open: count('OPEN'),
    detect: spread(defined(real.map((f) => between(f.openedAt, f.confirmedAt)))),
    recoveryStart: spread(defined(real.map((f) => between(f.openedAt, f.recoveryStartedAt)))),
    outage: spread(defined(real.map((f) => between(f.openedAt, f.restoredAt)))),
    degraded: spread(
      defined(real.map((f) => (f.restoredAt && f.resolvedAt ? between(f.restoredAt, f.resolvedAt) : undefined))),
    ),
    operatorNeeded: real.filter((f) => f.operatorNeeded).length,
  };
}

function byKey<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Per cache (each incident under its own cache) and overall (each incident group once, as an event). */
export function reliabilityOf(facts: IncidentFacts[]): Reliability {
  const events = [...byKey(facts, (f) => f.groupId).values()].map(eventOf);
  const caches = [...byKey(facts, (f) => f.cacheId)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cacheId, of]) => lineOf(cacheId, of));
  return { overall: lineOf('overall', events), caches };
}

/** How far back a review looks when nobody says. */
export const DEFAULT_SINCE = '90d';

const RELATIVE = /^(\d{1,4})([dhw])$/;
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * The window's start: "90d", "12h", "2w" back from `now`, or an ISO 8601 date or date-time
 * ("2025-01-01", "2025-01-01T00:00:00Z"). ValidationError for anything else.
 */
export function sinceOf(text: string | undefined, now: Date): Date {
  const raw = (text ?? DEFAULT_SINCE).trim();
  const relative = RELATIVE.exec(raw);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(raw)
    ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw)
    : NaN;
  if (Number.isNaN(iso))
    throw new ValidationError('since', [
      { path: 'since', message: 'an ISO 8601 date (2025-01-01) or a span back from now (90d, 12h, 2w)' },
    ]);
  return new Date(iso);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "median 40 s · worst 1 h", "median 40 s · worst 1 h (2 of 3)" when some were not measured, or "–". */
export function spreadText(s: Spread, of: number): string {
  if (s.medianSeconds === undefined || s.worstSeconds === undefined) return '–';
  const partial = s.count < of ? ` (${s.count} of ${of})` : '';
  return `median ${durationText(s.medianSeconds)} · worst ${durationText(s.worstSeconds)}${partial}`;
}

/** "3 incidents · 1 false alarm · 2 needed an operator"; overall, incidents are events. */
export function countsText(line: ReliabilityLine): string {
  const what = line.scope === 'overall' ? 'event' : 'incident';
  const parts = [plural(line.incidents, what), plural(line.falseAlarms, 'false alarm')];
  if (line.failed) parts.push(`${line.failed} failed`);
  if (line.open) parts.push(`${line.open} open`);
  if (line.incidents) parts.push(`${line.operatorNeeded} needed an operator`);
  return parts.join(' · ');
}
