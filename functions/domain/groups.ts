/**
 * Incident groups: when several caches of one provider fail together, their
 * incidents join one group. Each cache keeps its own incident, lock and
 * execution; the group records who its members are and how far each got.
 *
 * An alarm joins its provider's group while the group is open and either a
 * member is still open or the alarm fired within the group's window (counted
 * from the group's first alarm). A cache without provider is a group of one
 * whose id is its incident id.
 */
import { NOTICE_STAGES, compactStamp, type NoticeStage } from './incident';

/** Where a member stands. Members are incidents, so a cache that fails twice is two members. */
export const MEMBER_STATES = [
  /** The alarm opened the incident. */
  'OPENED',
  /** Confirm Outage saw the cache fail. */
  'CONFIRMED',
  /** Confirm Outage saw the cache answer throughout: the incident was a false alarm. */
  'FALSE_ALARM',
  /** The recovery failed; a redrive may take it up again, so the member still holds the group open. */
  'FAILED',
  /** An operator rejected the member's recovery plan. */
  'REJECTED',
  /** Taken out of the group by an operator (the cache was recovered by hand). */
  'RELEASED',
  /** The incident was resolved. */
  'RESOLVED',
] as const;
export type MemberState = (typeof MEMBER_STATES)[number];

/** States a member leaves the group in: it no longer holds it open, and it never changes again. */
export const LEAVING_STATES: readonly MemberState[] = ['RESOLVED', 'FALSE_ALARM', 'REJECTED', 'RELEASED'];

/** OPEN while a member holds it open; then what its members came to. */
export const GROUP_STATUSES = ['OPEN', 'RESOLVED', 'FALSE_ALARM', 'CLOSED'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

/** The default and the bounds of `groupWindowSeconds`. */
export const GROUP_WINDOW_SECONDS = { default: 300, min: 1, max: 3600 } as const;

export interface GroupMember {
  cacheId: string;
  /** When the member's alarm fired. */
  joinedAt: string;
  state: MemberState;
  /** When the member last changed state. */
  at: string;
  /** When the member's workflow arrived at each customer notice stage. */
  reached?: Partial<Record<NoticeStage, string>>;
  /** The member's own ETA, from its plan, recorded as it arrived at the ETA stage. */
  etaMinutes?: number;
}

/** The shared record of an incident group. */
export interface IncidentGroup {
  groupId: string;
  /** Absent for the group of one of a cache without provider. */
  provider?: string;
  status: GroupStatus;
  /** When the group's first alarm fired. */
  openedAt: string;
  /** Alarms of the provider that fire up to this time join the group even if no member is open any more. */
  windowEndsAt: string;
  /** Members that do not hold the group open any more leave this count. */
  openCount: number;
  /** One more per join: a decision taken on a snapshot of the members is conditioned on it. */
  version: number;
  /** By incident id. */
  members: Record<string, GroupMember>;
  /** When the last open member left. */
  closedAt?: string;
  /** The group's customer notices by stage (see nextGroupNotice). */
  claims?: Partial<Record<NoticeStage, GroupNoticeClaim>>;
  /** When customers were told the service is back: from then on nobody joins the group. */
  sealedAt?: string;
}

/**
 * A group id is readable and deterministic: the provider plus the time the group's first alarm fired. A group
 * that opens in the same second as an earlier one of the provider, which nobody may join any more, takes the
 * next free `n` (`-2`, `-3`, …).
 */
export function groupIdFor(provider: string, firstAlarmAt: string, n = 1): string {
  return `${provider}-${compactStamp(firstAlarmAt)}${n > 1 ? `-${n}` : ''}`;
}

/** How many groups of one provider may open in one second (see `groupIdFor`). */
export const GROUPS_PER_SECOND = 10;

/** The time as an ISO string in UTC, the form every group time is stored and compared in. */
export function utc(at: string): string {
  return new Date(at).toISOString();
}

/** The end of the window of a group whose first alarm fired at `openedAt`. */
export function windowEndOf(openedAt: string, windowSeconds: number): string {
  return new Date(Date.parse(openedAt) + windowSeconds * 1000).toISOString();
}

/**
 * How many incidents one group takes: every member's step writes the group's one item, so a larger outage
 * continues in a new group of the provider.
 */
export const GROUP_MEMBERS_MAX = 50;

/**
 * Whether an alarm that fired at `at` may join the group: never once it is sealed (customers heard it is back),
 * nor once it is full (`version` counts its joins).
 */
export function isJoinable(
  group: Pick<IncidentGroup, 'status' | 'openCount' | 'windowEndsAt' | 'sealedAt' | 'version'>,
  at: string,
): boolean {
  return (
    group.status === 'OPEN' &&
    group.sealedAt === undefined &&
    group.version < GROUP_MEMBERS_MAX &&
    (group.openCount > 0 || group.windowEndsAt >= utc(at))
  );
}

export function leavesGroup(state: MemberState): boolean {
  return LEAVING_STATES.includes(state);
}

/**
 * Whether a member may move to `to`: never out of a leaving state (a late
 * retry of an earlier step cannot reopen a resolved member), and a move to the
 * state it is in changes nothing.
 */
export function canMove(from: MemberState, to: MemberState): boolean {
  return from !== to && !leavesGroup(from);
}

/**
 * What a group whose members have all left comes to: RESOLVED when one was
 * resolved, FALSE_ALARM when all were false alarms, CLOSED otherwise (rejected
 * or released by the operators). OPEN while a member holds it open.
 */
export function groupStatusOf(members: readonly GroupMember[]): GroupStatus {
  if (members.length === 0 || members.some((m) => !leavesGroup(m.state))) return 'OPEN';
  if (members.some((m) => m.state === 'RESOLVED')) return 'RESOLVED';
  if (members.every((m) => m.state === 'FALSE_ALARM')) return 'FALSE_ALARM';
  return 'CLOSED';
}

/** How many members hold the group open. */
export function openCountOf(members: readonly GroupMember[]): number {
  return members.filter((m) => !leavesGroup(m.state)).length;
}

// ---- Customer notices, once per stage per group ----

/** A claim on one of the group's notices: CLAIMED by a member before publishing, SENT with what was published. */
export interface GroupNoticeClaim {
  status: 'CLAIMED' | 'SENT';
  /** The incident whose step claimed it; a retry of that step takes its claim again. */
  by: string;
  /** When it was claimed: a claim older than the lease may be taken over (its owner stopped). */
  at: string;
  /** The ETA notice's value, kept so that a retry sends what the claim decided. */
  etaMinutes?: number;
  messageId?: string;
  sentAt?: string;
  subject?: string;
  text?: string;
  /** When the notice went onto every member's timeline. */
  recordedAt?: string;
}

/** The default of `claimLeaseSeconds`: far above Notify's 40 s timeout, so only a stopped owner loses its claim. */
export const CLAIM_LEASE_SECONDS = 120;

/** Members out of the group's outage: the customers' notices do not wait for them. */
const OUT_OF_OUTAGE: readonly MemberState[] = ['FALSE_ALARM', 'REJECTED', 'RELEASED'];

/** Members the group's notices speak for and wait for. */
export function liveMembers(members: readonly GroupMember[]): GroupMember[] {
  return members.filter((m) => !OUT_OF_OUTAGE.includes(m.state));
}

const rank = (stage: NoticeStage): number => NOTICE_STAGES.indexOf(stage);

/** The furthest stage the member reached, as an index of NOTICE_STAGES; -1 before any. */
function progressOf(member: GroupMember): number {
  return Math.max(-1, ...Object.keys(member.reached ?? {}).map((s) => rank(s as NoticeStage)));
}

const reached = (member: GroupMember, stage: NoticeStage): boolean => member.reached?.[stage] !== undefined;

/**
 * Whether the member no longer holds `stage` back: it reached it or a later
 * one. A FAILED member does not hold the ETA back (the ETA tells when the
 * others are back); it holds PARTIALLY_RESTORED and RESOLVED back until a
 * redrive takes it further or an operator releases it.
 */
function isPast(member: GroupMember, stage: NoticeStage): boolean {
  return progressOf(member) >= rank(stage) || (stage === 'ETA' && member.state === 'FAILED');
}

/**
 * Whether the group's notice of `stage` is due, on a snapshot of its members:
 * - INVESTIGATING once a member was confirmed down (it reached the stage);
 * - ETA once every live member was assessed (reached ETA or a later stage, or
 *   failed) and at least one has an ETA: there is no time bound, since a
 *   member still being assessed is seconds away from its plan, and the slowest
 *   plan is the one customers must hear;
 * - PARTIALLY_RESTORED once every live member serves clients again;
 * - RESOLVED once every live member was verified.
 * Live members exclude false alarms, rejected and released ones.
 */
export function groupNoticeDue(stage: NoticeStage, members: readonly GroupMember[]): boolean {
  const live = liveMembers(members);
  if (!live.some((m) => reached(m, stage))) return false;
  return stage === 'INVESTIGATING' || live.every((m) => isPast(m, stage));
}

/**
 * Whether every live member went past `stage` without it (a cache found
 * recovered goes from INVESTIGATING straight to RESOLVED): the group skips
 * the stage, as a single incident does.
 */
export function groupNoticeSkipped(stage: NoticeStage, members: readonly GroupMember[]): boolean {
  const live = liveMembers(members);
  return (
    live.length > 0 &&
    !live.some((m) => reached(m, stage)) &&
    live.every((m) => progressOf(m) > rank(stage) || (stage === 'ETA' && m.state === 'FAILED'))
  );
}

/** The ETA customers hear: the slowest plan among the live members that have one. */
export function groupEtaOf(members: readonly GroupMember[]): number | undefined {
  const etas = liveMembers(members).flatMap((m) =>
    reached(m, 'ETA') && m.etaMinutes !== undefined ? [m.etaMinutes] : [],
  );
  return etas.length ? Math.max(...etas) : undefined;
}

/** The notice a member may claim now: its stage, and the ETA for the ETA stage. */
export interface GroupNoticeTurn {
  stage: NoticeStage;
  etaMinutes?: number;
}

/**
 * The next notice `me` may claim on the group, in stage order, or undefined
 * when none is: the next stage not sent is not due yet, or another member
 * holds a claim on it that is younger than `staleBefore` (that member sends
 * it and goes on). A stage is never sent after a later one was claimed, nor
 * after it was skipped.
 */
export function nextGroupNotice(group: IncidentGroup, me: string, staleBefore: string): GroupNoticeTurn | undefined {
  const members = Object.values(group.members);
  const claims = group.claims ?? {};
  for (const [n, stage] of NOTICE_STAGES.entries()) {
    const claim = claims[stage];
    if (claim?.status === 'SENT') continue;
    if (claim) {
      if (claim.by !== me && claim.at >= staleBefore) return undefined;
      return { stage, ...(claim.etaMinutes !== undefined ? { etaMinutes: claim.etaMinutes } : {}) };
    }
    if (NOTICE_STAGES.slice(n + 1).some((later) => claims[later])) continue;
    if (groupNoticeDue(stage, members)) {
      const eta = stage === 'ETA' ? groupEtaOf(members) : undefined;
      return { stage, ...(eta !== undefined ? { etaMinutes: eta } : {}) };
    }
    if (!groupNoticeSkipped(stage, members)) return undefined;
  }
  return undefined;
}

/** Claiming these stages seals the group: customers heard it is back, so a cache failing now is a new outage. */
export function sealsGroup(stage: NoticeStage): boolean {
  return stage === 'PARTIALLY_RESTORED' || stage === 'RESOLVED';
}

/** The stages after `stage`: a claim is refused once one of them was claimed. */
export function stagesAfter(stage: NoticeStage): NoticeStage[] {
  return NOTICE_STAGES.slice(rank(stage) + 1);
}
