/**
 * Fault injection for the local stack: each local endpoint asks a
 * FaultInjector, per request and before handling it, whether to answer with an
 * AWS error instead (throttling, a 5xx, or a permanent refusal). The error is
 * rendered in the endpoint's own wire protocol, so the SDK, the adapters and
 * the state machine's Retry/Catch see exactly what AWS would send.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultService = 'dynamodb' | 's3' | 'sns' | 'ssm' | 'elasticache' | 'stepfunctions' | 'lambda';

export interface FaultRequest {
  readonly service: FaultService;
  /** The API action, e.g. `PutParameter`, `CreateReplicationGroup`, `Invoke`, `GetObject`. */
  readonly action: string;
  /** The request body as text (form-encoded for Query protocols, JSON otherwise); '' when not read. */
  readonly body: string;
  /** The request path with its query string, when the action depends on it (S3, Lambda). */
  readonly path?: string;
  /** The request's `Authorization` header (SigV4): who signed it, for which region. */
  readonly authorization?: string;
}

/** An AWS error answer: HTTP status, error code (as the protocol names it) and message. */
export interface Fault {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface FaultInjector {
  /** The fault to answer this request with, or undefined to handle it normally. */
  faultFor(request: FaultRequest): Fault | undefined | Promise<Fault | undefined>;
}

/** Asks each injector in turn; the first fault wins. */
export function composeInjectors(...injectors: (FaultInjector | undefined)[]): FaultInjector {
  const present = injectors.filter((i): i is FaultInjector => i !== undefined);
  return {
    async faultFor(request) {
      for (const injector of present) {
        const fault = await injector.faultFor(request);
        if (fault) return fault;
      }
      return undefined;
    },
  };
}

/** The request's `Authorization` header, as a FaultRequest field. */
export function authorizationOf(req: { headers: Record<string, string | string[] | undefined> }): {
  authorization?: string;
} {
  const value = req.headers.authorization;
  return typeof value === 'string' ? { authorization: value } : {};
}

/** The access key id and region of a SigV4 `Authorization` header (`Credential=AKID/date/region/service/aws4_request`). */
export function signatureOf(authorization: string | undefined): { accessKeyId: string; region: string } | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\//.exec(authorization ?? '');
  return match ? { accessKeyId: match[1] as string, region: match[2] as string } : undefined;
}

const THROTTLING: Record<FaultService, Omit<Fault, 'message'>> = {
  dynamodb: { status: 400, code: 'ThrottlingException' },
  s3: { status: 503, code: 'SlowDown' },
  sns: { status: 400, code: 'Throttling' },
  ssm: { status: 400, code: 'ThrottlingException' },
  elasticache: { status: 400, code: 'Throttling' },
  stepfunctions: { status: 400, code: 'ThrottlingException' },
  lambda: { status: 429, code: 'TooManyRequestsException' },
};

const SERVER_ERROR: Record<FaultService, Omit<Fault, 'message'>> = {
  dynamodb: { status: 500, code: 'InternalServerError' },
  s3: { status: 500, code: 'InternalError' },
  sns: { status: 500, code: 'InternalError' },
  ssm: { status: 500, code: 'InternalServerError' },
  elasticache: { status: 500, code: 'InternalFailure' },
  stepfunctions: { status: 500, code: 'InternalFailure' },
  lambda: { status: 500, code: 'ServiceException' },
};

const UNAVAILABLE: Record<FaultService, Omit<Fault, 'message'>> = {
  dynamodb: { status: 503, code: 'ServiceUnavailable' },
  s3: { status: 503, code: 'ServiceUnavailable' },
  sns: { status: 503, code: 'ServiceUnavailable' },
  ssm: { status: 503, code: 'ServiceUnavailable' },
  elasticache: { status: 503, code: 'ServiceUnavailable' },
  stepfunctions: { status: 503, code: 'ServiceUnavailable' },
  lambda: { status: 503, code: 'ServiceException' },
};

const DENIED: Record<FaultService, Omit<Fault, 'message'>> = {
  dynamodb: { status: 400, code: 'AccessDeniedException' },
  s3: { status: 403, code: 'AccessDenied' },
  sns: { status: 403, code: 'AuthorizationError' },
  ssm: { status: 400, code: 'AccessDeniedException' },
  elasticache: { status: 403, code: 'AccessDenied' },
  stepfunctions: { status: 400, code: 'AccessDeniedException' },
  lambda: { status: 403, code: 'AccessDeniedException' },
};

/** The service's throttling error (what AWS answers when a rate limit is exceeded). */
export function throttling(service: FaultService): Fault {
  return { ...THROTTLING[service], message: 'Rate exceeded' };
}

/** A 500 internal error in the service's own naming. */
export function serverError(service: FaultService): Fault {
  return { ...SERVER_ERROR[service], message: 'We encountered an internal error. Please try again.' };
}

/** A 503: the service is unavailable. */
export function unavailable(service: FaultService): Fault {
  return { ...UNAVAILABLE[service], message: 'Service Unavailable' };
}

/** A permanent refusal: the caller is not authorized to perform the action. */
export function denied(service: FaultService, action: string): Fault {
  return {
    ...DENIED[service],
    message: `User: arn:aws:sts::000000000000:assumed-role/local/fn is not authorized to perform: ${service}:${action}`,
  };
}

export interface AccessDenial {
  /** The caller, e.g. `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  readonly principal: string;
  /** The IAM action, e.g. `dynamodb:PutItem`. */
  readonly action: string;
  /** The resource ARN, or `*` for an action without resource-level permissions. */
  readonly resource: string;
  /** An explicit Deny decided it (identity-based or resource-based policy); otherwise no policy allowed it. */
  readonly explicitDenyIn?: 'identity-based' | 'resource-based';
}

/**
 * AWS's AccessDenied answer for the service, with the message format of "Troubleshooting access
 * denied error messages", IAM User Guide
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
 * `User: <principal> is not authorized to perform: <action> on resource: <resource> because no
 * identity-based policy allows the <action> action` (or `with an explicit deny in a(n) <type> policy`).
 * S3 quotes the resource ARN: "Troubleshoot access denied (403 Forbidden) errors in Amazon S3"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html).
 */
export function accessDenied(service: FaultService, denial: AccessDenial): Fault {
  const resource =
    denial.resource === '*' ? '' : ` on resource: ${service === 's3' ? `"${denial.resource}"` : denial.resource}`;
  const because = denial.explicitDenyIn
    ? `with an explicit deny in ${denial.explicitDenyIn === 'identity-based' ? 'an identity-based' : 'a resource-based'} policy`
    : `because no identity-based policy allows the ${denial.action} action`;
  return {
    ...DENIED[service],
    message: `User: ${denial.principal} is not authorized to perform: ${denial.action}${resource} ${because}`,
  };
}

export interface FaultRule {
  /** Shown in stats and messages. */
  readonly label: string;
  readonly match: (request: FaultRequest) => boolean;
  readonly fault: Fault | ((request: FaultRequest) => Fault);
  /** How many matching requests fail; unlimited when omitted. */
  readonly times?: number;
}

export interface ChaosOptions {
  /** Fraction of matching requests answered with a transient fault (0..1). */
  readonly rate: number;
  readonly seed: number;
  /** Services affected; all when omitted. */
  readonly services?: readonly FaultService[];
  /** Requests never faulted (e.g. the test harness's own inspection calls). */
  readonly exclude?: (request: FaultRequest) => boolean;
}

export interface FaultStats {
  requests: number;
  injected: number;
  byRule: Record<string, number>;
  byService: Partial<Record<FaultService, { requests: number; injected: number }>>;
}

/** mulberry32: a small, fast, seedable PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

/**
 * Rules (targeted, permanent or counted faults) first, then chaos (a seeded
 * fraction of requests answered with throttling, 500 or 503, in turn).
 */
export class Faults implements FaultInjector {
  private rules: ActiveRule[] = [];
  private chaosOptions: ChaosOptions | undefined;
  private random: () => number = Math.random;
  private counters: FaultStats = { requests: 0, injected: 0, byRule: {}, byService: {} };
  private log: { service: FaultService; action: string; code: string }[] = [];

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  /** Fails every request of `service` whose action is `action` (and that `where` accepts) with `fault`. */
  fail(
    service: FaultService,
    action: string,
    fault: Fault,
    options: { times?: number; where?: (r: FaultRequest) => boolean } = {},
  ): () => void {
    return this.add({
      label: `${service}:${action} ${fault.code}`,
      match: (r) => r.service === service && r.action === action && (options.where?.(r) ?? true),
      fault,
      ...(options.times !== undefined ? { times: options.times } : {}),
    });
  }

  /** Starts answering a seeded fraction of requests with transient faults; counting restarts from here. */
  chaos(options: ChaosOptions): void {
    this.chaosOptions = options;
    this.random = seededRandom(options.seed);
    this.resetStats();
  }

  resetStats(): void {
    this.counters = { requests: 0, injected: 0, byRule: {}, byService: {} };
    this.log = [];
  }

  calm(): void {
    this.chaosOptions = undefined;
  }

  clear(): void {
    this.rules = [];
    this.calm();
  }

  stats(): FaultStats {
    return structuredClone(this.counters);
  }

  injected(): readonly { service: FaultService; action: string; code: string }[] {
    return [...this.log];
  }

  faultFor(request: FaultRequest): Fault | undefined {
    this.counters.requests += 1;
    const svc = (this.counters.byService[request.service] ??= { requests: 0, injected: 0 });
    svc.requests += 1;
    const fault = this.pick(request);
    if (fault) {
      this.counters.injected += 1;
      svc.injected += 1;
      this.log.push({ service: request.service, action: request.action, code: fault.code });
    }
    return fault;
  }

  private pick(request: FaultRequest): Fault | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0 || !active.rule.match(request)) continue;
      active.remaining -= 1;
      this.counters.byRule[active.rule.label] = (this.counters.byRule[active.rule.label] ?? 0) + 1;
      const f = active.rule.fault;
      return typeof f === 'function' ? f(request) : f;
    }
    const chaos = this.chaosOptions;
    if (!chaos) return undefined;
    if (chaos.services && !chaos.services.includes(request.service)) return undefined;
    if (chaos.exclude?.(request)) return undefined;
    const roll = this.random();
    if (roll >= chaos.rate) return undefined;
    const kind = Math.floor((roll / chaos.rate) * 3);
    const fault =
      kind === 0
        ? throttling(request.service)
        : kind === 1
          ? serverError(request.service)
          : unavailable(request.service);
    this.counters.byRule[`chaos ${fault.code}`] = (this.counters.byRule[`chaos ${fault.code}`] ?? 0) + 1;
    return fault;
  }
}

/** A form-encoded (Query protocol) parameter of a request body. */
export function formParam(request: FaultRequest, name: string): string | undefined {
  return new URLSearchParams(request.body).get(name) ?? undefined;
}

/** A top-level field of a JSON request body. */
export function jsonField(request: FaultRequest, name: string): unknown {
  try {
    const parsed: unknown = JSON.parse(request.body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}

/** The S3 action of a REST request, as far as the workflow's calls go. */
export function s3Action(method: string, path: string): string {
  const url = new URL(path, 'http://localhost');
  const segments = url.pathname.split('/').filter(Boolean);
  const hasKey = segments.length > 1;
  // Multipart uploads: `?uploads` starts or lists them, `?uploadId=` names one.
  const upload = hasKey && url.searchParams.has('uploadId');
  switch (method) {
    case 'GET':
      if (!hasKey) {
        if (segments.length && url.searchParams.has('uploads')) return 'ListMultipartUploads';
        return url.searchParams.get('list-type') === '2'
          ? 'ListObjectsV2'
          : segments.length
            ? 'ListObjects'
            : 'ListBuckets';
      }
      return upload ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return hasKey ? 'HeadObject' : 'HeadBucket';
    case 'PUT':
      return upload ? 'UploadPart' : hasKey ? 'PutObject' : 'CreateBucket';
    case 'DELETE':
      return upload ? 'AbortMultipartUpload' : hasKey ? 'DeleteObject' : 'DeleteBucket';
    case 'POST':
      if (hasKey && url.searchParams.has('uploads')) return 'CreateMultipartUpload';
      if (upload) return 'CompleteMultipartUpload';
      return url.searchParams.has('delete') ? 'DeleteObjects' : 'PostObject';
    default:
      return method;
  }
}

function renderFault(service: 'dynamodb' | 's3', fault: Fault): { headers: Record<string, string>; body: string } {
  const requestId = `fault-${Date.now().toString(36)}`;
  if (service === 's3') {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.message}</Message><RequestId>${requestId}</RequestId></Error>`;
    return { headers: { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId }, body };
  }
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.code}`, message: fault.message });
  return { headers: { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': requestId }, body };
}

export interface FaultProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a local service that is a child
 * process or a third-party server (dynalite, s3rver): each request is first
 * offered to the injector (IAM and faults), then forwarded unchanged (headers
 * included, so signatures still match).
 */
export async function startFaultProxy(
  service: 'dynamodb' | 's3',
  target: string,
  faults: FaultInjector,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => void forwardUnlessFaulted());
    const forwardUnlessFaulted = async () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const target = String(req.headers['x-amz-target'] ?? '');
      const action =
        service === 'dynamodb' ? target.slice(target.indexOf('.') + 1) : s3Action(req.method ?? 'GET', path);
      const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
      const fault = await faults.faultFor({
        service,
        action,
        body: service === 'dynamodb' ? body.toString('utf8') : '',
        path,
        ...(authorization ? { authorization } : {}),
      });
      if (fault) {
        const { headers, body: text } = renderFault(service, fault);
        res.writeHead(fault.status, { ...headers, 'Content-Length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(error.message);
      });
      forward.end(body);
    };
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
