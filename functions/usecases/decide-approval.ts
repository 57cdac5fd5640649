/**
 * An operator's decision on a pending approval (console, CLI, or the drill's
 * automatic approver). The decision is recorded once, with who, when and why,
 * on the incident's timeline, and only then resumes the waiting task. The task
 * token is read from the store and goes nowhere but to Step Functions.
 */
import { ApprovalAlreadyDecidedError, IncidentNotFoundError, ValidationError } from '../domain/errors';
import { MAX_REASON_CHARS, operatorReason } from '../domain/operator-reason';
import type { Approvals, Clock, GroupApprovals, GroupStore, TaskResumer, Timeline } from '../ports';

export interface DecideApprovalDeps {
  store: Timeline & Approvals;
  resumer: TaskResumer;
  clock: Clock;
}

export interface DecisionRequest {
  incidentId: string;
  step: string;
  decision: 'approve' | 'reject';
  decidedBy: string;
  reason: string;
}

export interface DecisionResult {
  incidentId: string;
  step: string;
  status: 'APPROVED' | 'REJECTED';
  decidedBy: string;
  decidedAt: string;
}

export async function decideApproval(deps: DecideApprovalDeps, request: DecisionRequest): Promise<DecisionResult> {
  const { by: decidedBy, reason } = operatorReason(
    'approval decision',
    { field: 'decidedBy', value: request.decidedBy },
    request.reason,
  );

  const pending = await deps.store.pendingApproval(request.incidentId, request.step);
  if (!pending) throw new IncidentNotFoundError(`no approval "${request.step}" for incident ${request.incidentId}`);
  const status = request.decision === 'approve' ? 'APPROVED' : 'REJECTED';
  const recorded = pending.approval;
  if (recorded.status !== 'PENDING') {
    // The same decision by the same operator, recorded but never delivered (resuming failed): deliver it now.
    const undelivered = !recorded.resumedAt && recorded.status === status && recorded.decidedBy === decidedBy;
    if (!undelivered) {
      throw new ApprovalAlreadyDecidedError(
        `approval "${request.step}" of ${request.incidentId} was already ${recorded.status.toLowerCase()}` +
          (recorded.decidedBy ? ` by ${recorded.decidedBy}` : ''),
      );
    }
    const decidedAt = recorded.decidedAt ?? deps.clock.now().toISOString();
    await resume(
      deps,
      request,
      pending.taskToken,
      status,
      { decidedBy, decidedAt, reason: recorded.reason ?? reason },
      true,
    );
    return { incidentId: request.incidentId, step: request.step, status, decidedBy, decidedAt };
  }

  const decidedAt = deps.clock.now().toISOString();
  await deps.store.decideApproval(request.incidentId, request.step, { status, decidedBy, decidedAt, reason });
  await deps.store.appendTimeline(request.incidentId, {
    at: decidedAt,
    type: status,
    message: `${decidedBy} ${status === 'APPROVED' ? 'approved' : 'rejected'} ${request.step}: ${reason}`,
    detail: { step: request.step, decidedBy, reason },
  });
  await resume(deps, request, pending.taskToken, status, { decidedBy, decidedAt, reason }, false);
  return { incidentId: request.incidentId, step: request.step, status, decidedBy, decidedAt };
}

/**
 * Resumes the waiting task with the decision and notes that it was delivered.
 * On a retry, a token Step Functions no longer knows means the earlier attempt
 * did get through.
 */
async function resume(
  deps: DecideApprovalDeps,
  request: DecisionRequest,
  taskToken: string,
  status: 'APPROVED' | 'REJECTED',
  decision: { decidedBy: string; decidedAt: string; reason: string },
  retry: boolean,
): Promise<void> {
  try {
    if (status === 'APPROVED') {
      await deps.resumer.sendSuccess(taskToken, { approved: true, ...decision });
    } else {
      await deps.resumer.sendFailure(taskToken, 'ApprovalRejectedError', JSON.stringify(decision));
    }
  } catch (err) {
    if (!(retry && err instanceof ApprovalAlreadyDecidedError)) throw err;
  }
  await deps.store.markApprovalResumed(request.incidentId, request.step, deps.clock.now().toISOString());
}

/** An operator has seen the request: the approval's heartbeat, so it does not escalate while being read. */
export async function acknowledgeApproval(
  deps: DecideApprovalDeps,
  request: { incidentId: string; step: string; by: string },
): Promise<void> {
  const pending = await deps.store.pendingApproval(request.incidentId, request.step);
  if (!pending) throw new IncidentNotFoundError(`no approval "${request.step}" for incident ${request.incidentId}`);
  if (pending.approval.status !== 'PENDING') {
    throw new ApprovalAlreadyDecidedError(
      `approval "${request.step}" of ${request.incidentId} is ${pending.approval.status.toLowerCase()}`,
    );
  }
  await deps.resumer.heartbeat(pending.taskToken);
  await deps.store.appendTimeline(request.incidentId, {
    at: deps.clock.now().toISOString(),
    type: 'APPROVAL_ACKNOWLEDGED',
    message: `${request.by} is looking at ${request.step}`,
    detail: { step: request.step, by: request.by },
  });
}

export interface DecideGroupApprovalDeps extends DecideApprovalDeps {
  store: DecideApprovalDeps['store'] & Pick<GroupStore, 'getGroup'> & Pick<GroupApprovals, 'markMemberApproval'>;
}

export interface GroupDecisionRequest extends Omit<DecisionRequest, 'incidentId'> {
  groupId: string;
  /** Decide only these members (incident ids); every member waiting for a decision otherwise. */
  only?: readonly string[];
}

export interface GroupDecisionResult {
  groupId: string;
  step: string;
  /** One per member decided now. */
  decided: DecisionResult[];
  /** Members not decided, and why (decided before, no approval of the step, or the error deciding it). */
  skipped: { incidentId: string; cacheId: string; reason: string }[];
  /** Of those skipped, the members an error kept from being decided: deciding again retries them. */
  undecided: string[];
}

/**
 * One operator's decision for several caches of an incident group: each member waiting for a decision on
 * `step` (or only those named) is decided as on its own, with the same record, timeline entry and resumption,
 * its reason naming the group. A member decided before is left as it is; a failure to decide one member does
 * not keep the others waiting, and deciding again decides only what is still pending.
 */
export async function decideGroupApproval(
  deps: DecideGroupApprovalDeps,
  request: GroupDecisionRequest,
): Promise<GroupDecisionResult> {
  const { by: decidedBy, reason } = operatorReason(
    'approval decision',
    { field: 'decidedBy', value: request.decidedBy },
    request.reason,
  );
  const group = await deps.store.getGroup(request.groupId, true);
  if (!group) throw new IncidentNotFoundError(`no incident group ${request.groupId}`);
  const members = Object.entries(group.members).sort(([, a], [, b]) => (a.joinedAt < b.joinedAt ? -1 : 1));
  const unknown = (request.only ?? []).filter((id) => !group.members[id]);
  if (unknown.length) {
    throw new ValidationError('group decision', [
      { path: 'only', message: `not a member of group ${request.groupId}: ${unknown.join(', ')}` },
    ]);
  }
  const suffix = ` (group ${request.groupId})`;
  if (reason.length + suffix.length > MAX_REASON_CHARS) {
    throw new ValidationError('group decision', [
      { path: 'reason', message: `at most ${MAX_REASON_CHARS - suffix.length} characters for a decision of a group` },
    ]);
  }
  const targets = members.filter(([id]) => !request.only || request.only.includes(id));
  const result: GroupDecisionResult = {
    groupId: request.groupId,
    step: request.step,
    decided: [],
    skipped: [],
    undecided: [],
  };
  const status = request.decision === 'approve' ? 'APPROVED' : 'REJECTED';
  let failure: unknown;
  for (const [incidentId, member] of targets) {
    const pending = await deps.store.pendingApproval(incidentId, request.step);
    const recorded = pending?.approval;
    // Recorded by this operator but never delivered (an earlier group decision failed half-way): deliver it now.
    const undelivered = recorded?.status === status && !recorded.resumedAt && recorded.decidedBy === decidedBy;
    if (recorded?.status !== 'PENDING' && !undelivered) {
      const why = recorded ? `already ${recorded.status.toLowerCase()}` : `no approval "${request.step}"`;
      result.skipped.push({ incidentId, cacheId: member.cacheId, reason: why });
      continue;
    }
    try {
      const decided = await decideApproval(deps, {
        incidentId,
        step: request.step,
        decision: request.decision,
        decidedBy,
        reason: `${reason}${suffix}`,
      });
      result.decided.push(decided);
      await deps.store.markMemberApproval(request.groupId, incidentId, request.step, decided.status);
    } catch (err) {
      // One cache that cannot be decided now keeps none of the others waiting; deciding again retries it.
      const why = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ApprovalAlreadyDecidedError)) {
        failure ??= err;
        result.undecided.push(incidentId);
      }
      result.skipped.push({ incidentId, cacheId: member.cacheId, reason: `not decided: ${why}` });
    }
  }
  // Nothing decided and a cache failed: the failure is the answer (a retry decides what still waits).
  if (result.decided.length === 0 && failure) throw failure;
  if (result.decided.length === 0) {
    throw new ApprovalAlreadyDecidedError(
      `no cache of group ${request.groupId} waits for a decision on "${request.step}"` +
        (result.skipped.length ? `: ${result.skipped.map((s) => `${s.cacheId} ${s.reason}`).join('; ')}` : ''),
    );
  }
  return result;
}

/** An operator has seen the group's request: the heartbeat of every member still waiting. The members acknowledged. */
export async function acknowledgeGroupApproval(
  deps: DecideGroupApprovalDeps,
  request: { groupId: string; step: string; by: string },
): Promise<string[]> {
  const group = await deps.store.getGroup(request.groupId, true);
  if (!group) throw new IncidentNotFoundError(`no incident group ${request.groupId}`);
  const acknowledged: string[] = [];
  let failure: unknown;
  for (const incidentId of Object.keys(group.members)) {
    const pending = await deps.store.pendingApproval(incidentId, request.step);
    if (pending?.approval.status !== 'PENDING') continue;
    try {
      await acknowledgeApproval(deps, { incidentId, step: request.step, by: request.by });
      acknowledged.push(incidentId);
    } catch (err) {
      // A wait that already ended (its heartbeat expired) does not keep the others from being acknowledged.
      if (!(err instanceof ApprovalAlreadyDecidedError)) failure ??= err;
    }
  }
  if (!acknowledged.length && failure) throw failure;
  if (!acknowledged.length) {
    throw new ApprovalAlreadyDecidedError(`no cache of group ${request.groupId} waits for "${request.step}"`);
  }
  return acknowledged;
}
