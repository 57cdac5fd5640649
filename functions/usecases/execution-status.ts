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
import { WORKFLOW_FAIL_STATES } from '../domain/workflow';
import type { ExecutionReader, ExecutionState, IncidentLocks } from '../ports';
import { addTimeline } from './shared/timeline';
import { escalate, type EscalateDeps } from './escalate';

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
  store: EscalateDeps['store'] & IncidentLocks;
  executions: ExecutionReader;
  /** Waits between two attempts to describe the execution (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/** Waits before the second and third attempt to describe an execution. */
const DESCRIBE_RETRY_MS = [250, 1000];

export type ExecutionStatusOutcome = 'escalated' | 'already-escalated' | 'reopened' | 'ignored';

export async function executionStatusChanged(
  deps: ExecutionStatusDeps,
  change: ExecutionStatusChange,
): Promise<{ outcome: ExecutionStatusOutcome; failedState?: string }> {
  const { incidentId, cacheId } = change.input;
  const stopped = change.status === 'FAILED' || change.status === 'TIMED_OUT' || change.status === 'ABORTED';
  if (!stopped && (change.status !== 'RUNNING' || change.redriveCount === 0)) return { outcome: 'ignored' };

  // Events arrive at least once and in any order: one about an attempt that a later redrive replaced is stale.
  const execution = await describeQuietly(deps, change.executionArn);
  if ((execution?.redriveCount ?? 0) > change.redriveCount) return { outcome: 'ignored' };
  if (change.status === 'RUNNING') return reopen(deps, change, execution);

  const ownKind = change.status === 'FAILED' && change.error ? WORKFLOW_FAIL_STATES[change.error] : undefined;
  if (ownKind) {
    // The workflow escalated in flow before ending in its own Fail state: this finds that done, or finishes
    // what it could not (its notice marker makes the two one).
    const incident = await deps.store.getIncident(incidentId);
    const out = await escalate(deps, {
      incidentId,
      cacheId,
      kind: ownKind,
      error: incident?.error
        ? { Error: incident.error.error, Cause: incident.error.cause }
        : { Error: change.error, Cause: 'the workflow ended without recording why; see its execution history' },
      redriveCount: change.redriveCount,
    });
    return { outcome: out.published ? 'escalated' : 'already-escalated' };
  }

  const failedState = execution?.currentState;
  const out = await escalate(deps, {
    incidentId,
    cacheId,
    kind: 'failed',
    error: {
      Error: change.error ?? STATUS_ERROR[change.status as keyof typeof STATUS_ERROR],
      Cause: change.cause ?? '',
    },
    redriveCount: change.redriveCount,
    stopped: {
      executionArn: change.executionArn,
      status: change.status as 'FAILED' | 'TIMED_OUT' | 'ABORTED',
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

/** DescribeExecution, or nothing when it cannot be read: escalating must not depend on it. */
/**
 * The execution as Step Functions describes it, tried three times: the step it
 * stopped at is what tells the operators where to continue. Undefined when it
 * cannot be described: the escalation goes out without the step.
 */
async function describeQuietly(
  deps: Pick<ExecutionStatusDeps, 'executions' | 'sleep'>,
  executionArn: string,
): Promise<ExecutionState | undefined> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.executions.describe(executionArn);
    } catch {
      const wait = DESCRIBE_RETRY_MS[attempt];
      if (wait === undefined) return undefined;
      await sleep(wait);
    }
  }
}

/**
 * A redrive continues the recovery: the incident is open again, unless the redriven attempt already ended
 * (its own event decides) or the cache is no longer this incident's (the workflow's guarded steps stop it).
 */
async function reopen(
  deps: ExecutionStatusDeps,
  change: ExecutionStatusChange,
  execution: ExecutionState | undefined,
): Promise<{ outcome: ExecutionStatusOutcome }> {
  const { incidentId, cacheId } = change.input;
  const lock = await deps.store.getOpenLock(cacheId);
  const current = lock?.incidentId === incidentId;
  const running = !execution || execution.status === 'RUNNING';
  if (current && running) await deps.store.markAttempt(incidentId, { status: 'OPEN', attempt: change.redriveCount });
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
      : `the workflow was redriven (redrive ${change.redriveCount}), but cache ${cacheId} is ${lock ? `incident ${lock.incidentId}'s now` : 'no longer held by this incident'}: it stays failed`,
    { redriveCount: change.redriveCount, ...(current ? {} : { supersededBy: lock?.incidentId ?? null }) },
  );
  return { outcome: 'reopened' };
}
