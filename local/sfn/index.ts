import '../polyfills';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { FaultInjector } from '../faults';
import type { LocalLambda } from '../lambda/types';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalService } from '../service';
import { StepFunctionsApi } from './api';
import type { ExecutionDescription } from './execution';
import { createJsonServer } from './server';
import type { StatusChangeListener } from './status-events';
import { TaskTokens } from './task-tokens';

export type { ExecutionDescription, ExecutionStatus } from './execution';
export type { ExecutionStatusEvent } from './status-events';

export interface StepFunctionsOptions {
  lambda: Pick<LocalLambda, 'invoke'>;
  clients: { dynamodb: DynamoDBClient; sns: SNSClient };
  port?: number;
  region?: string;
  accountId?: string;
  /** Multiplies Wait state durations and Retry intervals (e.g. 0.01 for fast drills). Task timeouts stay real. */
  waitScale?: number;
  /** Consulted per API request and per Lambda invocation of a Task, before handling: answers with an AWS error instead. */
  faults?: FaultInjector;
  /** Receives each "Step Functions Execution Status Change" event, as the default event bus would. */
  onStatusChange?: StatusChangeListener;
}

export interface LocalStepFunctions extends LocalService {
  /** Resolves with the execution's description once it is no longer RUNNING; rejects after timeoutMs. */
  waitForExecution(executionArn: string, timeoutMs?: number): Promise<ExecutionDescription>;
  /** Every execution, oldest first. */
  executions(): ExecutionDescription[];
  /** Number of callback tasks waiting for SendTaskSuccess/SendTaskFailure. */
  pendingTaskTokens(): number;
  /** Every task token this endpoint handed out (for tests that look for leaked tokens). */
  issuedTaskTokens(): string[];
}

const STOP_GRACE_MS = 5000;

/** Starts the local Step Functions endpoint (AWS JSON 1.0) on 127.0.0.1. */
export async function startStepFunctions(opts: StepFunctionsOptions): Promise<LocalStepFunctions> {
  const tokens = new TaskTokens();
  const region = opts.region ?? LOCAL_REGION;
  const api = new StepFunctionsApi({
    region,
    accountId: opts.accountId ?? LOCAL_ACCOUNT_ID,
    waitScale: opts.waitScale ?? 1,
    ...(opts.onStatusChange ? { onStatusChange: opts.onStatusChange } : {}),
    services: {
      lambda: opts.faults ? faultyLambda(opts.lambda, opts.faults) : opts.lambda,
      dynamodb: opts.clients.dynamodb,
      sns: opts.clients.sns,
      tokens,
      region,
    },
  });
  const server = createJsonServer(api.operations, opts.faults);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    async waitForExecution(executionArn, timeoutMs = 30_000) {
      const execution = api.execution(executionArn);
      const deadline = Date.now() + timeoutMs;
      while (execution.isRunning) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`Execution ${executionArn} is still RUNNING after ${timeoutMs} ms`);
        await settledOrDelay(execution.whenSettled(), Math.min(remaining, 50));
      }
      return execution.describe();
    },
    executions: () => api.executions().map((execution) => execution.describe()),
    pendingTaskTokens: () => tokens.pendingCount(),
    issuedTaskTokens: () => tokens.issued(),
    stop() {
      stopped ??= (async () => {
        const running = api.executions().filter((execution) => execution.isRunning);
        for (const execution of running)
          execution.stop('States.Aborted', 'The local Step Functions endpoint was stopped');
        await Promise.all(running.map((execution) => settledOrDelay(execution.whenSettled(), STOP_GRACE_MS)));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}

function settledOrDelay(settled: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const delay = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([settled, delay]).finally(() => clearTimeout(timer));
}

/** Task invocations of functions go through the injector as Lambda Invoke calls. */
function faultyLambda(lambda: Pick<LocalLambda, 'invoke'>, faults: FaultInjector): Pick<LocalLambda, 'invoke'> {
  return {
    async invoke(name, payload, options) {
      const fault = await faults.faultFor({ service: 'lambda', action: 'Invoke', body: '', path: name });
      if (fault) throw Object.assign(new Error(fault.message), { name: fault.code });
      return lambda.invoke(name, payload, options);
    },
  };
}
