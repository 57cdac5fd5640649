import { randomBytes } from 'node:crypto';
import { SfnApiError, TaskFailure } from './errors';
import type { Json } from './json';

const MAX_OUTPUT_BYTES = 256 * 1024;

interface OpenTask {
  executionArn: string;
  heartbeatMs?: number;
  heartbeatTimer?: NodeJS.Timeout;
  resolve: (output: Json) => void;
  reject: (failure: TaskFailure) => void;
}

type ClosedReason = 'completed' | 'timed-out';

export interface IssuedToken {
  token: string;
  /** Settles with SendTaskSuccess output, or rejects with SendTaskFailure's error or a heartbeat timeout. */
  result: Promise<Json>;
}

/** Task tokens of callback tasks (`.waitForTaskToken`) and the API calls that complete them. */
export class TaskTokens {
  private readonly open = new Map<string, OpenTask>();
  private readonly closed = new Map<string, ClosedReason>();

  issue(executionArn: string, heartbeatSeconds: number | undefined): IssuedToken {
    const token = randomBytes(126).toString('base64url');
    const result = new Promise<Json>((resolve, reject) => {
      const task: OpenTask = { executionArn, resolve, reject };
      if (heartbeatSeconds !== undefined) task.heartbeatMs = heartbeatSeconds * 1000;
      this.open.set(token, task);
      this.armHeartbeat(token, task);
    });
    return { token, result };
  }

  succeed(token: string, output: string): void {
    this.find(token);
    const parsed = parseOutput(output);
    this.take(token, 'completed').resolve(parsed);
  }

  fail(token: string, error: string | undefined, cause: string | undefined): void {
    this.take(token, 'completed').reject(new TaskFailure(error ?? '', cause ?? ''));
  }

  heartbeat(token: string): void {
    const task = this.find(token);
    if (task.heartbeatTimer) task.heartbeatTimer.refresh();
  }

  /** Closes a token without completing its task (task timed out, execution stopped); later calls get TaskTimedOut. */
  expire(token: string): void {
    const task = this.open.get(token);
    if (!task) return;
    clearTimeout(task.heartbeatTimer);
    this.open.delete(token);
    this.closed.set(token, 'timed-out');
  }

  expireExecution(executionArn: string): void {
    for (const [token, task] of this.open) if (task.executionArn === executionArn) this.expire(token);
  }

  pendingCount(): number {
    return this.open.size;
  }

  /** Every token handed out, open or closed. */
  issued(): string[] {
    return [...this.open.keys(), ...this.closed.keys()];
  }

  private armHeartbeat(token: string, task: OpenTask): void {
    if (task.heartbeatMs === undefined) return;
    const seconds = task.heartbeatMs / 1000;
    task.heartbeatTimer = setTimeout(() => {
      this.expire(token);
      task.reject(new TaskFailure('States.HeartbeatTimeout', `No heartbeat received for ${seconds} seconds`, true));
    }, task.heartbeatMs);
  }

  private find(token: string): OpenTask {
    const task = this.open.get(token);
    if (task) return task;
    if (this.closed.get(token) === 'timed-out') throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    throw new SfnApiError('InvalidToken', 'Invalid Token');
  }

  private take(token: string, reason: ClosedReason): OpenTask {
    const task = this.find(token);
    clearTimeout(task.heartbeatTimer);
    this.open.delete(token);
    this.closed.set(token, reason);
    return task;
  }
}

function parseOutput(output: string): Json {
  if (Buffer.byteLength(output, 'utf8') > MAX_OUTPUT_BYTES)
    throw new SfnApiError('InvalidOutput', 'Output exceeds the 262144 byte limit');
  try {
    return JSON.parse(output) as Json;
  } catch {
    throw new SfnApiError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
  }
}
