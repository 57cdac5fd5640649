import { randomBytes } from 'node:crypto';
import { embeddedMetricOf } from './log-lines';
import { WorkerProcess } from './worker-process';
import type { InvokeOutcome, LocalFunctionSpec } from './types';

const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_MEMORY_MB = 128;

export interface RuntimeHooks {
  onLog?: (functionName: string, line: string) => void;
  onMetric?: (functionName: string, emf: Record<string, unknown>) => void;
}

export interface FunctionIdentity {
  arn: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Lazily started execution environment of one function; restarted after a crash or a timeout. */
export class FunctionRuntime {
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  private worker: WorkerProcess | undefined;
  /** Set by stop(): an invocation that was still waiting to start forks no new worker. */
  private stopped = false;

  constructor(
    readonly spec: LocalFunctionSpec,
    private readonly identity: FunctionIdentity,
    private readonly hooks: RuntimeHooks,
  ) {
    this.timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    this.memorySizeMb = spec.memorySizeMb ?? DEFAULT_MEMORY_MB;
  }

  async invoke(requestId: string, event: unknown, invokedFunctionArn: string): Promise<InvokeOutcome> {
    if (this.stopped) {
      return {
        ok: false,
        error: { errorType: 'ServiceException', errorMessage: `RequestId: ${requestId} the Lambda service stopped` },
      };
    }
    const eventJson = JSON.stringify(event ?? {});
    const worker = this.ensureWorker();
    const started = Date.now();
    const initError = await worker.ready;
    const initMs = Date.now() - started;
    this.log(`START RequestId: ${requestId} Version: $LATEST`);
    const outcome: InvokeOutcome = initError
      ? { ok: false, error: initError }
      : await worker.invoke(
          { requestId, eventJson, invokedFunctionArn, deadlineMs: Date.now() + this.timeoutSeconds * 1000 },
          this.timeoutSeconds * 1000,
        );
    const durationMs = Date.now() - started - initMs;
    this.log(`END RequestId: ${requestId}`);
    const init = initMs > 5 ? `\tInit Duration: ${initMs.toFixed(2)} ms` : '';
    this.log(
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, durationMs)} ms\tMemory Size: ${this.memorySizeMb} MB${init}`,
    );
    return outcome;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.stop();
  }

  private ensureWorker(): WorkerProcess {
    if (this.worker?.alive) return this.worker;
    const worker = new WorkerProcess({
      entry: this.spec.entry,
      handler: this.spec.handler ?? 'handler',
      env: this.environment(),
      onLine: (line) => this.onLine(line),
      onExit: () => {
        if (this.worker === worker) this.worker = undefined;
      },
    });
    this.worker = worker;
    return worker;
  }

  private environment(): Record<string, string> {
    const name = this.spec.name;
    const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const base: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
    };
    // Set by the runtime, after the function's own variables: a function cannot choose its credentials.
    const lambda: Record<string, string> = {
      AWS_ACCESS_KEY_ID: this.identity.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.identity.secretAccessKey,
      AWS_REGION: this.identity.region,
      AWS_DEFAULT_REGION: this.identity.region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.memorySizeMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      LAMBDA_TASK_ROOT: process.cwd(),
      _HANDLER: `${this.spec.entry}.${this.spec.handler ?? 'handler'}`,
    };
    return { ...base, ...this.spec.environment, ...lambda };
  }

  private onLine(line: string): void {
    this.log(line);
    const emf = embeddedMetricOf(line);
    if (emf) this.hooks.onMetric?.(this.spec.name, emf);
  }

  private log(line: string): void {
    this.hooks.onLog?.(this.spec.name, line);
  }
}
