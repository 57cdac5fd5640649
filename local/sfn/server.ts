import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { authorizationOf, type FaultInjector } from '../faults';
import { BodyTooLargeError, readBody } from '../http-server';
import { SfnApiError } from './errors';
import type { Input, Output } from './api';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Inputs, outputs and task results are at most 256 KB in AWS; a request carries one plus its envelope. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** AWS JSON 1.0 over HTTP: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`. */
export function createJsonServer(operations: Record<string, (input: Input) => Output>, faults?: FaultInjector): Server {
  return createServer((req, res) => {
    void (async () => {
      const headers = { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() };
      try {
        const operation = operationOf(req);
        const body = (await readBody(req, MAX_REQUEST_BYTES)).toString('utf8');
        const fault = await faults?.faultFor({
          service: 'stepfunctions',
          action: String(req.headers['x-amz-target'] ?? '').slice(TARGET_PREFIX.length),
          body,
          ...authorizationOf(req),
        });
        if (fault) {
          res
            .writeHead(fault.status, { ...headers, 'x-amzn-ErrorType': fault.code })
            .end(JSON.stringify({ __type: fault.code, message: fault.message }));
          return;
        }
        const input = parseInput(body);
        const output = operation(input);
        res.writeHead(200, headers).end(JSON.stringify(toWire(output)));
      } catch (error) {
        const apiError = error instanceof SfnApiError ? error : undefined;
        const tooLarge = error instanceof BodyTooLargeError;
        const status = apiError ? 400 : tooLarge ? 413 : 500;
        const type = apiError?.type ?? (tooLarge ? 'RequestEntityTooLarge' : 'InternalFailure');
        const body = { __type: type, message: error instanceof Error ? error.message : String(error) };
        res.writeHead(status, { ...headers, 'x-amzn-ErrorType': body.__type }).end(JSON.stringify(body));
      }
    })();
  });

  function operationOf(req: IncomingMessage): (input: Input) => Output {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? operations[target.slice(TARGET_PREFIX.length)] : undefined;
    if (req.method !== 'POST' || !operation)
      throw new SfnApiError('UnknownOperationException', `Unknown operation: '${target}'`);
    return operation;
  }
}

function parseInput(body: string): Input {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Input;
  } catch {
    // reported below
  }
  throw new SfnApiError('SerializationException', 'The request body is not a JSON object');
}

/** Dates travel as epoch seconds in AWS JSON protocols. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  return value;
}
