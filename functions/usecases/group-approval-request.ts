/**
 * One approval request for an incident group (see domain/group-approvals).
 * The member's step arrives on the group, waits while other members are
 * still being assessed (at most the gather time), and the member that finds
 * the request due claims it, publishes one message listing every cache that
 * waits, and puts the request on each of those members' timelines and notice
 * logs, so a retry of any of their steps does not ask again.
 */
import {
  CLAIMED_GRACE_SECONDS,
  GATHER_POLL_MS,
  GROUP_GATHER_SECONDS,
  requestTurn,
  type ApprovalGroup,
  type MemberApproval,
} from '../domain/group-approvals';
import { CLAIM_LEASE_SECONDS } from '../domain/groups';
import { PLAN_LABELS } from '../domain/labels';
import { consoleLink } from '../domain/console-link';
import { formatBytes } from '../domain/format';
import type { RecoveryPlan } from '../domain/incident';
import { clockTime, readableTimes, UTC, type TimeZone } from '../domain/time-labels';
import type { ApprovalDeadline, Clock, GroupApprovals, NoticeLog, Notifier, Timeline } from '../ports';

export interface GroupRequestDeps {
  store: Timeline & NoticeLog & GroupApprovals;
  notifier: Notifier;
  clock: Clock;
  notices: { consoleUrl?: string | undefined };
  timeZone?: TimeZone;
  sleep?: (ms: number) => Promise<void>;
  /** How long a member waits for the others to be assessed (GROUP_GATHER_SECONDS by default). */
  gatherSeconds?: number;
}

/** What the single-cache message would be: used when the group's request asks about one cache only. */
export type SingleMessage = () => { subject: string; text: string };

/**
 * How the member's request went: `published` (this step sent the group's request), `asked` (another member's
 * step did, naming this one), `alone` (the group's request went out without it: the caller asks about it alone),
 * `no-member` (the incident is no member of the group).
 */
export type GroupRequestOutcome = 'published' | 'asked' | 'alone' | 'no-member';

export async function requestForGroup(
  deps: GroupRequestDeps,
  request: {
    groupId: string;
    incidentId: string;
    approval: MemberApproval;
    deadline?: (from: string) => ApprovalDeadline;
    single: SingleMessage;
  },
): Promise<GroupRequestOutcome> {
  const { groupId, incidentId: me, approval } = request;
  const { step } = approval;
  let group = await deps.store.arriveForApproval(groupId, me, approval);
  if (!group) return 'no-member';
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const gather = (deps.gatherSeconds ?? GROUP_GATHER_SECONDS) * 1000;
  const start = deps.clock.now().getTime();
  for (;;) {
    const now = deps.clock.now().getTime();
    const staleBefore = new Date(now - CLAIM_LEASE_SECONDS * 1000).toISOString();
    const turn = requestTurn(group, me, step, {
      gatherOver: now - start >= gather,
      graceOver: now - start >= gather + CLAIMED_GRACE_SECONDS * 1000,
      staleBefore,
    });
    if (turn.kind === 'addendum') return 'alone';
    if (turn.kind === 'asked') {
      // The sender stopped before every member had the request on its timeline: its retry finishes that.
      if (turn.request.by === me && !turn.request.recordedAt && turn.request.messageId) {
        await record(deps, group, step, turn.request.members, { messageId: turn.request.messageId, ...turn.request });
      }
      return 'asked';
    }
    if (turn.kind === 'claim') {
      if (await deps.store.claimGroupApproval(groupId, step, { by: me, members: turn.members }, staleBefore)) {
        const sent = await publish(deps, group, turn.members, request);
        await deps.store.confirmGroupApproval(groupId, step, me, sent);
        await record(deps, group, step, turn.members, sent);
        return 'published';
      }
    } else {
      await sleep(GATHER_POLL_MS);
    }
    group = (await deps.store.approvalGroup(groupId)) ?? group;
  }
}

async function publish(
  deps: GroupRequestDeps,
  group: ApprovalGroup,
  members: string[],
  request: { incidentId: string; deadline?: (from: string) => ApprovalDeadline; single: SingleMessage },
): Promise<{ messageId: string; subject: string; text: string }> {
  const only = members.length === 1 && members[0] === request.incidentId;
  const first = group.members[members[0] ?? ''];
  const earliest = members.map((m) => group.members[m]?.approval?.at ?? '').sort()[0] ?? '';
  const { subject, text } = only
    ? request.single()
    : groupMessage(deps, group, members, earliest && request.deadline ? request.deadline(earliest) : undefined);
  const { messageId } = await deps.notifier.publishOperators({
    kind: 'approval-request',
    incidentId: only ? request.incidentId : group.groupId,
    groupId: group.groupId,
    cacheId: first?.cacheId ?? group.groupId,
    subject,
    text,
    facts: {
      groupId: group.groupId,
      ...(group.provider ? { provider: group.provider } : {}),
      members: members.map((m) => ({ incidentId: m, cacheId: group.members[m]?.cacheId, ...memberFacts(group, m) })),
    },
  });
  return { messageId, subject, text };
}

const memberFacts = (group: ApprovalGroup, m: string): Record<string, unknown> =>
  group.members[m]?.approval?.facts ?? {};

/** Puts the request on each member's notice log (a retry of its step does not ask again) and timeline. */
async function record(
  deps: GroupRequestDeps,
  group: ApprovalGroup,
  step: string,
  members: string[],
  sent: { messageId: string; subject?: string; text?: string },
): Promise<void> {
  const marker = `APPROVAL#${step}`;
  for (const m of members) {
    if ((await deps.store.claimNotice(m, marker)) === 'sent') continue;
    const facts = memberFacts(group, m);
    const plan = facts['plan'] as RecoveryPlan | undefined;
    await deps.store.appendTimeline(m, {
      // Dated when the member's step asked, so it precedes any decision on the timeline.
      at: group.members[m]?.approval?.at ?? deps.clock.now().toISOString(),
      type: 'APPROVAL_REQUESTED',
      message: `approval requested: ${plan ? PLAN_LABELS[plan].action : step}${members.length > 1 ? ` (one request for ${members.length} caches of group ${group.groupId})` : ''}`,
      detail: { step, groupId: group.groupId, ...facts },
    });
    await deps.store.confirmNotice(m, marker, sent.messageId, { subject: sent.subject ?? '', text: sent.text ?? '' });
  }
  await deps.store.markGroupApprovalRecorded(group.groupId, step);
}

function groupMessage(
  deps: GroupRequestDeps,
  group: ApprovalGroup,
  members: string[],
  deadline: ApprovalDeadline | undefined,
): { subject: string; text: string } {
  const zone = deps.timeZone ?? UTC;
  const now = deps.clock.now();
  const who = group.provider ? `caches of ${group.provider}` : 'caches';
  const subject = `Approval needed: ${members.length} ${who} are down`.slice(0, 100);
  const lines = [
    `Provider outage ${group.groupId}: ${members.length} ${who} are down. Each recovery waits for a decision.`,
    'Approve all to run every plan below, or decide cache by cache. Reject: nothing is changed on that cache, its incident is marked failed and the operators are escalated to.',
    ...(deadline
      ? [
          `If nobody decides or acknowledges by ${clockTime(deadline.escalatesAt, zone, now)}, ${deadline.onTimeout === 'proceed' ? 'the operators are escalated to and the plans run without an approval' : 'the operators are escalated to and the recoveries stop: the incidents are marked failed'}.`,
        ]
      : []),
    '',
  ];
  members.forEach((m, n) => {
    const member = group.members[m];
    const f = memberFacts(group, m);
    const plan = f['plan'] as RecoveryPlan | undefined;
    const eta = f['etaMinutes'];
    lines.push(
      `${n + 1}. ${member?.cacheId ?? m} (incident ${m}): ${plan ? PLAN_LABELS[plan].action : 'recover'}` +
        (typeof eta === 'number' ? `, clients served again in about ${eta} min.` : '.'),
    );
    if (typeof f['reason'] === 'string') lines.push(`   Why: ${readableTimes(f['reason'], zone, now)}.`);
    if (typeof f['backupKey'] === 'string') {
      const taken = typeof f['backupTakenAt'] === 'string' ? `, taken ${clockTime(f['backupTakenAt'], zone, now)}` : '';
      const size = typeof f['backupSizeBytes'] === 'number' ? `, ${formatBytes(f['backupSizeBytes'])}` : '';
      lines.push(`   Backup: ${f['backupKey']}${taken}, ${String(f['backupAgeMinutes'] ?? '?')} min old${size}.`);
    }
    if (typeof f['replica'] === 'string') lines.push(`   Replica: ${f['replica']} at ${String(f['replicaEndpoint'])}.`);
    if (typeof f['standby'] === 'string') lines.push(`   Standby: ${f['standby']} at ${String(f['standbyEndpoint'])}.`);
    if (typeof f['replacement'] === 'string') lines.push(`   Replacement: ${f['replacement']}.`);
  });
  const link = consoleLink(deps.notices.consoleUrl, group.groupId, 'groups');
  lines.push('', 'Decide for all:');
  if (link) lines.push(`  console: ${link}`);
  lines.push(`  CLI:     cache-outage approve ${group.groupId} --reason "…"`);
  lines.push(`           cache-outage reject ${group.groupId} --reason "…"`);
  lines.push('Decide for one cache:', `  CLI:     cache-outage approve <incident> --reason "…" (or reject)`);
  return { subject, text: lines.join('\n') };
}
