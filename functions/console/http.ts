/**
 * The console's HTTP surface on API Gateway's HTTP API payload 2.0: routes,
 * request bodies (forms or JSON), content negotiation and responses with the
 * security headers every page carries.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ValidationError } from '../domain/errors';
import type { AuthorizerContext, SignedOutContext } from './auth';

/**
 * Payload 2.0 behind the Lambda authorizer. The public sign-in routes
 * (/login, /callback) have no authorizer, so `authorizer` may be absent; a
 * signed-out page visit carries a context that names nobody.
 */
export type ConsoleEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<
  Partial<AuthorizerContext> & Partial<SignedOutContext>
>;
export type ConsoleResult = APIGatewayProxyStructuredResultV2;

export type Route =
  | { name: 'list' }
  | { name: 'caches' }
  | { name: 'incident'; incidentId: string }
  | { name: 'events'; incidentId: string }
  | { name: 'decide'; incidentId: string; step: string }
  | { name: 'ack'; incidentId: string; step: string }
  | { name: 'redrive'; incidentId: string }
  | { name: 'report'; incidentId: string }
  | { name: 'report-notes'; incidentId: string }
  | { name: 'group'; groupId: string }
  | { name: 'group-decide'; groupId: string; step: string }
  | { name: 'group-ack'; groupId: string; step: string }
  | { name: 'login' }
  | { name: 'callback' }
  | { name: 'logout' }
  | { name: 'not-found' }
  | { name: 'method-not-allowed'; allow: string }
  | { name: 'stats' };

const STEP = /^[a-z0-9-]{1,64}$/;
/** An incident or group id as a path segment. */
export const ID = /^[A-Za-z0-9._:-]{1,200}$/;

function segment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export function route(method: string, rawPath: string): Route {
  // Empty segments (doubled or trailing slashes) are dropped; no regex over the path, whose cost grows with its square.
  const parts = rawPath.split('/').filter(Boolean).map(segment);
  if (parts.some((p) => p === undefined)) return { name: 'not-found' };
  const p = parts as string[];
  const only = (allowed: string, r: Route): Route =>
    method === allowed ? r : { name: 'method-not-allowed', allow: allowed };
  if (p.length === 0) return only('GET', { name: 'list' });
  if (p.length === 1 && p[0] === 'caches') return only('GET', { name: 'caches' });
  if (p.length === 1 && p[0] === 'login') return only('GET', { name: 'login' });
  if (p.length === 1 && p[0] === 'callback') return only('GET', { name: 'callback' });
  if (p.length === 1 && p[0] === 'logout') return only('POST', { name: 'logout' });
  if (p.length === 1 && p[0] === 'stats') return only('GET', { name: 'stats' });
  if (p[0] === 'groups' && p[1] && ID.test(p[1])) return groupRoute(p, p[1], only);
  if (p[0] !== 'incidents' || !p[1] || !ID.test(p[1])) return { name: 'not-found' };
  const incidentId = p[1];
  if (p.length === 2) return only('GET', { name: 'incident', incidentId });
  if (p.length === 3 && p[2] === 'events') return only('GET', { name: 'events', incidentId });
  if (p.length === 3 && p[2] === 'redrive') return only('POST', { name: 'redrive', incidentId });
  if (p.length === 3 && p[2] === 'report') return only('GET', { name: 'report', incidentId });
  if (p.length === 4 && p[2] === 'report' && p[3] === 'notes')
    return only('POST', { name: 'report-notes', incidentId });
  if (p[2] === 'approvals' && p[3] && STEP.test(p[3])) {
    if (p.length === 4) return only('POST', { name: 'decide', incidentId, step: p[3] });
    if (p.length === 5 && p[4] === 'ack') return only('POST', { name: 'ack', incidentId, step: p[3] });
  }
  return { name: 'not-found' };
}

/** /groups/<id>, /groups/<id>/approvals/<step> and …/ack: an incident group's page and its decisions. */
function groupRoute(p: string[], groupId: string, only: (allowed: string, r: Route) => Route): Route {
  if (p.length === 2) return only('GET', { name: 'group', groupId });
  if (p[2] === 'approvals' && p[3] && STEP.test(p[3])) {
    if (p.length === 4) return only('POST', { name: 'group-decide', groupId, step: p[3] });
    if (p.length === 5 && p[4] === 'ack') return only('POST', { name: 'group-ack', groupId, step: p[3] });
  }
  return { name: 'not-found' };
}

/** The routes a person opens in a browser tab; every other route is an API call or a form post. */
const PAGES: readonly Route['name'][] = ['list', 'caches', 'incident', 'group', 'stats', 'report'];

/**
 * A browser opening one of the console's pages: GET, `Accept` with
 * text/html, a page route. Never the live events, a form post, or a JSON call.
 */
export function isPageVisit(method: string, rawPath: string, accept: string | undefined): boolean {
  const get = method.toUpperCase() === 'GET';
  return get && /text\/html/i.test(accept ?? '') && PAGES.includes(route('GET', rawPath).name);
}

export function header(event: ConsoleEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** JSON for the CLI and scripts (`Accept: application/json`), HTML for browsers. */
export function wantsJson(event: ConsoleEvent): boolean {
  const accept = header(event, 'accept') ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

export interface DecisionForm {
  decision?: string;
  reason?: string;
  csrf?: string;
  /** A group decision's `only`, as sent: repeated form fields, or a JSON array or comma-separated string. */
  only?: unknown;
  /** A group decision's per-cache choices, as sent: `decide.<id>` form fields, or a JSON object `decide`. */
  decide?: Record<string, unknown>;
}

/** The request body as text, at most 16 KiB (a ValidationError otherwise). */
export function bodyText(event: ConsoleEvent, maxKiB = 16): string {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (raw.length > maxKiB * 1024) {
    throw new ValidationError('request body', [{ path: '', message: `at most ${maxKiB} KiB` }]);
  }
  return raw;
}

/** A form post or a JSON body; anything else is a ValidationError. */
export function parseBody(event: ConsoleEvent): DecisionForm {
  const raw = bodyText(event);
  const type = (header(event, 'content-type') ?? '').toLowerCase();
  const pick = (get: (k: string) => unknown): DecisionForm => {
    const out: DecisionForm = {};
    for (const k of ['decision', 'reason', 'csrf'] as const) {
      const v = get(k);
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  };
  // The group fields are kept as sent; the group routes alone read (and validate) them.
  const withGroupFields = (form: DecisionForm, only: unknown, decide: [string, unknown][]): DecisionForm => ({
    ...form,
    ...(only !== undefined ? { only } : {}),
    ...(decide.length ? { decide: Object.fromEntries(decide) } : {}),
  });
  const prefixed = (entries: [string, unknown][]): [string, unknown][] =>
    entries.filter(([k]) => k.startsWith('decide.')).map(([k, v]) => [k.slice('decide.'.length), v]);
  if (!raw) return {};
  if (type.includes('application/json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch {
      throw new ValidationError('request body', [{ path: '', message: 'not JSON' }]);
    }
    if (typeof doc !== 'object' || doc === null)
      throw new ValidationError('request body', [{ path: '', message: 'must be an object' }]);
    const o = doc as Record<string, unknown>;
    const nested = typeof o.decide === 'object' && o.decide !== null ? Object.entries(o.decide) : [];
    return withGroupFields(
      pick((k) => o[k]),
      o.only,
      [...nested, ...prefixed(Object.entries(o))],
    );
  }
  if (type.includes('application/x-www-form-urlencoded') || !type) {
    const form = new URLSearchParams(raw);
    const only = form.getAll('only');
    return withGroupFields(
      pick((k) => form.get(k) ?? undefined),
      only.length ? only : undefined,
      prefixed([...form.entries()]),
    );
  }
  throw new ValidationError('request body', [{ path: '', message: `unsupported content type ${type}` }]);
}

export const newNonce = (): string => randomBytes(16).toString('base64');

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function html(statusCode: number, body: string, nonce?: string): ConsoleResult {
  return {
    statusCode,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'${nonce ? `; script-src 'nonce-${nonce}'` : ''}`,
    },
    body,
  };
}

export function json(statusCode: number, value: unknown): ConsoleResult {
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

/** A document that is neither a page nor JSON (the report in Markdown), with the same headers. */
export function text(statusCode: number, body: string, contentType: string): ConsoleResult {
  return { statusCode, headers: { ...SECURITY_HEADERS, 'content-type': contentType }, body };
}

export function redirect(location: string, cookies?: string[], statusCode = 303): ConsoleResult {
  return { statusCode, headers: { ...SECURITY_HEADERS, location }, body: '', ...(cookies?.length ? { cookies } : {}) };
}

/** A cookie as the console sets them: HttpOnly, Secure, SameSite=Lax. */
export function cookie(name: string, value: string, options: { path?: string; maxAgeSeconds: number }): string {
  return `${name}=${value}; Path=${options.path ?? '/'}; HttpOnly; Secure; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`;
}

export function cookieValue(event: ConsoleEvent, name: string): string | undefined {
  for (const c of event.cookies ?? []) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === name) return c.slice(eq + 1).trim();
  }
  return undefined;
}

/** The API's own origin as the browser sees it (API Gateway sets x-forwarded-proto). */
export function originOf(event: ConsoleEvent): string {
  const proto = (header(event, 'x-forwarded-proto') ?? 'https').split(',')[0]?.trim() === 'http' ? 'http' : 'https';
  return `${proto}://${event.requestContext.domainName}`;
}
