import type { StateInfo } from './definition';
import { TaskFailure } from './errors';
import type { History, HistoryDetails } from './history';
import { dataField } from './history';
import { dynamoDb, lambdaFunction, lambdaInvoke, snsPublish, type IntegrationClients } from './integrations';
import { isJsonObject, replaceInStrings, type Json } from './json';
import { resourceParts, type Integration } from './resources';
import type { TaskCall } from './runtime-definition';
import type { TaskTokens } from './task-tokens';

/** Stands in for `$$.Task.Token` in the run's context object; each callback task swaps in a fresh token. */
export const TASK_TOKEN_SENTINEL = 'local-sfn-task-token-placeholder';

export interface TaskServices extends IntegrationClients {
  tokens: TaskTokens;
  region: string;
}

export interface ExecutionScope {
  executionArn: string;
  history: History;
  /** Aborted when the execution stops or ends; in-flight tasks then settle so the interpreter unwinds. */
  signal: AbortSignal;
}

interface Prepared {
  parameters: Json;
  token?: string;
  callback?: Promise<Json>;
}

/**
 * Runs one attempt of a Task state as an aws-local-stepfunctions override and records its history events.
 * The interpreter enforces TimeoutSeconds itself (so `States.TaskFailed` does not match the timeout, as in AWS);
 * this attempt arms a timer of the same length, created just before the interpreter's, to record TaskTimedOut and
 * expire the task token.
 */
export async function runTask(
  info: StateInfo,
  integration: Integration,
  rawCall: Json,
  services: TaskServices,
  scope: ExecutionScope,
): Promise<Json> {
  const call = taskCall(rawCall);
  const events = new TaskEvents(info, integration, scope.history, services.region);
  const timeoutSeconds = numberField(info.state.TimeoutSeconds) ?? call.timeoutSeconds;
  let prepared: Prepared | undefined;
  let timedOut = false;
  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          events.timedOut(new TaskFailure('States.Timeout', `Task timed out after ${timeoutSeconds} seconds`, true));
          if (prepared?.token) services.tokens.expire(prepared.token);
        }, timeoutSeconds * 1000);
  try {
    await afterPendingEvents();
    if (scope.signal.aborted) throw new TaskFailure('States.Aborted', 'Execution was aborted');
    prepared = prepare(
      integration,
      call,
      services,
      scope.executionArn,
      numberField(info.state.HeartbeatSeconds) ?? call.heartbeatSeconds,
    );
    events.scheduled(
      prepared.parameters,
      timeoutSeconds,
      call.heartbeatSeconds ?? numberField(info.state.HeartbeatSeconds),
    );
    const output = await untilAborted(perform(integration, prepared, services, events), scope.signal);
    if (timedOut) return await abandoned(scope.signal);
    events.succeeded(output);
    return output;
  } catch (error) {
    if (timedOut) return await abandoned(scope.signal);
    const failure =
      error instanceof TaskFailure
        ? error
        : new TaskFailure('States.TaskFailed', error instanceof Error ? error.message : String(error));
    if (failure.timedOut) events.timedOut(failure);
    else events.failed(failure);
    throw failure;
  } finally {
    clearTimeout(timer);
    if (prepared?.token) services.tokens.expire(prepared.token);
  }
}

/**
 * After a timeout the interpreter settles the state with its own States.Timeout error (its timer may fire a moment
 * after ours); the attempt must not settle first, so it stays pending until the execution ends.
 */
function abandoned(signal: AbortSignal): Promise<never> {
  return untilAborted(new Promise<never>(() => undefined), signal);
}

function prepare(
  integration: Integration,
  call: TaskCall,
  services: TaskServices,
  executionArn: string,
  heartbeatSeconds: number | undefined,
): Prepared {
  const parameters = call.parameters === undefined ? call.input : call.parameters;
  if (!('pattern' in integration) || integration.pattern !== 'callback') return { parameters };
  if (!JSON.stringify(parameters).includes(TASK_TOKEN_SENTINEL)) {
    throw new TaskFailure('States.Runtime', 'The Parameters of a .waitForTaskToken task must pass $$.Task.Token');
  }
  const { token, result } = services.tokens.issue(executionArn, heartbeatSeconds);
  return { parameters: replaceInStrings(parameters, TASK_TOKEN_SENTINEL, token), token, callback: result };
}

async function perform(
  integration: Integration,
  prepared: Prepared,
  services: TaskServices,
  events: TaskEvents,
): Promise<Json> {
  const request = invokeIntegration(integration, prepared.parameters, services);
  if (!prepared.callback) return request;
  const submitted = request.then((output) => {
    events.submitted(output);
    return new Promise<Json>(() => undefined);
  });
  return Promise.race([prepared.callback, submitted]);
}

function invokeIntegration(integration: Integration, parameters: Json, services: TaskServices): Promise<Json> {
  switch (integration.kind) {
    case 'lambda':
      return lambdaInvoke(services, parameters);
    case 'lambda-function':
      return lambdaFunction(services, integration.functionArn, parameters);
    case 'dynamodb':
      return dynamoDb(services, integration.action, parameters);
    case 'sns':
      return snsPublish(services, parameters);
  }
}

/** Task (or LambdaFunction) history events of one attempt; nothing is recorded after a timeout. */
class TaskEvents {
  private closed = false;
  private readonly lambdaArn: boolean;
  private readonly resource: { resourceType: string; resource: string };

  constructor(
    info: StateInfo,
    integration: Integration,
    private readonly history: History,
    private readonly region: string,
  ) {
    this.lambdaArn = integration.kind === 'lambda-function';
    this.resource = resourceParts(String(info.state.Resource));
  }

  scheduled(parameters: Json, timeoutInSeconds: number | undefined, heartbeatInSeconds: number | undefined): void {
    if (this.lambdaArn) {
      this.history.add('LambdaFunctionScheduled', {
        resource: this.resource.resource,
        ...dataField('input', parameters),
        timeoutInSeconds,
      });
      this.history.add('LambdaFunctionStarted');
      return;
    }
    this.history.add('TaskScheduled', {
      ...this.resource,
      region: this.region,
      parameters: JSON.stringify(parameters),
      timeoutInSeconds,
      heartbeatInSeconds,
    });
    this.history.add('TaskStarted', { ...this.resource });
  }

  submitted(output: Json): void {
    if (!this.closed) this.history.add('TaskSubmitted', { ...this.resource, ...dataField('output', output) });
  }

  succeeded(output: Json): void {
    this.end(this.lambdaArn ? 'LambdaFunctionSucceeded' : 'TaskSucceeded', dataField('output', output));
  }

  failed(failure: TaskFailure): void {
    this.end(this.lambdaArn ? 'LambdaFunctionFailed' : 'TaskFailed', { error: failure.name, cause: failure.message });
  }

  timedOut(failure: TaskFailure): void {
    this.end(this.lambdaArn ? 'LambdaFunctionTimedOut' : 'TaskTimedOut', {
      error: failure.name,
      cause: failure.message,
    });
  }

  private end(type: string, details: HistoryDetails): void {
    if (this.closed) return;
    this.closed = true;
    this.history.add(type, this.lambdaArn ? details : { ...this.resource, ...details });
  }
}

function taskCall(raw: Json): TaskCall {
  if (!isJsonObject(raw)) throw new TaskFailure('States.Runtime', 'Unexpected task input');
  const call: TaskCall = { input: raw.input ?? null };
  if ('parameters' in raw) call.parameters = raw.parameters ?? null;
  const timeoutSeconds = numberField(raw.timeoutSeconds);
  const heartbeatSeconds = numberField(raw.heartbeatSeconds);
  if (timeoutSeconds !== undefined) call.timeoutSeconds = timeoutSeconds;
  if (heartbeatSeconds !== undefined) call.heartbeatSeconds = heartbeatSeconds;
  return call;
}

function numberField(value: Json | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * The interpreter dispatches StateEntered before calling the override, but its event log is consumed through async
 * iteration (microtasks); waiting one macrotask lets that event reach the history before the task's own events.
 */
export function afterPendingEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Settles with the work, or rejects as soon as the signal aborts. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new TaskFailure('States.Aborted', 'Execution was aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TaskFailure('States.Aborted', 'The task was abandoned'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
