/**
 * An operator's choices for the caches of one incident group, as the console
 * and the CLI send them: one decision for every cache waiting (or only those
 * named), and a decision of its own for any cache named in `decide`, e.g.
 * "approve all, reject accounts-3". Caches are named by incident id or by
 * cache id. Each batch is decided by `decideGroupApproval`, so every cache
 * gets the same record, timeline entry and resumption as on its own.
 */
import { ApprovalAlreadyDecidedError, IncidentNotFoundError, ValidationError } from '../domain/errors';
import { decideGroupApproval, type DecideGroupApprovalDeps, type GroupDecisionResult } from './decide-approval';

export type Decision = 'approve' | 'reject';

export interface GroupChoices {
  groupId: string;
  step: string;
  decidedBy: string;
  reason: string;
  /** For every cache waiting, or only those in `only`, except those named in `decide`. */
  decision?: Decision;
  /** Incident or cache ids of the group's members that `decision` is for. */
  only?: readonly string[];
  /** By incident or cache id: a decision for that member alone. */
  decide?: Readonly<Record<string, Decision>>;
}

/** The member incidents an id names: the incident itself, or every incident of that cache in the group. */
function membersNamed(members: Record<string, { cacheId: string }>, id: string): string[] {
  if (members[id]) return [id];
  return Object.keys(members).filter((incidentId) => members[incidentId]?.cacheId === id);
}

/**
 * Decides as the operator chose. Refuses (ValidationError) a choice without any decision and ids that name no
 * member; 409 (ApprovalAlreadyDecidedError) when no cache chosen waits for a decision. Caches not decided are
 * in `skipped`, with why.
 */
export async function decideGroupChoices(
  deps: DecideGroupApprovalDeps,
  choices: GroupChoices,
): Promise<GroupDecisionResult> {
  const decide = Object.entries(choices.decide ?? {});
  if (!choices.decision && decide.length === 0) {
    throw new ValidationError('approval decision', [{ path: 'decision', message: 'must be "approve" or "reject"' }]);
  }
  const request = {
    groupId: choices.groupId,
    step: choices.step,
    decidedBy: choices.decidedBy,
    reason: choices.reason,
  };
  // The common case, "approve every cache waiting", is exactly the group decision.
  if (choices.decision && !choices.only && decide.length === 0) {
    return decideGroupApproval(deps, { ...request, decision: choices.decision });
  }
  const group = await deps.store.getGroup(choices.groupId, true);
  if (!group) throw new IncidentNotFoundError(`no incident group ${choices.groupId}`);
  const unknown: { path: string; message: string }[] = [];
  const resolve = (path: string, id: string): string[] => {
    const named = membersNamed(group.members, id);
    if (!named.length) unknown.push({ path, message: `not a cache or incident of group ${choices.groupId}: ${id}` });
    return named;
  };
  const chosen = new Map<string, Decision>();
  for (const [id, decision] of decide)
    for (const incidentId of resolve(`decide.${id}`, id)) chosen.set(incidentId, decision);
  if (choices.decision) {
    const targets = choices.only ? choices.only.flatMap((id) => resolve('only', id)) : Object.keys(group.members);
    for (const incidentId of targets) if (!chosen.has(incidentId)) chosen.set(incidentId, choices.decision);
  }
  if (unknown.length) throw new ValidationError('group decision', unknown);

  const result: GroupDecisionResult = {
    groupId: choices.groupId,
    step: choices.step,
    decided: [],
    skipped: [],
    undecided: [],
  };
  for (const decision of ['approve', 'reject'] as const) {
    const only = [...chosen].filter(([, d]) => d === decision).map(([id]) => id);
    if (!only.length) continue;
    try {
      const batch = await decideGroupApproval(deps, { ...request, decision, only });
      result.decided.push(...batch.decided);
      result.skipped.push(...batch.skipped);
      result.undecided.push(...batch.undecided);
    } catch (err) {
      if (!(err instanceof ApprovalAlreadyDecidedError)) throw err;
      // Nothing of this batch waited: say why for each.
      for (const incidentId of only) {
        const pending = await deps.store.pendingApproval(incidentId, choices.step);
        const why = pending ? `already ${pending.approval.status.toLowerCase()}` : `no approval "${choices.step}"`;
        result.skipped.push({ incidentId, cacheId: group.members[incidentId]?.cacheId ?? incidentId, reason: why });
      }
    }
  }
  if (result.decided.length === 0) {
    throw new ApprovalAlreadyDecidedError(
      `no cache chosen of group ${choices.groupId} waits for a decision on "${choices.step}"` +
        (result.skipped.length ? `: ${result.skipped.map((s) => `${s.cacheId} ${s.reason}`).join('; ')}` : ''),
    );
  }
  const order = Object.keys(group.members);
  result.skipped.sort((a, b) => order.indexOf(a.incidentId) - order.indexOf(b.incidentId));
  return result;
}
