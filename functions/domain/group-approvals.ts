/**
 * One approval request for an incident group: when several caches of one
 * provider each wait for an operator's decision, the operators are asked once,
 * with every cache and its plan in one message. Each member's execution still
 * waits on its own task token and is decided on its own; the group only
 * decides who is asked in which message.
 *
 * A member's step arrives on the group when it waits for a decision. The
 * request is due once every live member has settled: it waits for a decision,
 * went on without one (it reached a later notice stage), or failed. A member
 * still being assessed holds the request back for at most the gather time.
 */
import { liveMembers, type GroupMember, type IncidentGroup } from './groups';

/** Where a member's decision stands, as the group knows it. */
export type MemberApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/** A member waiting for (or given) a decision, with what the operators need to decide it. */
export interface MemberApproval {
  step: string;
  status: MemberApprovalStatus;
  /** When the member's step asked. */
  at: string;
  /** The member's plan and its facts (backup, replacement, ETA), as the member's own approval holds them. */
  facts: Record<string, unknown>;
}

/** The group's one request for a step: CLAIMED by a member before publishing, SENT with what was published. */
export interface GroupApprovalRequest {
  status: 'CLAIMED' | 'SENT';
  /** The incident whose step claimed it. */
  by: string;
  at: string;
  /** The members the request asks about, fixed when it was claimed. */
  members: string[];
  messageId?: string;
  sentAt?: string;
  subject?: string;
  text?: string;
  /** When the request went onto every member's timeline and notice log. */
  recordedAt?: string;
}

/** What the group item holds beyond IncidentGroup for approvals. */
export interface ApprovalGroup extends IncidentGroup {
  members: Record<string, GroupMember & { approval?: MemberApproval }>;
  /** By step. */
  approvals?: Record<string, GroupApprovalRequest>;
}

/** How long the first member to wait holds the request for members still being assessed, by default. */
export const GROUP_GATHER_SECONDS = 20;

/** How often a waiting member looks at the group again. */
export const GATHER_POLL_MS = 2000;

type Member = ApprovalGroup['members'][string];

/**
 * Whether the member no longer keeps the group's request for `step` waiting:
 * it waits for a decision on it (or was decided), went on past the approval
 * (it reached a notice stage after Request Approval), or failed.
 */
function settled(member: Member, step: string): boolean {
  if (member.approval?.step === step) return true;
  if (member.state === 'FAILED' || member.state === 'RESOLVED') return true;
  const reached = member.reached ?? {};
  return reached.ETA !== undefined || reached.PARTIALLY_RESTORED !== undefined || reached.RESOLVED !== undefined;
}

/** The live members waiting for a decision on `step` that no request asked about yet. */
export function unaskedMembers(group: ApprovalGroup, step: string): string[] {
  const asked = new Set(group.approvals?.[step]?.members ?? []);
  const live = new Set(liveMembers(Object.values(group.members)));
  return Object.entries(group.members)
    .filter(([id, m]) => live.has(m) && !asked.has(id) && m.approval?.step === step && m.approval.status === 'PENDING')
    .map(([id]) => id)
    .sort((a, b) => (group.members[a]!.joinedAt < group.members[b]!.joinedAt ? -1 : a < b ? -1 : 1));
}

/**
 * Whether the group's request for `step` is due on this snapshot: nobody
 * requested it yet, a member waits for a decision, and every live member has
 * settled (see `settled`) or the gather time is over (`gatherOver`).
 */
export function groupApprovalDue(group: ApprovalGroup, step: string, gatherOver: boolean): boolean {
  if (group.approvals?.[step]) return false;
  if (unaskedMembers(group, step).length === 0) return false;
  if (gatherOver) return true;
  return liveMembers(Object.values(group.members)).every((m) => settled(m as Member, step));
}

/** How the member's step stands against the group's request. */
export type RequestTurn =
  /** Claim the group's request now, for the members listed. */
  | { kind: 'claim'; members: string[] }
  /** A request that asks about this member was sent: nothing to do. */
  | { kind: 'asked'; request: GroupApprovalRequest }
  /** The group's request went out (or stalled) without this member: ask about it alone, naming the group. */
  | { kind: 'addendum' }
  /** Wait: other members are still being assessed, or another member is sending the request. */
  | { kind: 'wait' };

/** How long a member whose request another member claimed waits for it to go out, beyond the gather time. */
export const CLAIMED_GRACE_SECONDS = 10;

/**
 * What member `me`'s step does next about `step`, on a snapshot:
 * - `gatherOver`: the member waited the gather time; members still being assessed are not waited for any more;
 * - `graceOver`: it also waited the grace for a request another member claimed; it asks alone then, since a
 *   claim that was not sent by now belongs to a step that stopped;
 * - a claim older than `staleBefore` was left by a stopped owner and may be taken over.
 */
export function requestTurn(
  group: ApprovalGroup,
  me: string,
  step: string,
  o: { gatherOver: boolean; graceOver: boolean; staleBefore: string },
): RequestTurn {
  const request = group.approvals?.[step];
  if (!request) {
    return groupApprovalDue(group, step, o.gatherOver)
      ? { kind: 'claim', members: unaskedMembers(group, step) }
      : { kind: 'wait' };
  }
  if (request.status === 'SENT')
    return request.members.includes(me) ? { kind: 'asked', request } : { kind: 'addendum' };
  if (request.members.includes(me) && (request.by === me || request.at < o.staleBefore)) {
    return { kind: 'claim', members: request.members };
  }
  return o.graceOver ? { kind: 'addendum' } : { kind: 'wait' };
}
