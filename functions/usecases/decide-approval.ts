/**
 * An operator's decision on a pending approval (console, CLI, or the drill's
 * automatic approver). The decision is recorded once, with who, when and why,
 * on the incident's timeline, and only then resumes the waiting task. The task
 * token is read from the store and goes nowhere but to Step Functions.
 */
import { ApprovalAlreadyDecidedError, IncidentNotFoundError, ValidationError } from '../domain/errors';
import type { Clock, IncidentConsoleStore, IncidentStore, TaskResumer } from '../ports';

export interface DecideApprovalDeps {
  store: IncidentConsoleStore & Pick<IncidentStore, 'appendTimeline'>;
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
  const reason = request.reason.trim();
  const decidedBy = request.decidedBy.trim();
  const issues = [
    ...(reason ? [] : [{ path: 'reason', message: 'a reason is required' }]),
    ...(reason.length > 1000 ? [{ path: 'reason', message: 'at most 1000 characters' }] : []),
    ...(decidedBy ? [] : [{ path: 'decidedBy', message: 'the operator is required' }]),
  ];
  if (issues.length) throw new ValidationError('approval decision', issues);

  const pending = await deps.store.pendingApproval(request.incidentId, request.step);
  if (!pending) throw new IncidentNotFoundError(`no approval "${request.step}" for incident ${request.incidentId}`);
  if (pending.approval.status !== 'PENDING') {
    throw new ApprovalAlreadyDecidedError(
      `approval "${request.step}" of ${request.incidentId} was already ${pending.approval.status.toLowerCase()}` +
        (pending.approval.decidedBy ? ` by ${pending.approval.decidedBy}` : ''),
    );
  }

  const decidedAt = deps.clock.now().toISOString();
  const status = request.decision === 'approve' ? 'APPROVED' : 'REJECTED';
  await deps.store.decideApproval(request.incidentId, request.step, { status, decidedBy, decidedAt, reason });
  await deps.store.appendTimeline(request.incidentId, {
    at: decidedAt,
    type: status,
    message: `${decidedBy} ${status === 'APPROVED' ? 'approved' : 'rejected'} ${request.step}: ${reason}`,
    detail: { step: request.step, decidedBy, reason },
  });

  if (status === 'APPROVED') {
    await deps.resumer.sendSuccess(pending.taskToken, { approved: true, decidedBy, decidedAt, reason });
  } else {
    await deps.resumer.sendFailure(
      pending.taskToken,
      'ApprovalRejectedError',
      JSON.stringify({ decidedBy, decidedAt, reason }),
    );
  }
  return { incidentId: request.incidentId, step: request.step, status, decidedBy, decidedAt };
}

/** An operator has seen the request: the approval's heartbeat, so it does not escalate while being read. */
export async function acknowledgeApproval(
  deps: DecideApprovalDeps,
  request: { incidentId: string; step: string; by: string },
): Promise<void> {
  const pending = await deps.store.pendingApproval(request.incidentId, request.step);
  if (!pending) throw new IncidentNotFoundError(`no approval "${request.step}" for incident ${request.incidentId}`);
  if (pending.approval.status !== 'PENDING') {
    throw new ApprovalAlreadyDecidedError(`approval "${request.step}" of ${request.incidentId} is ${pending.approval.status.toLowerCase()}`);
  }
  await deps.resumer.heartbeat(pending.taskToken);
  await deps.store.appendTimeline(request.incidentId, {
    at: deps.clock.now().toISOString(),
    type: 'APPROVAL_ACKNOWLEDGED',
    message: `${request.by} is looking at ${request.step}`,
    detail: { step: request.step, by: request.by },
  });
}
