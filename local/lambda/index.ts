import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../service';
import { parseFunctionName } from './function-name';
import { FunctionRuntime } from './function-runtime';
import { createInvokeApi, type InvokeApiBackend } from './http-api';
import {
  FunctionNotFoundError,
  type InvocationType,
  type InvokeOutcome,
  type LambdaOptions,
  type LocalLambda,
} from './types';

export type {
  FunctionError,
  InvocationType,
  InvokeOptions,
  InvokeOutcome,
  LambdaOptions,
  LocalFunctionSpec,
  LocalLambda,
} from './types';
export { FunctionNotFoundError } from './types';

/**
 * Starts the local Lambda service: one lazily forked worker process per function and the Lambda Invoke REST API
 * on 127.0.0.1, so `@aws-sdk/client-lambda` and `aws lambda invoke --endpoint-url` reach it.
 */
export async function startLambda(opts: LambdaOptions): Promise<LocalLambda> {
  const region = opts.region ?? LOCAL_REGION;
  const accountId = opts.accountId ?? LOCAL_ACCOUNT_ID;
  const arnOf = (name: string): string => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  const runtimes = new Map<string, FunctionRuntime>();
  for (const spec of opts.functions) {
    if (runtimes.has(spec.name)) throw new Error(`Duplicate function name: ${spec.name}`);
    const { accessKeyId, secretAccessKey } = spec.credentials ?? LOCAL_CREDENTIALS;
    const identity = { arn: arnOf(spec.name), region, accessKeyId, secretAccessKey };
    runtimes.set(spec.name, new FunctionRuntime(spec, identity, { onLog: opts.onLog, onMetric: opts.onMetric }));
  }

  const backend: InvokeApiBackend = {
    region,
    resolve(functionName, qualifierParam) {
      const ref = parseFunctionName(functionName);
      const name = ref?.name ?? functionName;
      const qualifier = ref?.qualifier ?? qualifierParam;
      const runtime = runtimes.get(name);
      const sameAccount = (ref?.region ?? region) === region && (ref?.accountId ?? accountId) === accountId;
      const invokedArn = qualifier ? `${arnOf(name)}:${qualifier}` : arnOf(name);
      if (!runtime || !sameAccount || (qualifier !== undefined && qualifier !== '$LATEST'))
        throw new FunctionNotFoundError(invokedArn);
      return { runtime, invokedArn };
    },
    invokeResolved: (runtime, invokedArn, payload, invocationType) => run(runtime, invokedArn, payload, invocationType),
  };

  const server = createServer(createInvokeApi(backend, opts.faults));
  await listen(server, opts.port ?? 0);
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    arnOf,
    async invoke(functionName, payload, invokeOpts) {
      const { runtime, invokedArn } = backend.resolve(functionName);
      return run(runtime, invokedArn, payload, invokeOpts?.invocationType ?? 'RequestResponse');
    },
    stop() {
      stopped ??= (async () => {
        server.closeAllConnections();
        await Promise.all([
          new Promise<void>((resolve) => server.close(() => resolve())),
          ...[...runtimes.values()].map((r) => r.stop()),
        ]);
      })();
      return stopped;
    },
  };

  async function ready(): Promise<void> {
    await opts.beforeInvoke?.().catch(() => undefined);
  }

  function run(
    runtime: FunctionRuntime,
    invokedArn: string,
    payload: unknown,
    invocationType: InvocationType,
  ): Promise<InvokeOutcome> {
    if (invocationType === 'RequestResponse')
      return ready().then(() => runtime.invoke(randomUUID(), payload, invokedArn));
    void runAsync(runtime, invokedArn, payload);
    return Promise.resolve({ ok: true, payload: null });
  }

  /** An asynchronous invocation is retried after a function error, `maximumRetryAttempts` times (AWS waits minutes; here, `asyncRetryDelayMs`). */
  async function runAsync(runtime: FunctionRuntime, invokedArn: string, payload: unknown): Promise<void> {
    const retries = runtime.spec.maximumRetryAttempts ?? 2;
    const requestId = randomUUID();
    for (let attempt = 0; attempt <= retries && !stopped; attempt += 1) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, (opts.asyncRetryDelayMs ?? 200) * attempt).unref());
      if (stopped) return;
      await ready();
      const outcome = await runtime.invoke(requestId, payload, invokedArn);
      if (outcome.ok) return;
      const last = attempt === retries;
      opts.onLog?.(
        runtime.spec.name,
        `Asynchronous invocation failed${last ? ', retries exhausted' : ', retrying'}: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      );
    }
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
