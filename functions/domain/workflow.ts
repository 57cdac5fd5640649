/**
 * What the recovery workflow's ASL (statemachines/incident-recovery.asl.json)
 * defines and the use cases rely on: the errors its own Fail states end with,
 * and when an execution that stopped can be continued from the step it
 * stopped at (redriven). test/asl/workflow.test.ts holds this module to the ASL.
 */
import type { Incident } from './incident';

/** The errors of the workflow's own Fail states, and the kind of escalation that preceded each. */
export const WORKFLOW_FAIL_STATES: Readonly<Record<string, 'failed' | 'rejected'>> = {
  RecoveryFailed: 'failed',
  ApprovalRejectedError: 'rejected',
};

/** What the redrive rules read of an execution (DescribeExecution and its history). */
export interface StoppedExecution {
  status: string;
  /** The state the execution is in (or was last in). */
  currentState?: string;
  error?: string;
}

const STOPPED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** Whether the incident's workflow stopped at a step it can continue from, and which; or why not. */
export function redriveCheck(
  incident: Pick<Incident, 'status' | 'error'>,
  execution: StoppedExecution | undefined,
): { ok: true; state?: string } | { ok: false; why: string } {
  if (incident.status !== 'FAILED')
    return { ok: false, why: `the incident is ${incident.status}: only a failed recovery can be continued` };
  if (!execution) return { ok: false, why: 'its workflow execution cannot be found' };
  if (!STOPPED.has(execution.status)) return { ok: false, why: `its workflow is ${execution.status}` };
  if (execution.error !== undefined && WORKFLOW_FAIL_STATES[execution.error]) {
    return {
      ok: false,
      why:
        `the workflow ended the recovery itself (${incident.error?.error ?? execution.error}), and a redrive would end it the same way. ` +
        "Recover by hand, or reset the cache's alarm so that its next ALARM opens a new incident",
    };
  }
  return { ok: true, ...(execution.currentState ? { state: execution.currentState } : {}) };
}
