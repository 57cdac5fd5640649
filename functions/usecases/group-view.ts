/**
 * What the console's group page shows: the caches of one provider outage,
 * each with its plan, backup, estimate, state and decision, so that an
 * operator decides for all of them at once. Reads only: each member's own
 * approval is authoritative (the group item only mirrors it), and task tokens
 * are never part of the view.
 *
 * The JSON (`GET /groups/<id>` with `Accept: application/json`) is a `GroupView`.
 */
import { IncidentNotFoundError } from '../domain/errors';
import type { GroupStatus, MemberState } from '../domain/groups';
import {
  APPROVAL_STATUS_LABELS,
  APPROVAL_STEP_LABELS,
  GROUP_STATUS_LABELS,
  MEMBER_STATE_LABELS,
  STATUS_LABELS,
  label,
  planName,
} from '../domain/labels';
import { UTC, type TimeZone } from '../domain/time-labels';
import type { IncidentViewDeps } from './incident-view';

/** A member's decision on one approval step, without its task token. */
export interface MemberDecisionView {
  step: string;
  stepLabel: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'TIMED_OUT';
  statusLabel: string;
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  /** When nobody deciding escalates. */
  escalatesAt?: string;
}

export interface GroupMemberView {
  incidentId: string;
  cacheId: string;
  /** Where the member stands in the group. */
  state: MemberState;
  stateLabel: string;
  /** The incident's own status; absent while its record is not written yet. */
  status?: string;
  statusLabel: string;
  plan?: string;
  planLabel: string;
  /** The backup the plan restores from, as the approval request recorded it. */
  backup?: { key?: string; takenAt?: string; ageMinutes?: number };
  /** Clients served again in about this many minutes, by the member's plan. */
  etaMinutes?: number;
  replacement?: string;
  joinedAt: string;
  /** The member's latest approval (a pending one first). */
  approval?: MemberDecisionView;
}

export interface GroupView {
  group: {
    groupId: string;
    provider?: string;
    status: GroupStatus;
    statusLabel: string;
    openedAt: string;
    closedAt?: string;
    caches: number;
  };
  /** In the order the caches joined. */
  members: GroupMemberView[];
  /** The steps at least one member waits for a decision on, and how many wait on each. */
  pending: { step: string; stepLabel: string; waiting: number }[];
  now: string;
  zone: TimeZone;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** One incident group and its caches, everything an operator needs to decide for all of them. */
export async function viewGroup(deps: IncidentViewDeps, groupId: string): Promise<GroupView> {
  const group = await deps.store.getGroup(groupId, true);
  if (!group) throw new IncidentNotFoundError(`no incident group ${groupId}`);
  const entries = Object.entries(group.members).sort(([a, x], [b, y]) =>
    x.joinedAt === y.joinedAt ? a.localeCompare(b) : x.joinedAt < y.joinedAt ? -1 : 1,
  );
  const members = await Promise.all(
    entries.map(async ([incidentId, member]): Promise<GroupMemberView> => {
      const [incident, approvals] = await Promise.all([
        deps.store.getIncident(incidentId),
        deps.store.approvals(incidentId),
      ]);
      const latest =
        approvals.find((a) => a.status === 'PENDING') ??
        [...approvals].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt))[0];
      const facts = latest?.facts ?? {};
      const plan = str(facts.plan) ?? incident?.plan;
      const backupKey = str(facts.backupKey);
      const takenAt = str(facts.backupTakenAt);
      const ageMinutes = num(facts.backupAgeMinutes);
      const eta = num(facts.etaMinutes) ?? member.etaMinutes;
      const replacement = str(facts.replacement);
      return {
        incidentId,
        cacheId: member.cacheId,
        state: member.state,
        stateLabel: label(MEMBER_STATE_LABELS, member.state),
        ...(incident ? { status: incident.status } : {}),
        statusLabel: label(STATUS_LABELS, incident?.status),
        ...(plan ? { plan } : {}),
        planLabel: planName(plan),
        ...(backupKey || takenAt || ageMinutes !== undefined
          ? {
              backup: {
                ...(backupKey ? { key: backupKey } : {}),
                ...(takenAt ? { takenAt } : {}),
                ...(ageMinutes !== undefined ? { ageMinutes } : {}),
              },
            }
          : {}),
        ...(eta !== undefined ? { etaMinutes: eta } : {}),
        ...(replacement ? { replacement } : {}),
        joinedAt: member.joinedAt,
        ...(latest
          ? {
              approval: {
                step: latest.step,
                stepLabel: label(APPROVAL_STEP_LABELS, latest.step),
                status: latest.status,
                statusLabel: label(APPROVAL_STATUS_LABELS, latest.status),
                requestedAt: latest.requestedAt,
                ...(latest.decidedBy ? { decidedBy: latest.decidedBy } : {}),
                ...(latest.decidedAt ? { decidedAt: latest.decidedAt } : {}),
                ...(latest.reason ? { reason: latest.reason } : {}),
                ...(latest.status === 'PENDING' && latest.deadline ? { escalatesAt: latest.deadline.escalatesAt } : {}),
              },
            }
          : {}),
      };
    }),
  );
  const waiting = new Map<string, number>();
  for (const m of members) {
    if (m.approval?.status === 'PENDING') waiting.set(m.approval.step, (waiting.get(m.approval.step) ?? 0) + 1);
  }
  return {
    group: {
      groupId: group.groupId,
      ...(group.provider ? { provider: group.provider } : {}),
      status: group.status,
      statusLabel: label(GROUP_STATUS_LABELS, group.status),
      openedAt: group.openedAt,
      ...(group.closedAt ? { closedAt: group.closedAt } : {}),
      caches: members.length,
    },
    members,
    pending: [...waiting].map(([step, n]) => ({ step, stepLabel: label(APPROVAL_STEP_LABELS, step), waiting: n })),
    now: deps.clock.now().toISOString(),
    zone: deps.timeZone ?? UTC,
  };
}
