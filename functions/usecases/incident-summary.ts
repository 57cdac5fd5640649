/**
 * The incidents list's shapes: one summary per incident, and one per provider
 * group of several incidents, which the console and the CLI show as one row
 * with its caches beneath. Pure: the list's reads are in incident-view.ts.
 *
 * The console's JSON (`GET /` with `Accept: application/json`) is an
 * `IncidentList`:
 *
 *   {
 *     "incidents": [IncidentSummary, …],   every incident, open first (as before groups existed)
 *     "groups": [{                          only groups of two incidents or more
 *       "groupId": "acme-redis-20251206T231400Z",
 *       "provider": "acme-redis",
 *       "status": "OPEN", "statusLabel": "Open",
 *       "stage": "ETA", "stageLabel": "Recovery under way",
 *       "plan": "PROVISION_FROM_BACKUP", "planLabel": "Restore from backup",
 *       "caches": 3, "resolved": 1, "countsLabel": "3 caches · 1 resolved",
 *       "openedAt": "…", "elapsedSeconds": 420, "outageSeconds": 300,
 *       "pendingApprovals": 2,
 *       "members": [IncidentSummary, …]     the same summaries as in "incidents"
 *     }, …]
 *   }
 *
 * An incident whose `groupId` names no entry of `groups` is a row of its own.
 */
import { DEFAULT_PLAN_MINUTES } from '../domain/eta';
import { NOTICE_STAGES, type IncidentStatus, type RecoveryPlan } from '../domain/incident';
import { STAGE_LABELS, STATUS_LABELS, label, planName } from '../domain/labels';

export interface IncidentSummary {
  incidentId: string;
  /** The incident group (its provider's outage); the incident itself for a cache without provider. */
  groupId: string;
  cacheId: string;
  status: IncidentStatus;
  /** The last customer-facing stage notified, or the status when none was. */
  stage: string;
  plan?: string;
  /** The status, stage and plan in words (the fields above keep the enum values). */
  statusLabel: string;
  stageLabel: string;
  planLabel: string;
  openedAt: string;
  /** Seconds since the incident opened, up to its resolution (or now while it is open). */
  elapsedSeconds: number;
  outageSeconds?: number;
  degradedSeconds?: number;
  pendingApprovals: number;
}

/** A provider group of two incidents or more: one row of the list, its incidents beneath. */
export interface GroupSummary {
  groupId: string;
  /** The provider its caches share (absent when the group's record could not be read). */
  provider?: string;
  /** OPEN while any member is open; then FAILED if one failed, RESOLVED if one was resolved, else FALSE_ALARM. */
  status: IncidentStatus;
  /**
   * The furthest customer stage a member recorded: subscribers hear each stage once per group, so this is
   * what they last heard. The status when nothing was sent yet.
   */
  stage: string;
  /** The slowest plan among the members that were not false alarms (escalation counts slowest: it waits for people). */
  plan?: string;
  statusLabel: string;
  stageLabel: string;
  planLabel: string;
  /** How many incidents the group has (one per cache unless a cache failed twice), and how many were resolved. */
  caches: number;
  resolved: number;
  /** "3 caches · 1 resolved", with failures and false alarms when there are some. */
  countsLabel: string;
  /** The earliest member's. */
  openedAt: string;
  /** From the first member's opening to the last member's end (or now while one is open). */
  elapsedSeconds: number;
  /** From the first member's opening until the last member served clients again, once every one did. */
  outageSeconds?: number;
  /** The members' pending approvals, together. */
  pendingApprovals: number;
  /** Open first, then by cache. */
  members: IncidentSummary[];
}

export interface IncidentList {
  incidents: IncidentSummary[];
  groups: GroupSummary[];
}

/** A row of the list: a group with its members, or an incident of its own. */
export type ListRow = { group: GroupSummary; incident?: undefined } | { incident: IncidentSummary; group?: undefined };

type Ranked = Pick<IncidentSummary, 'status' | 'openedAt'>;
const rank = (s: Ranked) => (s.status === 'OPEN' ? 0 : s.status === 'FALSE_ALARM' ? 2 : 1);

/** Open first, false alarms last, newest first within each. */
export const byListOrder = (a: Ranked, b: Ranked): number => rank(a) - rank(b) || b.openedAt.localeCompare(a.openedAt);

const stageRank = (stage: string): number => NOTICE_STAGES.indexOf(stage as (typeof NOTICE_STAGES)[number]);
const slowness = (plan: string | undefined): number =>
  plan === 'ESCALATE' ? Infinity : plan === undefined ? -1 : (DEFAULT_PLAN_MINUTES[plan as RecoveryPlan] ?? -1);
const endOf = (s: IncidentSummary): number => Date.parse(s.openedAt) + s.elapsedSeconds * 1000;

function groupStatus(members: IncidentSummary[]): IncidentStatus {
  const has = (status: IncidentStatus) => members.some((m) => m.status === status);
  if (has('OPEN')) return 'OPEN';
  if (has('FAILED')) return 'FAILED';
  return has('RESOLVED') ? 'RESOLVED' : 'FALSE_ALARM';
}

function countsLabel(members: IncidentSummary[]): string {
  const count = (status: IncidentStatus) => members.filter((m) => m.status === status).length;
  const parts = [`${members.length} caches`, `${count('RESOLVED')} resolved`];
  const failed = count('FAILED');
  const falseAlarms = count('FALSE_ALARM');
  if (failed) parts.push(`${failed} failed`);
  if (falseAlarms) parts.push(`${falseAlarms} false alarm${falseAlarms > 1 ? 's' : ''}`);
  return parts.join(' · ');
}

/** The group row of several incidents of one group (`members`: two or more, of one `groupId`). */
export function summarizeGroup(
  groupId: string,
  provider: string | undefined,
  members: IncidentSummary[],
): GroupSummary {
  const sorted = [...members].sort((a, b) => rank(a) - rank(b) || a.cacheId.localeCompare(b.cacheId));
  const status = groupStatus(sorted);
  // False alarms were no part of the outage: they neither set the plan nor hold the outage open.
  const live = sorted.filter((m) => m.status !== 'FALSE_ALARM');
  const counted = live.length ? live : sorted;
  const furthest = counted.reduce((a, b) => (stageRank(b.stage) > stageRank(a.stage) ? b : a));
  const stage = stageRank(furthest.stage) >= 0 ? furthest.stage : status;
  const plan = counted.reduce<string | undefined>((p, m) => (slowness(m.plan) > slowness(p) ? m.plan : p), undefined);
  const opened = Math.min(...sorted.map((m) => Date.parse(m.openedAt)));
  const restored = live.every((m) => m.outageSeconds !== undefined) && live.length > 0;
  const lastRestored = Math.max(...live.map((m) => Date.parse(m.openedAt) + (m.outageSeconds ?? 0) * 1000));
  return {
    groupId,
    ...(provider ? { provider } : {}),
    status,
    stage,
    ...(plan ? { plan } : {}),
    statusLabel: label(STATUS_LABELS, status),
    stageLabel: label({ ...STATUS_LABELS, ...STAGE_LABELS }, stage),
    planLabel: planName(plan),
    caches: sorted.length,
    resolved: sorted.filter((m) => m.status === 'RESOLVED').length,
    countsLabel: countsLabel(sorted),
    openedAt: new Date(opened).toISOString(),
    elapsedSeconds: Math.max(0, Math.round((Math.max(...sorted.map(endOf)) - opened) / 1000)),
    ...(restored ? { outageSeconds: Math.max(0, Math.round((lastRestored - opened) / 1000)) } : {}),
    pendingApprovals: sorted.reduce((n, m) => n + m.pendingApprovals, 0),
    members: sorted,
  };
}

/** The summaries of each groupId shared by two incidents or more, in list order. */
export function groupsOf(incidents: IncidentSummary[]): [string, IncidentSummary[]][] {
  const byGroup = new Map<string, IncidentSummary[]>();
  for (const i of incidents) byGroup.set(i.groupId, [...(byGroup.get(i.groupId) ?? []), i]);
  return [...byGroup].filter(([, members]) => members.length > 1);
}

/**
 * The list's rows in list order: each group once, where its members would be, and the incidents of no
 * listed group. `groups` may be absent (a console from before groups): every incident is then a row.
 */
export function listRows(list: { incidents: IncidentSummary[]; groups?: GroupSummary[] }): ListRow[] {
  const groups = list.groups ?? [];
  const grouped = new Set(groups.flatMap((g) => g.members.map((m) => m.incidentId)));
  const rows: ListRow[] = [
    ...groups.map((group) => ({ group })),
    ...list.incidents.filter((i) => !grouped.has(i.incidentId)).map((incident) => ({ incident })),
  ];
  return rows.sort((a, b) => byListOrder(a.group ?? a.incident, b.group ?? b.incident));
}
