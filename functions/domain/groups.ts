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
import { compactStamp } from './incident';

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
}

/** A group id is readable and deterministic: the provider plus the time the group's first alarm fired. */
export function groupIdFor(provider: string, firstAlarmAt: string): string {
  return `${provider}-${compactStamp(firstAlarmAt)}`;
}

/** The time as an ISO string in UTC, the form every group time is stored and compared in. */
export function utc(at: string): string {
  return new Date(at).toISOString();
}

/** The end of the window of a group whose first alarm fired at `openedAt`. */
export function windowEndOf(openedAt: string, windowSeconds: number): string {
  return new Date(Date.parse(openedAt) + windowSeconds * 1000).toISOString();
}

/** Whether an alarm that fired at `at` may join the group. */
export function isJoinable(group: Pick<IncidentGroup, 'status' | 'openCount' | 'windowEndsAt'>, at: string): boolean {
  return group.status === 'OPEN' && (group.openCount > 0 || group.windowEndsAt >= utc(at));
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
