import { AsyncLocalStorage } from 'node:async_hooks';
import { basename, extname } from 'node:path';
import { format } from 'node:util';
import { isInvokeMessage, toFunctionError, type InvokeMessage, type WorkerMessage } from './protocol';

type Handler = (
  event: unknown,
  context: LambdaContext,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  done(error?: unknown, result?: unknown): void;
  fail(error: unknown): void;
  succeed(result: unknown): void;
}

const [entry = '', handlerName = 'handler'] = process.argv.slice(2);
const currentRequest = new AsyncLocalStorage<string>();

function send(message: WorkerMessage, then: () => void = () => undefined): void {
  process.send?.(message, then);
}

/** Formats console output like the Node.js Lambda runtime: `time\trequestId\tLEVEL\tmessage`. */
function patchConsole(): void {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' } as const;
  for (const [method, level] of Object.entries(levels)) {
    const write = (...args: unknown[]): void => {
      const requestId = currentRequest.getStore() ?? 'undefined';
      process.stdout.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}\n`);
    };
    Object.defineProperty(console, method, { value: write, configurable: true, writable: true });
  }
}

async function loadHandler(): Promise<Handler> {
  const mod = (await import(entry)) as Record<string, unknown> & { default?: Record<string, unknown> };
  const candidate = mod[handlerName] ?? mod.default?.[handlerName];
  if (typeof candidate !== 'function') {
    const moduleName = basename(entry, extname(entry));
    throw Object.assign(new Error(`${moduleName}.${handlerName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return candidate as Handler;
}

function initError(error: unknown): WorkerMessage {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    const message = error instanceof Error ? error.message : String(error);
    return {
      type: 'init-error',
      error: { errorType: 'Runtime.ImportModuleError', errorMessage: `Error: ${message}`, trace: [] },
    };
  }
  return { type: 'init-error', error: toFunctionError(error) };
}

function contextFor(message: InvokeMessage, settle: (error?: unknown, result?: unknown) => void): LambdaContext {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: message.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
    done: settle,
    fail: (error) => settle(error),
    succeed: (result) => settle(undefined, result),
  };
}

function callHandler(handler: Handler, message: InvokeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown, result?: unknown): void => (error ? reject(error) : resolve(result));
    const event: unknown = JSON.parse(message.eventJson);
    const returned = handler(event, contextFor(message, settle), settle);
    if (returned instanceof Promise || (typeof returned === 'object' && returned !== null && 'then' in returned)) {
      Promise.resolve(returned).then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  try {
    const result = await currentRequest.run(message.requestId, () => callHandler(handler, message));
    send({ type: 'result', requestId: message.requestId, payloadJson: JSON.stringify(result) ?? 'null' });
  } catch (error) {
    send({ type: 'error', requestId: message.requestId, error: toFunctionError(error) });
  }
}

async function main(): Promise<void> {
  patchConsole();
  process.on('disconnect', () => process.exit(0));
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    send(initError(error), () => process.exit(1));
    return;
  }
  process.on('message', (message: unknown) => {
    if (isInvokeMessage(message)) void invoke(handler, message);
  });
  send({ type: 'ready' });
}

void main();
