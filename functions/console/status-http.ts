/**
 * The status page's HTTP surface (payload 2.0, no authorizer): three GET
 * routes, shared caches allowed for 30 s and stale answers for 60 s more
 * while a fresh one is fetched, and an ETag so a reader that has the current
 * page gets 304 with no body.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { StatusView } from '../usecases/status-page';
import { statusAtom, statusHtml, statusJson } from './status-page';

export type StatusRoute = 'html' | 'atom' | 'json';

export const STATUS_ROUTES: Readonly<Record<string, StatusRoute>> = {
  '/status': 'html',
  '/status/feed.atom': 'atom',
  '/status.json': 'json',
};

export const STATUS_CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=60';

const TYPES: Record<StatusRoute, string> = {
  html: 'text/html; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

const COMMON = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** The route of a request, or the answer for one that is not a status route (or not a GET). */
export function statusRoute(event: APIGatewayProxyEventV2): StatusRoute | APIGatewayProxyStructuredResultV2 {
  const route = STATUS_ROUTES[event.rawPath.replace(/\/+$/, '') || '/'];
  const text = (statusCode: number, body: string, extra: Record<string, string> = {}) => ({
    statusCode,
    headers: { ...COMMON, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8', ...extra },
    body,
  });
  if (!route) return text(404, 'Not Found');
  if (event.requestContext.http.method.toUpperCase() !== 'GET')
    return text(405, 'Method Not Allowed', { allow: 'GET' });
  return route;
}

function originOf(event: APIGatewayProxyEventV2): string {
  const proto = (header(event, 'x-forwarded-proto') ?? 'https').split(',')[0]?.trim() === 'http' ? 'http' : 'https';
  return `${proto}://${event.requestContext.domainName}`;
}

export function statusResponse(
  event: APIGatewayProxyEventV2,
  route: StatusRoute,
  view: StatusView,
): APIGatewayProxyStructuredResultV2 {
  const body =
    route === 'html' ? statusHtml(view) : route === 'atom' ? statusAtom(view, originOf(event)) : statusJson(view);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = { ...COMMON, 'content-type': TYPES[route], 'cache-control': STATUS_CACHE_CONTROL, etag };
  const seen = (header(event, 'if-none-match') ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (seen.includes(etag) || seen.includes('*')) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body };
}
