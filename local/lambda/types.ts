import type { FaultInjector } from '../faults';
import type { LocalService } from '../service';

/** One function of the local Lambda runtime: a TypeScript module and its configuration. */
export interface LocalFunctionSpec {
  name: string;
  /** Absolute path of the TypeScript module that exports the handler. */
  entry: string;
  /** Export name of the handler; defaults to `handler`. */
  handler?: string;
  environment: Record<string, string>;
  /** Defaults to 30 seconds. */
  timeoutSeconds?: number;
  /** Reported to the handler as `memoryLimitInMB`; defaults to 128. */
  memorySizeMb?: number;
  /** Retries of a failed asynchronous invocation; defaults to 2, as in AWS. */
  maximumRetryAttempts?: number;
  /** The credentials the runtime gives the function (its role's, in AWS); the local admin credentials by default. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type InvocationType = 'RequestResponse' | 'Event';

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeOutcome = { ok: true; payload: unknown } | { ok: false; error: FunctionError };

export interface InvokeOptions {
  invocationType?: InvocationType;
}

export interface LocalLambda extends LocalService {
  /**
   * Invokes a function by name, ARN or `NAME:QUALIFIER`. Resolves with the handler's result or its error;
   * rejects with `FunctionNotFoundError` for an unknown function. `Event` resolves at once with a null payload.
   */
  invoke(functionName: string, payload: unknown, opts?: InvokeOptions): Promise<InvokeOutcome>;
  /** `arn:aws:lambda:REGION:ACCOUNT:function:NAME` */
  arnOf(name: string): string;
}

export interface LambdaOptions {
  functions: LocalFunctionSpec[];
  port?: number;
  region?: string;
  accountId?: string;
  onLog?: (functionName: string, line: string) => void;
  onMetric?: (functionName: string, emf: Record<string, unknown>) => void;
  /** Consulted per Lambda API request, before handling: answers with an AWS error instead. */
  faults?: FaultInjector;
  /** Awaited before each invocation starts (e.g. until the policies the calls are evaluated against are ready). */
  beforeInvoke?: () => Promise<unknown>;
  /** Delay before the first retry of a failed asynchronous invocation (doubled for the second). Defaults to 200 ms. */
  asyncRetryDelayMs?: number;
}

/** Thrown by `LocalLambda.invoke` when no function matches; carries the AWS error name. */
export class FunctionNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundException';
  constructor(readonly functionArn: string) {
    super(`Function not found: ${functionArn}`);
  }
}
