import http from 'node:http';
import { QueryError, errorXml, newRequestId, parseQueryRequest, readBody, successXml } from '../query-protocol';
import { authorizationOf, type FaultInjector } from '../faults';
import type { LocalService } from '../service';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../service';
import { ACTIONS } from './actions';
import type { DeliveryOptions, DeliveryRecord } from './delivery';
import { DEFAULT_DELIVERY_OPTIONS, Deliverer } from './delivery';
import type { PublishedMessage } from './model';
import { SNS_NAMESPACE, SNS_VERSION } from './model';
import { SnsService } from './service';
import { closeServer, listenOnLoopback } from '../http-server';

export type { DeliveryOptions, DeliveryRecord } from './delivery';
export type { MessageAttribute, PublishedMessage } from './model';

export interface SnsOptions {
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly delivery?: Partial<DeliveryOptions>;
  /** Consulted per request, before handling: answers with an AWS error instead. */
  readonly faults?: FaultInjector;
}

/** Local SNS speaking the AWS Query protocol, plus inspection helpers that are not AWS API. */
export interface LocalSns extends LocalService {
  readonly region: string;
  readonly accountId: string;
  /** Every message accepted by Publish, oldest first, optionally for one topic. */
  published(topicArn?: string): PublishedMessage[];
  /** Every delivery attempted or recorded, oldest first. */
  deliveries(): readonly DeliveryRecord[];
  /** Resolves when no HTTP delivery (including retries) is in flight. */
  idle(): Promise<void>;
}

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export async function startSns(options: SnsOptions = {}): Promise<LocalSns> {
  const region = options.region ?? LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const server = http.createServer();
  const port = await listenOnLoopback(server, options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const deliverer = new Deliverer({ ...DEFAULT_DELIVERY_OPTIONS, ...options.delivery });
  const sns = new SnsService({ region, accountId, endpoint, deliverer });
  server.on('request', (req, res) => void handle(sns, req, res, options.faults));

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accountId,
    published: (topicArn) => sns.published(topicArn),
    deliveries: () => deliverer.records(),
    idle: () => deliverer.idle(),
    stop() {
      stopping ??= (async () => {
        await deliverer.stop();
        await closeServer(server);
      })();
      return stopping;
    },
  };
}

async function handle(
  sns: SnsService,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  faults: FaultInjector | undefined,
): Promise<void> {
  const requestId = newRequestId();
  try {
    const body = await readBody(req, MAX_REQUEST_BYTES);
    const params = parseQueryRequest(req.url, body.toString('utf8'));
    const action = params.get('Action');
    if (action === undefined) throw new QueryError('MissingAction', 'Missing required parameter: Action');
    const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (run === undefined)
      throw new QueryError('InvalidAction', `Could not find operation ${action} for version ${SNS_VERSION}`);
    const fault = await faults?.faultFor({
      service: 'sns',
      action,
      body: body.toString('utf8'),
      ...authorizationOf(req),
    });
    if (fault)
      throw new QueryError(fault.code, fault.message, fault.status, fault.status >= 500 ? 'Receiver' : 'Sender');
    send(res, 200, requestId, successXml(SNS_NAMESPACE, action, requestId, run(params, sns)));
  } catch (error) {
    const queryError =
      error instanceof QueryError ? error : new QueryError('InternalError', String(error), 500, 'Receiver');
    send(res, queryError.status, requestId, errorXml(SNS_NAMESPACE, queryError, requestId));
  }
}

function send(res: http.ServerResponse, status: number, requestId: string, xml: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(xml),
    'x-amzn-RequestId': requestId,
  });
  res.end(xml);
}
