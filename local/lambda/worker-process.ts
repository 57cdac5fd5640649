import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildInChildSync } from '../esbuild-child';
import { isWorkerMessage, type InvokeMessage, type WorkerMessage } from './protocol';
import type { FunctionError, InvokeOutcome } from './types';

const WORKER_ENTRY = join(__dirname, 'worker.ts');
const KILL_GRACE_MS = 2000;

let compiledWorker: string | undefined;

/**
 * The worker compiled to JavaScript once per process, for functions that are
 * already bundled: they then start like a Lambda container, without a
 * TypeScript loader in the way.
 */
function compiledWorkerEntry(): string {
  if (compiledWorker) return compiledWorker;
  const out = join(tmpdir(), `local-lambda-worker-${process.pid}.js`);
  buildInChildSync({
    entryPoints: [WORKER_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    logLevel: 'silent',
  });
  process.once('exit', () => rmSync(out, { force: true }));
  compiledWorker = out;
  return out;
}

export interface WorkerProcessOptions {
  entry: string;
  handler: string;
  env: Record<string, string>;
  onLine: (line: string) => void;
  onExit: () => void;
}

type Resolve = (outcome: InvokeOutcome) => void;

/**
 * One long-lived child process hosting a function module, like a Lambda execution environment.
 * The module is imported once; invocations sent while others are in flight run concurrently in it.
 */
export class WorkerProcess {
  readonly ready: Promise<FunctionError | undefined>;
  private readonly child: ChildProcess;
  private readonly inflight = new Map<string, Resolve>();
  private readonly exited: Promise<void>;
  private exitReason: string | undefined;
  private retired = false;

  constructor(options: WorkerProcessOptions) {
    const bundled = options.entry.endsWith('.js');
    this.child = fork(bundled ? compiledWorkerEntry() : WORKER_ENTRY, [options.entry, options.handler], {
      env: options.env,
      execArgv: bundled ? [] : ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', options.onLine);
    }
    let resolveReady: (error: FunctionError | undefined) => void = () => undefined;
    this.ready = new Promise((resolve) => (resolveReady = resolve));
    this.child.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'ready') resolveReady(undefined);
      else if (message.type === 'init-error') resolveReady(message.error);
      else this.settle(message);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitReason ??= signal ? `signal: ${signal}` : `exit status ${code ?? 0}`;
        resolveReady(this.exitError('Init'));
        for (const [requestId, done] of this.inflight)
          done({ ok: false, error: this.exitError(`RequestId: ${requestId}`) });
        this.inflight.clear();
        options.onExit();
        resolve();
      });
    });
    this.child.once('error', () => this.child.kill('SIGKILL'));
  }

  get alive(): boolean {
    return !this.retired && this.child.exitCode === null && this.child.signalCode === null;
  }

  invoke(message: Omit<InvokeMessage, 'type'>, timeoutMs: number): Promise<InvokeOutcome> {
    if (!this.alive) return Promise.resolve({ ok: false, error: this.exitError(`RequestId: ${message.requestId}`) });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.inflight.delete(message.requestId);
        const seconds = (timeoutMs / 1000).toFixed(2);
        resolve({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${message.requestId} Error: Task timed out after ${seconds} seconds`,
          },
        });
        this.exitReason = `another invocation timed out after ${seconds} seconds`;
        this.retired = true;
        this.child.kill('SIGKILL');
      }, timeoutMs);
      this.inflight.set(message.requestId, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      this.child.send({ type: 'invoke', ...message } satisfies InvokeMessage);
    });
  }

  /** SIGTERM, then SIGKILL if the process has not exited after a grace period. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.retired = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private settle(message: Extract<WorkerMessage, { requestId: string }>): void {
    const done = this.inflight.get(message.requestId);
    if (!done) return;
    this.inflight.delete(message.requestId);
    if (message.type === 'result') done({ ok: true, payload: JSON.parse(message.payloadJson) as unknown });
    else done({ ok: false, error: message.error });
  }

  private exitError(context: string): FunctionError {
    return {
      errorType: 'Runtime.ExitError',
      errorMessage: `${context} Error: Runtime exited with error: ${this.exitReason ?? 'unknown'}`,
    };
  }
}
