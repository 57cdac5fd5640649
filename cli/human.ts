/**
 * The CLI's output for people: the labels of functions/domain/labels.ts
 * instead of enum names, times in this machine's time zone with its label
 * (`TZ` chooses another), durations as people say them. `--json` prints the
 * API's JSON instead, enums and ISO times included.
 */
import { describeConfirmation } from '../functions/domain/incident';
import {
  APPROVAL_STATUS_LABELS,
  APPROVAL_STEP_LABELS,
  EXECUTION_STATUS_LABELS,
  FACT_LABELS,
  FACT_UNITS,
  label,
  planName,
  STAGE_LABELS,
  STATUS_LABELS,
  TIMELINE_LABELS,
} from '../functions/domain/labels';
import type { ConfirmationFacts } from '../functions/domain/steps';
import { clockTime, durationText, readableTimes, timeZoneOf, type TimeZone } from '../functions/domain/time-labels';
import { formatBytes } from '../functions/domain/format';
import type { CacheBackupSummary } from '../functions/usecases/cache-backups';
import { listRows, type GroupSummary, type IncidentSummary } from '../functions/usecases/incident-summary';

/** The console API's incident summary (the CLI reads the same JSON the console serves). */
export type Summary = IncidentSummary;

/** The console API's list: `groups` is absent from a console older than incident groups. */
export interface IncidentListJson {
  incidents: Summary[];
  groups?: GroupSummary[];
}

interface Approval {
  step: string;
  status: string;
  requestedAt: string;
  facts: Record<string, unknown>;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
}

export interface View {
  incident: Summary & {
    triggerAlarm?: string;
    error?: { error: string; cause: string };
    confirmation?: ConfirmationFacts;
  };
  execution?: { status: string; currentState?: string };
  timeline: { at: string; type: string; message: string }[];
  notices: { at: string; stage: string; message: string }[];
  approvals: Approval[];
}

let zone: TimeZone | undefined;
/** This machine's zone, as `TZ` or the system sets it. */
function localZone(): TimeZone {
  zone ??= timeZoneOf(Intl.DateTimeFormat().resolvedOptions().timeZone);
  return zone;
}

export const out = (line = '') => process.stdout.write(`${line}\n`);

/** Columns padded to their widest cell, two spaces apart. */
export function tableLines(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

export function table(headers: string[], rows: string[][]): void {
  for (const l of tableLines(headers, rows)) out(l);
}

const duration = (seconds: number | undefined): string => (seconds === undefined ? '–' : durationText(seconds));

/** "18:14:03 ET" today, "Dec 6, 18:14:03 ET" another day. */
export const whenText = (iso: string | undefined): string =>
  iso ? clockTime(iso, localZone(), new Date(), { seconds: true }) : '–';

const words = (text: string): string => readableTimes(text, localZone(), new Date());

export const statusText = (status: string): string => label(STATUS_LABELS, status);

export const INCIDENT_HEADERS = ['INCIDENT', 'CACHE', 'STATUS', 'STAGE', 'PLAN', 'STARTED', 'ELAPSED', 'APPROVALS'];
export const FALSE_ALARM_HEADERS = ['INCIDENT', 'CACHE', 'STATUS', 'STARTED'];

const stageText = (stage: string): string => label({ ...STAGE_LABELS, ...STATUS_LABELS }, stage);
const pendingText = (n: number): string => (n ? `${n} pending` : '–');
/** A group's caches print beneath it, indented. */
const MEMBER_INDENT = '  ';

const incidentCells = (i: Summary, indent = ''): string[] => [
  `${indent}${i.incidentId}`,
  i.cacheId,
  statusText(i.status),
  stageText(i.stage),
  planName(i.plan),
  whenText(i.openedAt),
  duration(i.elapsedSeconds),
  pendingText(i.pendingApprovals),
];

const groupName = (g: GroupSummary): string => `${g.provider ?? g.groupId} (provider outage)`;

/** The group's line: its provider, how many caches and how many resolved, the furthest stage, the slowest plan. */
const groupCells = (g: GroupSummary): string[] => [
  groupName(g),
  g.countsLabel,
  statusText(g.status),
  stageText(g.stage),
  planName(g.plan),
  whenText(g.openedAt),
  duration(g.elapsedSeconds),
  pendingText(g.pendingApprovals),
];

const falseAlarmCells = (i: Summary, indent = ''): string[] => [
  `${indent}${i.incidentId}`,
  i.cacheId,
  statusText(i.status),
  whenText(i.openedAt),
];

/**
 * `cache-outage incidents` for people: open incidents first, a provider group as one line with its caches
 * indented beneath, then the false alarms apart.
 */
export function incidentListLines(list: IncidentListJson): string[] {
  const rows = listRows(list);
  const isFalseAlarm = (r: (typeof rows)[number]) => (r.group ?? r.incident).status === 'FALSE_ALARM';
  const real = rows.filter((r) => !isFalseAlarm(r));
  const falseAlarms = rows.filter(isFalseAlarm);
  const lines = real.length
    ? tableLines(
        INCIDENT_HEADERS,
        real.flatMap((r) =>
          r.group
            ? [groupCells(r.group), ...r.group.members.map((m) => incidentCells(m, MEMBER_INDENT))]
            : [incidentCells(r.incident)],
        ),
      )
    : ['No incidents.'];
  if (!falseAlarms.length) return lines;
  const count = falseAlarms.reduce((n, r) => n + (r.group ? r.group.members.length : 1), 0);
  return [
    ...lines,
    '',
    `False alarms (${count}): an alarm fired, the cache answered throughout the confirmation window, no customer was told`,
    ...tableLines(
      FALSE_ALARM_HEADERS,
      falseAlarms.flatMap((r) =>
        r.group
          ? [
              [groupName(r.group), r.group.countsLabel, statusText(r.group.status), whenText(r.group.openedAt)],
              ...r.group.members.map((m) => falseAlarmCells(m, MEMBER_INDENT)),
            ]
          : [falseAlarmCells(r.incident)],
      ),
    ),
  ];
}

export const timelineLine = (e: { at: string; type: string; message: string }): string =>
  `${whenText(e.at)}  ${label(TIMELINE_LABELS, e.type).padEnd(20)} ${words(e.message)}`;

export const noticeRows = (notices: View['notices']): string[][] =>
  notices.map((n) => [whenText(n.at), label(STAGE_LABELS, n.stage), n.message]);

function factText(key: string, value: unknown): string {
  if (key === 'plan' && typeof value === 'string') return planName(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  const unit = FACT_UNITS[key];
  if (unit === 'bytes' && typeof value === 'number') return formatBytes(value);
  return `${words(String(value))}${unit ? ` ${unit}` : ''}`;
}

export function printView(view: View): void {
  const i = view.incident;
  out(`Incident ${i.incidentId}`);
  out(
    `  cache ${i.cacheId} · ${statusText(i.status)} · customers last told: ${label({ ...STAGE_LABELS, ...STATUS_LABELS }, i.stage)} · plan: ${planName(i.plan)}`,
  );
  out(
    `  started ${whenText(i.openedAt)} · elapsed ${duration(i.elapsedSeconds)} · outage ${duration(i.outageSeconds)} · degraded ${duration(i.degradedSeconds)}`,
  );
  if (view.execution)
    out(
      `  workflow ${label(EXECUTION_STATUS_LABELS, view.execution.status)}, at “${view.execution.currentState ?? '–'}”`,
    );
  if (i.triggerAlarm) out(`  alarm ${i.triggerAlarm}`);
  if (i.confirmation)
    out(`  ${i.confirmation.confirmed ? 'outage confirmed' : 'false alarm'}: ${describeConfirmation(i.confirmation)}`);
  if (i.error) out(`  error ${i.error.error}: ${words(i.error.cause)}`);
  for (const a of view.approvals) {
    out();
    out(`Approval “${label(APPROVAL_STEP_LABELS, a.step)}” (${a.step}): ${label(APPROVAL_STATUS_LABELS, a.status)}`);
    const width = Math.max(0, ...Object.keys(a.facts).map((k) => label(FACT_LABELS, k).length));
    for (const [k, v] of Object.entries(a.facts)) out(`  ${label(FACT_LABELS, k).padEnd(width)}  ${factText(k, v)}`);
    if (a.status === 'PENDING') out(`  → cache-outage approve ${i.incidentId} --reason "…"   or   reject …`);
    else if (a.decidedBy) out(`  decided by ${a.decidedBy} at ${whenText(a.decidedAt)}: ${a.reason ?? ''}`);
  }
  out();
  out('Timeline');
  table(
    ['AT', 'EVENT', 'MESSAGE'],
    view.timeline.map((e) => [whenText(e.at), label(TIMELINE_LABELS, e.type), words(e.message)]),
  );
}

/** `; standby <group> <lag> behind (limit …), last mirrored …, n failures in a row`, or nothing without a standby. */
function standbyPart(c: CacheBackupSummary): string {
  const s = c.standby;
  if (!s) return '';
  const lag =
    s.lagSeconds === undefined
      ? 'never mirrored'
      : `${duration(s.lagSeconds)} behind${s.overLag ? ' OVER LIMIT' : ''} (limit ${duration(s.maxLagSeconds)})`;
  const last = s.lastSuccess ? `, last mirrored ${whenText(s.lastSuccess.finishedAt)}, ${s.lastSuccess.keys} keys` : '';
  const failures = `, ${s.consecutiveFailures} failure${s.consecutiveFailures === 1 ? '' : 's'} in a row${s.lastCycle?.reason && s.consecutiveFailures ? `: ${s.lastCycle.reason}` : ''}`;
  return `; standby ${s.replicationGroupId} ${lag}${last}${failures}`;
}

/** One line per cache: its newest verified backup against the RPO, the last run, the last test restore, the standby. */
export function cacheLine(c: CacheBackupSummary): string {
  if (!c.configured) return `${c.cacheId}: no backups configured${standbyPart(c)}`;
  const parts: string[] = [];
  const b = c.newest;
  const rpo = `RPO ${duration(c.rpoSeconds)}`;
  if (b) {
    parts.push(
      `backup ${duration(b.ageSeconds)} old${c.overRpo ? ' OVER RPO' : ''} (${rpo}): ${b.method}, ${formatBytes(b.bytes)}, ${b.keys} keys, ${b.pointInTime ? 'point-in-time' : 'not point-in-time'}, watermark ${whenText(b.watermark)}`,
    );
  } else {
    parts.push(
      `${c.method === 'none' ? 'no backup recorded (made elsewhere)' : 'no verified backup'}${c.overRpo ? ' OVER RPO' : ''} (${rpo})`,
    );
  }
  const r = c.lastRun;
  parts.push(r ? `last run ${r.outcome} ${whenText(r.finishedAt)}${r.reason ? `: ${r.reason}` : ''}` : 'no run yet');
  parts.push(`${c.consecutiveFailures} failure${c.consecutiveFailures === 1 ? '' : 's'} in a row`);
  const t = c.lastTestRestore;
  parts.push(
    t
      ? `test restore ${t.ok ? 'ok' : 'failed'} ${whenText(t.at)}: ${t.keysLoaded}/${t.keysExpected} keys loaded, ${t.mismatched}/${t.sampled} sampled differ${t.reason ? ` (${t.reason})` : ''}`
      : 'no test restore yet',
  );
  return `${c.cacheId}: ${parts.join(' · ')}${standbyPart(c)}`;
}
