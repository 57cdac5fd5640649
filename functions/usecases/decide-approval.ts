/**
 * An operator's decision on a pending approval (console, CLI, or the drill's
 * automatic approver). The decision is recorded once, with who, when and why,
 * on the incident's timeline, and only then resumes the waiting task. The task
 * token is read from the store and goes nowhere but to Step Functions.
 */
import { ApprovalAlreadyDecidedError, IncidentNotFoundError } from '../domain/errors';
import { operatorReason } from '../domain/operator-reason';
import type { Approvals, Clock, TaskResumer, Timeline } from '../ports';

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
