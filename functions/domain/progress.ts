/**
 * Where a recovery is, as a picture of its steps: Confirm outage → Assess →
 * Approval (when one was asked) → Recover → Cache ready → Cut over → Verify →
 * Write back data → Verify data → Resolved. Each step is done, current, to
 * come, skipped or where it stopped, with when it started and ended, read from
 * the timeline the workflow writes (one event ends each step) and the
 * incident's status. Pure: the console renders it and its live script
 * re-renders it from the same JSON.
 */
import type { IncidentStatus, RecoveryPlan, TimelineEvent, TimelineEventType } from './incident';
import {
  APPROVAL_STATUS_LABELS,
  APPROVAL_STEP_LABELS,
  EXECUTION_STATUS_LABELS,
  PLAN_LABELS,
  PROGRESS_STEP_LABELS,
  STAGE_LABELS,
  STATUS_LABELS,
  TIMELINE_LABELS,
  humanize,
} from './labels';

export type StepState = 'done' | 'current' | 'todo' | 'skipped' | 'failed';

export interface ProgressStep {
  id: string;
  label: string;
  state: StepState;
  startedAt?: string;
  endedAt?: string;
  /** How long the step took (done) or has taken so far at `now` (current). */
  seconds?: number;
}

export interface ProgressInput {
  status: IncidentStatus;
  openedAt: string;
  plan?: RecoveryPlan | string;
  /** Close Incident sets it a moment before its timeline entry: a view read in between still ends resolved. */
  resolvedAt?: string;
  timeline: readonly TimelineEvent[];
}

/** The event that ends each step, in order. */
const STEPS: readonly (readonly [string, readonly TimelineEventType[]])[] = [
  ['confirm', ['OUTAGE_CONFIRMED']],
  ['assess', ['ASSESSED']],
  ['approval', ['APPROVED', 'APPROVAL_TIMED_OUT']],
  ['recover', ['RECOVERY_STARTED']],
  ['cache', ['CACHE_AVAILABLE']],
  ['cutover', ['CUT_OVER']],
  ['verify', ['VERIFIED']],
  ['writeback', ['REHYDRATED']],
  ['verifydata', ['DATA_VERIFIED']],
  ['resolved', ['RESOLVED']],
];

const secondsBetween = (from: string, to: string): number =>
  Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

function stepLabel(id: string, plan: string | undefined): string {
  if (id === 'recover' && plan && plan in PLAN_LABELS) return PLAN_LABELS[plan as RecoveryPlan].name;
  return PROGRESS_STEP_LABELS[id] ?? humanize(id);
}

export function progressOf(input: ProgressInput, now: Date): ProgressStep[] {
  const first = (types: readonly TimelineEventType[]) => input.timeline.find((e) => types.includes(e.type));
  if (input.status === 'FALSE_ALARM') {
    const end = first(['FALSE_ALARM'])?.at;
    return [
      {
        id: 'false-alarm',
        label: PROGRESS_STEP_LABELS['false-alarm'] ?? 'False alarm',
        state: 'done',
        startedAt: input.openedAt,
        ...(end ? { endedAt: end, seconds: secondsBetween(input.openedAt, end) } : {}),
      },
    ];
  }
  const ends = STEPS.map(
    ([id, types]) =>
      first(types)?.at ?? (id === 'resolved' && input.status === 'RESOLVED' ? input.resolvedAt : undefined),
  );
  const asked = first(['APPROVAL_REQUESTED']);
  const lastDone = ends.reduce((last, at, i) => (at ? i : last), -1);
  const open = input.status === 'OPEN';
  let previousEnd = input.openedAt;
  let currentTaken = false;
  const steps: ProgressStep[] = [];
  STEPS.forEach(([id], i) => {
    const end = ends[i];
    const start = id === 'approval' && asked ? asked.at : previousEnd;
    if (id === 'approval' && !asked && !end && lastDone > i) return; // no approval was asked: not a step of this recovery
    const base = { id, label: stepLabel(id, input.plan) };
    if (end) {
      steps.push({ ...base, state: 'done', startedAt: start, endedAt: end, seconds: secondsBetween(start, end) });
      previousEnd = end;
    } else if (i < lastDone) {
      steps.push({ ...base, state: 'skipped' });
    } else if (!currentTaken && (open || input.status === 'FAILED')) {
      currentTaken = true;
      steps.push({
        ...base,
        state: open ? 'current' : 'failed',
        startedAt: start,
        ...(open ? { seconds: secondsBetween(start, now.toISOString()) } : {}),
      });
    } else {
      steps.push({ ...base, state: open ? 'todo' : 'skipped' });
    }
  });
  return steps;
}

const ENUM_TOKEN = /\b[A-Z]{2,}(?:_[A-Z]+)+\b|\b(?:ETA|RUNNING|SUCCEEDED|RESOLVED|INVESTIGATING)\b(?= notice)/g;
const TABLES: readonly Readonly<Record<string, string>>[] = [
  Object.fromEntries(Object.entries(PLAN_LABELS).map(([k, v]) => [k, v.name])),
  STAGE_LABELS,
  STATUS_LABELS,
  TIMELINE_LABELS,
  APPROVAL_STATUS_LABELS,
  EXECUTION_STATUS_LABELS,
];

/** A message as a person reads it: every enum name inside it (`PROVISION_FROM_BACKUP`, "ETA notice") in words. */
export function plainWords(text: string): string {
  const steps = Object.entries(APPROVAL_STEP_LABELS).reduce(
    (out, [id, words]) => out.replace(new RegExp(`\\b${id}\\b`, 'g'), `the ${words.toLowerCase()}`),
    text,
  );
  return steps.replace(ENUM_TOKEN, (token) => {
    for (const table of TABLES) {
      const word = table[token];
      if (word) return word;
    }
    return humanize(token);
  });
}

export interface LiveTimes {
  openedAt: string;
  status: IncidentStatus;
  restoredAt?: string;
  resolvedAt?: string;
  failedAt?: string;
  falseAlarmAt?: string;
}

/**
 * Elapsed, outage (opened → clients served again) and degraded (served again →
 * resolved) in seconds at `now`, counting while they run; undefined when a
 * span has not started. The console's live script computes the same each second.
 */
export function liveDurations(
  t: LiveTimes,
  now: Date,
): { elapsedSeconds: number; outageSeconds?: number; degradedSeconds?: number } {
  const open = t.status === 'OPEN';
  const end = t.resolvedAt ?? t.failedAt ?? t.falseAlarmAt ?? (open ? now.toISOString() : t.openedAt);
  const outageEnd = t.restoredAt ?? t.resolvedAt ?? (open ? now.toISOString() : t.failedAt);
  const degradedEnd = t.resolvedAt ?? (open ? now.toISOString() : t.failedAt);
  return {
    elapsedSeconds: secondsBetween(t.openedAt, end),
    ...(t.status !== 'FALSE_ALARM' && outageEnd ? { outageSeconds: secondsBetween(t.openedAt, outageEnd) } : {}),
    ...(t.restoredAt && degradedEnd ? { degradedSeconds: secondsBetween(t.restoredAt, degradedEnd) } : {}),
  };
}

/** The incident page's heading, in words: "accounts is down — approval needed". */
export function headlineOf(cacheId: string, status: IncidentStatus, pending: boolean, restored: boolean): string {
  if (status === 'RESOLVED') return `${cacheId} is back — resolved`;
  if (status === 'FAILED') return `${cacheId}: recovery stopped — operators needed`;
  if (status === 'FALSE_ALARM') return `${cacheId}: false alarm — nothing was down`;
  if (pending) return `${cacheId} is down — approval needed`;
  if (restored) return `${cacheId} serves clients again — finishing the recovery`;
  return `${cacheId} is down — recovery under way`;
}
