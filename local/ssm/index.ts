import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { authorizationOf, type FaultInjector } from '../faults';
import type { LocalService } from '../service';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../service';
import { SsmError } from './errors';
import { Input } from './input';
import { OPERATIONS } from './operations';
import { ParameterStore } from './store';
import { BodyTooLargeError, listenOnLoopback, readBody } from '../http-server';

export interface SsmOptions {
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** Consulted per request, before handling: answers with an AWS error instead. */
  readonly faults?: FaultInjector;
}

const TARGET_PREFIX = 'AmazonSSM.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_REQUEST_BYTES = 1024 * 1024;

/** Local SSM Parameter Store speaking the AWS JSON 1.1 protocol. */
export async function startSsm(options: SsmOptions = {}): Promise<LocalService> {
  const store = new ParameterStore(options.region ?? LOCAL_REGION, options.accountId ?? LOCAL_ACCOUNT_ID);
  const server = http.createServer((req, res) => void handle(store, req, res, options.faults));
  const port = await listenOnLoopback(server, options.port ?? 0);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

async function handle(
  store: ParameterStore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  faults: FaultInjector | undefined,
): Promise<void> {
  const requestId = randomUUID();
  try {
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const run = operation !== undefined && Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (req.method !== 'POST' || run === undefined) {
      throw new SsmError('UnknownOperationException', `Unknown operation ${String(target)}`);
    }
    const body = (await readBody(req, MAX_REQUEST_BYTES)).toString('utf8');
    const fault = await faults?.faultFor({ service: 'ssm', action: operation ?? '', body, ...authorizationOf(req) });
    if (fault) throw new SsmError(fault.code, fault.message, fault.status);
    send(res, 200, requestId, run(Input.parse(body), store));
  } catch (error) {
    const ssmError =
      error instanceof SsmError
        ? error
        : error instanceof BodyTooLargeError
          ? new SsmError('RequestEntityTooLarge', error.message, 413)
          : new SsmError('InternalServerError', String(error), 500);
    send(res, ssmError.status, requestId, { __type: ssmError.code, message: ssmError.message });
  }
}

function send(res: http.ServerResponse, status: number, requestId: string, payload: object): void {
  const json = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(json),
    'x-amzn-RequestId': requestId,
  });
  res.end(json);
}
