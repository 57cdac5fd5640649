import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizationOf, type FaultInjector } from '../faults';
import { BodyTooLargeError, readBody } from '../http-server';
import type { FunctionRuntime } from './function-runtime';
import { FunctionNotFoundError, type InvocationType, type InvokeOutcome } from './types';

/** Lambda's limit for a synchronous invocation's payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface InvokeApiBackend {
  region: string;
  /** Resolves a FunctionName (name, ARN, `NAME:QUALIFIER`) or throws FunctionNotFoundError. */
  resolve(functionName: string, qualifier?: string): { runtime: FunctionRuntime; invokedArn: string };
  invokeResolved(
    runtime: FunctionRuntime,
    invokedArn: string,
    payload: unknown,
    invocationType: InvocationType,
  ): Promise<InvokeOutcome>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Routes the one Lambda REST API operation the local stack uses, Invoke; anything else is UnknownOperationException. */
export function createInvokeApi(
  backend: InvokeApiBackend,
  faults?: FaultInjector,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const handled = Promise.resolve(
      faults?.faultFor({
        service: 'lambda',
        action: lambdaAction(req),
        body: '',
        path: req.url ?? '/',
        ...authorizationOf(req),
      }),
    ).then((fault) =>
      fault ? Promise.reject(new ApiError(fault.status, fault.code, fault.message)) : route(backend, req, res),
    );
    void handled.catch((error: unknown) => {
      const apiError = toApiError(error);
      res.writeHead(apiError.status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': apiError.type });
      res.end(JSON.stringify({ Type: apiError.status >= 500 ? 'Service' : 'User', Message: apiError.message }));
    });
  };
}

async function route(backend: InvokeApiBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '');
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
  if (req.method === 'POST' && invoke) {
    const body = (await readBody(req, MAX_PAYLOAD_BYTES)).toString('utf8');
    return handleInvoke(
      backend,
      decodeURIComponent(invoke[1] ?? ''),
      url.searchParams.get('Qualifier') ?? undefined,
      req,
      body,
      res,
    );
  }
  throw new ApiError(404, 'UnknownOperationException', `Unknown operation ${req.method ?? ''} ${url.pathname}`);
}

async function handleInvoke(
  backend: InvokeApiBackend,
  functionName: string,
  qualifier: string | undefined,
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const { runtime, invokedArn } = backend.resolve(functionName, qualifier);
  const payload = parsePayload(body);
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType === 'DryRun') {
    res.writeHead(204).end();
    return;
  }
  if (invocationType === 'Event') {
    await backend.invokeResolved(runtime, invokedArn, payload, 'Event');
    res.writeHead(202).end();
    return;
  }
  if (invocationType !== 'RequestResponse') {
    throw new ApiError(400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType}`);
  }
  const outcome = await backend.invokeResolved(runtime, invokedArn, payload, 'RequestResponse');
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
  if (!outcome.ok) headers['X-Amz-Function-Error'] = 'Unhandled';
  res.writeHead(200, headers);
  res.end(outcome.ok ? (JSON.stringify(outcome.payload) ?? 'null') : JSON.stringify(outcome.error));
}

function parsePayload(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${reason}`);
  }
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof FunctionNotFoundError) return new ApiError(404, 'ResourceNotFoundException', error.message);
  if (error instanceof BodyTooLargeError) return new ApiError(413, 'RequestTooLargeException', error.message);
  return new ApiError(500, 'ServiceException', error instanceof Error ? error.message : String(error));
}

function lambdaAction(req: IncomingMessage): string {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
  return req.method === 'POST' && path.endsWith('/invocations') ? 'Invoke' : `${req.method ?? 'GET'} ${path}`;
}
