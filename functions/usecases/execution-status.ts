/**
 * Step Functions Execution Status Change events (EventBridge) for the
 * recovery state machine.
 *
 * A step that fails after its retries with a fault the workflow has no answer
 * for (a dependency down, a permission missing, a bug) fails the execution at
 * that step, so that a redrive continues from there once the cause is fixed,
 * without running finished steps again. Such an execution, or one that timed
 * out or was stopped, is escalated here. The workflow's own end states
 * ("Recovery Failed", "Recovery Rejected") escalated in flow: their events
 * only escalate when that in-flow record is missing. A redriven execution
 * reopens its incident.
 */
import type { ExecutionInput } from '../domain/incident';
import { addTimeline } from './common';
import { escalate, type EscalateDeps } from './escalate';
import type { ExecutionReader } from './incident-view';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface ExecutionStatusChange {
  executionArn: string;
  status: ExecutionStatus;
  /** The execution's input: which incident and cache it recovers. */
  input: Pick<ExecutionInput, 'incidentId' | 'cacheId'>;
  error?: string | undefined;
  cause?: string | undefined;
  redriveCount: number;
}

export interface ExecutionStatusDeps extends EscalateDeps {
  executions: ExecutionReader;
}

export type ExecutionStatusOutcome = 'escalated' | 'already-escalated' | 'reopened' | 'ignored';

/** The errors of the workflow's own Fail states, and the kind of escalation that preceded each. */
export const WORKFLOW_FAIL_STATES: Readonly<Record<string, 'failed' | 'rejected'>> = {
  RecoveryFailed: 'failed',
  ApprovalRejectedError: 'rejected',
};

export async function executionStatusChanged(
  deps: ExecutionStatusDeps,
  change: ExecutionStatusChange,
): Promise<{ outcome: ExecutionStatusOutcome; failedState?: string }> {
  const { incidentId, cacheId } = change.input;
  if (change.status === 'RUNNING') {
    if (change.redriveCount === 0) return { outcome: 'ignored' };
    return reopen(deps, change);
  }
  if (change.status !== 'FAILED' && change.status !== 'TIMED_OUT' && change.status !== 'ABORTED') {
    return { outcome: 'ignored' };
  }

  const ownKind = change.status === 'FAILED' && change.error ? WORKFLOW_FAIL_STATES[change.error] : undefined;
  if (ownKind) {
    const incident = await deps.store.getIncident(incidentId);
    if (incident?.status === 'FAILED') return { outcome: 'already-escalated' };
    // The in-flow escalation itself failed: tell the operators now.
    const out = await escalate(deps, {
      incidentId,
      cacheId,
      kind: ownKind,
      error: { Error: change.error, Cause: 'the workflow ended without recording why; see its execution history' },
      redriveCount: change.redriveCount,
    });
    return { outcome: out.published ? 'escalated' : 'already-escalated' };
  }

  const failedState = (await deps.executions.describe(change.executionArn))?.currentState;
  const out = await escalate(deps, {
    incidentId,
    cacheId,
    kind: 'failed',
    error: { Error: change.error ?? STATUS_ERROR[change.status], Cause: change.cause ?? '' },
    redriveCount: change.redriveCount,
    stopped: {
      executionArn: change.executionArn,
      status: change.status,
      ...(failedState ? { state: failedState } : {}),
    },
  });
  return { outcome: out.published ? 'escalated' : 'already-escalated', ...(failedState ? { failedState } : {}) };
}

const STATUS_ERROR: Record<'FAILED' | 'TIMED_OUT' | 'ABORTED', string> = {
  FAILED: 'States.Runtime',
  TIMED_OUT: 'States.Timeout',
  ABORTED: 'ExecutionAborted',
};

/** A redrive continues the recovery: the incident is open again until the workflow ends. */
async function reopen(deps: ExecutionStatusDeps, change: ExecutionStatusChange): Promise<{ outcome: ExecutionStatusOutcome }> {
  const { incidentId, cacheId } = change.input;
  const [incident, lock] = await Promise.all([deps.store.getIncident(incidentId), deps.store.getOpenLock(cacheId)]);
  // A newer incident holding the cache keeps it: the redriven workflow stops at its next step that
  // would touch the cache (IncidentSupersededError) and ends failed again.
  const current = !lock || lock.incidentId === incidentId;
  if (incident && incident.status !== 'RESOLVED' && current) await deps.store.updateIncident(incidentId, { status: 'OPEN' });
  const timeline = await deps.store.timeline(incidentId);
  if (timeline.some((e) => e.type === 'REDRIVEN' && e.detail?.redriveCount === change.redriveCount)) {
    return { outcome: 'reopened' };
  }
  await addTimeline(
    deps,
    incidentId,
    'REDRIVEN',
    current
      ? `the workflow was redriven (redrive ${change.redriveCount}): it continues from the step that stopped it`
      : `the workflow was redriven (redrive ${change.redriveCount}), but incident ${lock.incidentId} now holds cache ${cacheId}: this one stays failed`,
    { redriveCount: change.redriveCount, ...(current ? {} : { supersededBy: lock.incidentId }) },
  );
  return { outcome: 'reopened' };
}
