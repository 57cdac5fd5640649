/** The recovery state machine's executions: starting, resuming, redriving and reading them. */
import type { ExecutionInput } from '../domain/incident';

/** Starts executions of the recovery state machine. */
export interface Workflow {
  /** Idempotent by name: an existing execution of the same name is reported, not duplicated. */
  start(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** Resumes a task that waits for a token (the approval step). */
export interface TaskResumer {
  sendSuccess(taskToken: string, output: unknown): Promise<void>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<void>;
  heartbeat(taskToken: string): Promise<void>;
}

/** Continues a stopped execution from the step it stopped at (RedriveExecution). */
export interface ExecutionRedriver {
  /** Throws NotRedrivableError when Step Functions refuses. */
  redrive(executionArn: string): Promise<void>;
}

/** The state machine execution behind an incident, as the console shows it. */
export interface ExecutionState {
  status: string;
  /** The state the execution is in (or was last in). */
  currentState?: string;
  startedAt?: string;
  stoppedAt?: string;
  error?: string;
  /** How many times it was redriven. */
  redriveCount?: number;
}

/** Reads executions of the recovery state machine (DescribeExecution, GetExecutionHistory). */
export interface ExecutionReader {
  describe(executionArn: string): Promise<ExecutionState | undefined>;
}
