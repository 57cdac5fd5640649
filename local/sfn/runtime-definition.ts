import { childMachines } from './definition';
import { isJsonObject, type Json, type JsonObject } from './json';

/**
 * Longest timer Node.js can arm (2^31-1 ms). Given to the interpreter for tasks without TimeoutSeconds, because it
 * otherwise applies its own 60 s default where AWS lets a Standard task wait for up to a year.
 */
export const UNBOUNDED_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Resource of the Task that stands in for a Wait state whose duration is read at run time and must be scaled. */
export const SCALED_WAIT_RESOURCE = 'local:scaled-wait';

/** What every Task override receives: the resolved Parameters plus the values the interpreter cannot give it. */
export interface TaskCall {
  /** The state's effective input (after InputPath). */
  input: Json;
  /** Resolved Parameters; absent when the state has none. */
  parameters?: Json;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

export interface ScaledWaitCall {
  input: Json;
  seconds?: number;
  timestamp?: string;
}

export interface RuntimeOptions {
  /** Replaces the top-level StartAt (redrive). */
  startAt?: string;
  /** Multiplies Wait durations and Retry intervals. */
  waitScale: number;
}

/**
 * Rewrites a validated definition for aws-local-stepfunctions: Task Parameters are wrapped so the override also gets
 * the state input and TimeoutSecondsPath/HeartbeatSecondsPath values, task timeouts are made explicit, and Wait
 * durations and Retry intervals are scaled.
 */
export function runtimeDefinition(definition: JsonObject, options: RuntimeOptions): JsonObject {
  const copy = rewriteMachine(JSON.parse(JSON.stringify(definition)) as JsonObject, options.waitScale);
  if (options.startAt !== undefined) copy.StartAt = options.startAt;
  return copy;
}

function rewriteMachine(machine: JsonObject, scale: number): JsonObject {
  if (!isJsonObject(machine.States)) return machine;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isJsonObject(state)) continue;
    machine.States[name] = rewriteState(state, scale);
    for (const child of childMachines(state)) rewriteMachine(child, scale);
  }
  return machine;
}

function rewriteState(state: JsonObject, scale: number): JsonObject {
  if (Array.isArray(state.Retry) && scale !== 1)
    state.Retry = state.Retry.map((retrier) => scaleRetrier(retrier, scale));
  if (state.Type === 'Task') return rewriteTask(state);
  if (state.Type === 'Wait') return rewriteWait(state, scale);
  return state;
}

function rewriteTask(state: JsonObject): JsonObject {
  const call: JsonObject = { 'input.$': '$' };
  if ('Parameters' in state) call.parameters = state.Parameters ?? null;
  if (typeof state.TimeoutSecondsPath === 'string') {
    call['timeoutSeconds.$'] = state.TimeoutSecondsPath;
    state.TimeoutSecondsPath = '$.timeoutSeconds';
  } else if (typeof state.TimeoutSeconds !== 'number') {
    state.TimeoutSeconds = UNBOUNDED_TASK_TIMEOUT_SECONDS;
  }
  if (typeof state.HeartbeatSecondsPath === 'string') call['heartbeatSeconds.$'] = state.HeartbeatSecondsPath;
  state.Parameters = call;
  return state;
}

function rewriteWait(state: JsonObject, scale: number): JsonObject {
  if (typeof state.Seconds === 'number') return { ...state, Seconds: state.Seconds * scale };
  if (scale === 1) return state;
  const call: JsonObject = { 'input.$': '$' };
  if (typeof state.SecondsPath === 'string') call['seconds.$'] = state.SecondsPath;
  if (typeof state.TimestampPath === 'string') call['timestamp.$'] = state.TimestampPath;
  if (typeof state.Timestamp === 'string') call.timestamp = state.Timestamp;
  const task: JsonObject = {
    Type: 'Task',
    Resource: SCALED_WAIT_RESOURCE,
    Parameters: call,
    TimeoutSeconds: UNBOUNDED_TASK_TIMEOUT_SECONDS,
  };
  for (const field of ['InputPath', 'OutputPath', 'Next', 'End', 'Comment']) {
    const value = state[field];
    if (value !== undefined) task[field] = value;
  }
  return task;
}

function scaleRetrier(retrier: Json, scale: number): Json {
  if (!isJsonObject(retrier)) return retrier;
  const scaled: JsonObject = {
    ...retrier,
    IntervalSeconds: (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * scale,
  };
  if (typeof retrier.MaxDelaySeconds === 'number') scaled.MaxDelaySeconds = retrier.MaxDelaySeconds * scale;
  return scaled;
}
