import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizationOf, type FaultInjector } from '../faults';
import { BodyTooLargeError, readBody } from '../http-server';
import { ACTIONS } from './actions';
import { ElastiCacheError, invalidAction, missingParameter } from './errors';
import { QueryParams } from './params';
import { requestRegion } from './regions';
import type { Regions } from './regions';
import { errorResponse, successResponse } from './xml';

const MAX_BODY_BYTES = 1024 * 1024;

/** A token bucket for the account's mutating API calls: `burst` tokens, refilled at `perSecond`. */
export interface ApiRate {
  readonly perSecond: number;
  readonly burst: number;
}

/** Describe* and List* read; every other action changes something and spends a token. */
const READ_ONLY = /^(Describe|List)/;

class TokenBucket {
  private tokens: number;
  private at = Date.now();

  constructor(private readonly rate: ApiRate) {
    this.tokens = rate.burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1000) * this.rate.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** ElastiCache's answer to a call over the rate (ElastiCache API Reference, Common Errors: `Throttling`, 400). */
const RATE_EXCEEDED = { status: 400, code: 'Throttling', message: 'Rate exceeded' };

interface QueryResponse {
  readonly status: number;
  readonly body: string;
}

function toElastiCacheError(error: unknown): ElastiCacheError {
  if (error instanceof ElastiCacheError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ElastiCacheError('InternalFailure', message, 500, 'Receiver');
}

/** Runs one AWS Query request (`Action=...&Version=...&...`) against the fleet of `region`. */
export async function handleQuery(
  params: QueryParams,
  regions: Regions,
  region: string,
  requestId: string,
): Promise<QueryResponse> {
  try {
    const action = params.string('Action');
    if (action === undefined) throw missingParameter('Action');
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!handler) throw invalidAction(action);
    const result = await handler(params, regions.fleet(region), {
      region,
      globals: regions.globals,
      snapshots: regions.snapshots(region),
    });
    return { status: 200, body: successResponse(action, result, requestId) };
  } catch (error) {
    const failure = toElastiCacheError(error);
    return {
      status: failure.status,
      body: errorResponse({ type: failure.type, code: failure.code, message: failure.message }, requestId),
    };
  }
}

async function handleHttp(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  regions: Regions,
  faults?: FaultInjector,
  bucket?: TokenBucket,
): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(request.url ?? '/', 'http://localhost');
  let body: string;
  try {
    body = request.method === 'POST' ? (await readBody(request, MAX_BODY_BYTES)).toString('utf8') : '';
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const xml = errorResponse({ type: 'Sender', code: 'RequestEntityTooLarge', message: error.message }, requestId);
    response.writeHead(413, {
      'Content-Type': 'text/xml',
      'Content-Length': Buffer.byteLength(xml),
      'x-amzn-RequestId': requestId,
    });
    response.end(xml);
    return;
  }
  const params = QueryParams.fromBody(body, url.searchParams);
  const action = params.string('Action') ?? '';
  const fault =
    (await faults?.faultFor({ service: 'elasticache', action, body, ...authorizationOf(request) })) ??
    (bucket && action && !READ_ONLY.test(action) && !bucket.take() ? RATE_EXCEEDED : undefined);
  const result = fault
    ? {
        status: fault.status,
        body: errorResponse(
          { type: fault.status >= 500 ? 'Receiver' : 'Sender', code: fault.code, message: fault.message },
          requestId,
        ),
      }
    : await handleQuery(
        params,
        regions,
        requestRegion(request.headers.authorization, regions.defaultRegion),
        requestId,
      );
  response.writeHead(result.status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(result.body),
    'x-amzn-RequestId': requestId,
  });
  response.end(result.body);
}

export interface QueryServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Serves the ElastiCache Query API of every region on 127.0.0.1:port (0 picks a free port). */
export function startQueryServer(
  regions: Regions,
  port: number,
  faults?: FaultInjector,
  apiRate?: ApiRate,
): Promise<QueryServer> {
  const bucket = apiRate ? new TokenBucket(apiRate) : undefined;
  const server = http.createServer((request, response) => {
    handleHttp(request, response, regions, faults, bucket).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actualPort } = server.address() as AddressInfo;
      const close = (): Promise<void> =>
        new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
      resolve({ endpoint: `http://127.0.0.1:${actualPort}`, close });
    });
  });
}
