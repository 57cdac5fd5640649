/**
 * An operator continues a recovery that stopped at a step (console, CLI, or
 * the drill), once the cause is fixed: the execution is redriven from that
 * step, and the steps that finished keep their results and do not run again.
 * Only while the incident still holds its cache. Who asked, and why, goes on
 * the timeline once Step Functions accepted.
 */
import { IncidentNotFoundError, NotRedrivableError } from '../domain/errors';
import { operatorReason } from '../domain/operator-reason';
import { redriveCheck } from '../domain/workflow';
import type { Clock, ExecutionReader, ExecutionRedriver, IncidentLocks, IncidentRecords, Timeline } from '../ports';
import { addTimeline } from './shared/timeline';

export interface RedriveDeps {
  store: IncidentRecords & Timeline & IncidentLocks;
  executions: ExecutionReader;
  redriver: ExecutionRedriver;
  clock: Clock;
}

export interface RedriveRequest {
  incidentId: string;
  requestedBy: string;
  reason: string;
}

export interface RedriveResult {
  incidentId: string;
  executionArn: string;
  /** The step the workflow continues from. */
  continuesAt?: string;
  requestedBy: string;
  requestedAt: string;
}

export async function redriveIncident(deps: RedriveDeps, request: RedriveRequest): Promise<RedriveResult> {
  const { by: requestedBy, reason } = operatorReason(
    'redrive request',
    { field: 'requestedBy', value: request.requestedBy },
    request.reason,
  );

  const { incidentId } = request;
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
  const executionArn = incident.executionArn;
  if (!executionArn) throw new NotRedrivableError(`incident ${incidentId} has no workflow execution recorded`);
  const [execution, lock] = await Promise.all([
    deps.executions.describe(executionArn),
    deps.store.getOpenLock(incident.cacheId),
  ]);
  const check = redriveCheck(incident, execution);
  if (!check.ok) throw new NotRedrivableError(`incident ${incidentId} cannot be continued: ${check.why}`);
  if (lock?.incidentId !== incidentId) {
    throw new NotRedrivableError(
      lock
        ? `incident ${lock.incidentId} now holds cache ${incident.cacheId}: follow that one instead`
        : `cache ${incident.cacheId} has no open incident any more (a newer one resolved, or the lock expired): reset its alarm to open a new incident`,
    );
  }

  await deps.redriver.redrive(executionArn);
  // Open again at once (the redrive's RUNNING event does it too): a new ALARM meanwhile joins this incident.
  await deps.store.markAttempt(incidentId, { status: 'OPEN', attempt: (execution?.redriveCount ?? 0) + 1 });
  const requestedAt = deps.clock.now().toISOString();
  const from = check.state ? ` from ${check.state}` : '';
  await addTimeline(deps, incidentId, 'REDRIVE_REQUESTED', `${requestedBy} continued the workflow${from}: ${reason}`, {
    requestedBy,
    reason,
    ...(check.state ? { continuesAt: check.state } : {}),
  });
  return { incidentId, executionArn, ...(check.state ? { continuesAt: check.state } : {}), requestedBy, requestedAt };
}
