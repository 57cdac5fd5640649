import '../polyfills';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { ParsedDefinition, StateInfo } from './definition';
import { SfnApiError } from './errors';
import { dataField, History } from './history';
import { isJsonObject, type Json } from './json';
import { recordLibraryEvent, type LibraryEvent } from './library-events';
import { runtimeDefinition, type ScaledWaitCall } from './runtime-definition';
import { runTask, TASK_TOKEN_SENTINEL, type ExecutionScope, type TaskServices } from './task-runner';

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** DescribeExecution, with dates as Date objects. */
export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: Date;
}

export interface ExecutionSetup {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  roleArn: string;
  input: string;
  definition: ParsedDefinition;
  services: TaskServices;
  waitScale: number;
  /** Called with the description each time the status changes (start, redrive, end). */
  onStatusChange?: (description: ExecutionDescription) => void;
}

type RunOutcome = { output: Json } | { error: unknown };

/** One execution: runs the definition with aws-local-stepfunctions and keeps its status and AWS-shaped history. */
export class Execution {
  readonly history = new History();
  readonly startDate = new Date();
  private status: ExecutionStatus = 'RUNNING';
  private stopDate: Date | undefined;
  private output: string | undefined;
  private error: string | undefined;
  private cause: string | undefined;
  private redriveCount = 0;
  private redriveDate: Date | undefined;
  private controller = new AbortController();
  private abortRun: (() => void) | undefined;
  private lastTopLevel: { name: string; input: Json } | undefined;
  private lastFailedState: StateInfo | undefined;
  private settled: Promise<void>;

  constructor(private readonly setup: ExecutionSetup) {
    this.history.add('ExecutionStarted', {
      ...dataField('input', setup.input),
      roleArn: setup.roleArn,
      stateMachineArn: setup.stateMachineArn,
    });
    this.settled = this.run(setup.definition.startAt, JSON.parse(setup.input) as Json);
    this.statusChanged();
  }

  get arn(): string {
    return this.setup.executionArn;
  }

  get name(): string {
    return this.setup.name;
  }

  get input(): string {
    return this.setup.input;
  }

  get stateMachineArn(): string {
    return this.setup.stateMachineArn;
  }

  get isRunning(): boolean {
    return this.status === 'RUNNING';
  }

  describe(): ExecutionDescription {
    const description: ExecutionDescription = {
      executionArn: this.arn,
      stateMachineArn: this.stateMachineArn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      input: this.input,
      redriveCount: this.redriveCount,
    };
    const optional = {
      stopDate: this.stopDate,
      output: this.output,
      error: this.error,
      cause: this.cause,
      redriveDate: this.redriveDate,
    };
    for (const [key, value] of Object.entries(optional))
      if (value !== undefined) Object.assign(description, { [key]: value });
    return description;
  }

  /** Resolves once the current run has finished unwinding. */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  stop(error: string | undefined, cause: string | undefined): Date {
    if (this.status !== 'RUNNING') return this.stopDate ?? new Date();
    this.status = 'ABORTED';
    this.stopDate = new Date();
    this.error = error;
    this.cause = cause;
    this.history.add('ExecutionAborted', { error, cause });
    this.history.close();
    this.setup.services.tokens.expireExecution(this.arn);
    this.abortRun?.();
    this.controller.abort();
    this.statusChanged();
    return this.stopDate;
  }

  /** Restarts a closed, unsuccessful execution at the top-level state it was in, with that state's input. */
  redrive(): Date {
    const restart = this.lastTopLevel;
    if (this.status === 'RUNNING' || this.status === 'SUCCEEDED' || !restart) {
      throw new SfnApiError(
        'ExecutionNotRedrivable',
        `Execution ${this.arn} cannot be redriven: its status is ${this.status}`,
      );
    }
    this.redriveCount += 1;
    this.redriveDate = new Date();
    this.status = 'RUNNING';
    this.stopDate = this.output = this.error = this.cause = undefined;
    this.lastFailedState = undefined;
    this.history.reopen();
    this.history.add('ExecutionRedriven', { redriveCount: this.redriveCount });
    this.settled = this.settled.then(() => this.run(restart.name, restart.input));
    this.statusChanged();
    return this.redriveDate;
  }

  private async run(startAt: string, input: Json): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const scope: ExecutionScope = { executionArn: this.arn, history: this.history, signal: controller.signal };
    let outcome: RunOutcome;
    try {
      const definition = runtimeDefinition(this.setup.definition.json, { startAt, waitScale: this.setup.waitScale });
      const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      });
      const execution = machine.run(input, {
        overrides: { taskResourceLocalHandlers: this.taskHandlers(scope) },
        context: this.context(input),
      });
      this.abortRun = execution.abort;
      const recording = this.record(execution.eventLogs);
      outcome = await execution.result.then(
        (output) => ({ output }),
        (error: unknown) => ({ error }),
      );
      await recording;
    } catch (error) {
      outcome = { error };
    }
    controller.abort();
    this.finish(outcome);
  }

  private async record(events: AsyncGenerator<LibraryEvent>): Promise<void> {
    const sink = {
      history: this.history,
      stateInfo: (name: string) => this.setup.definition.states.get(name),
      topLevelEntered: (name: string, input: Json) => (this.lastTopLevel = { name, input }),
      stateFailed: (info: StateInfo) => (this.lastFailedState = info),
    };
    for await (const event of events) recordLibraryEvent(event, sink);
  }

  private finish(outcome: RunOutcome): void {
    if (this.status !== 'RUNNING') return;
    this.stopDate = new Date();
    if ('output' in outcome) {
      this.status = 'SUCCEEDED';
      this.output = JSON.stringify(outcome.output);
      this.history.add('ExecutionSucceeded', dataField('output', this.output));
    } else {
      const { status, error, cause } = this.failureOf(outcome.error);
      this.status = status;
      this.error = error;
      this.cause = cause;
      const type =
        status === 'TIMED_OUT' ? 'ExecutionTimedOut' : status === 'ABORTED' ? 'ExecutionAborted' : 'ExecutionFailed';
      this.history.add(type, { error, cause });
    }
    this.history.close();
    this.setup.services.tokens.expireExecution(this.arn);
    this.statusChanged();
  }

  /** Listeners run after the current call returns, as EventBridge delivers after the API answers. */
  private statusChanged(): void {
    const listener = this.setup.onStatusChange;
    if (!listener) return;
    const description = this.describe();
    queueMicrotask(() => listener(description));
  }

  private failureOf(thrown: unknown): { status: ExecutionStatus; error?: string; cause?: string } {
    if (thrown instanceof ExecutionTimeoutError)
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' };
    if (thrown instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    const failure = thrown instanceof ExecutionError && thrown.cause instanceof Error ? thrown.cause : thrown;
    if (!(failure instanceof Error)) return { status: 'FAILED', error: 'States.Runtime', cause: String(failure) };
    const failState = this.lastFailedState?.type === 'Fail' ? this.lastFailedState.state : undefined;
    if (failState) {
      const error = 'Error' in failState || 'ErrorPath' in failState ? failure.name : undefined;
      const cause = 'Cause' in failState || 'CausePath' in failState ? failure.message : undefined;
      return { status: 'FAILED', error, cause };
    }
    return { status: 'FAILED', error: failure.name, cause: failure.message };
  }

  private taskHandlers(scope: ExecutionScope): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const info of this.setup.definition.states.values()) {
      const integration = info.integration;
      if (integration) handlers[info.name] = (call) => runTask(info, integration, call, this.setup.services, scope);
      else if (info.type === 'Wait')
        handlers[info.name] = (call) => scaledWait(call, this.setup.waitScale, scope.signal);
    }
    return handlers;
  }

  private context(input: Json): NonNullable<RunOptions['context']> {
    const { executionArn, name, roleArn, stateMachineArn, stateMachineName } = this.setup;
    return {
      Execution: {
        Id: executionArn,
        Name: name,
        StartTime: this.startDate.toISOString(),
        Input: input,
        RoleArn: roleArn,
        RedriveCount: this.redriveCount,
      },
      StateMachine: { Id: stateMachineArn, Name: stateMachineName },
      Task: { Token: TASK_TOKEN_SENTINEL },
    };
  }
}

/** A Wait state whose duration is only known at run time, scaled by `waitScale`. */
async function scaledWait(raw: Json, scale: number, signal: AbortSignal): Promise<Json> {
  const call = (isJsonObject(raw) ? raw : { input: raw }) as unknown as ScaledWaitCall;
  const seconds =
    typeof call.seconds === 'number'
      ? call.seconds
      : call.timestamp
        ? (Date.parse(call.timestamp) - Date.now()) / 1000
        : 0;
  const ms = Math.max(0, seconds * 1000 * scale);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
  return call.input;
}
