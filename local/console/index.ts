/**
 * The console on the local stack: an emulation of the HTTP API in front of the
 * `console` function, plus a local identity provider in place of Cognito.
 *
 * Like API Gateway's JWT authorizer it validates the token (RS256 signature
 * against the identity provider's JWKS, issuer, audience, expiry) before the
 * function runs and answers 401 itself; the function sees the claims in
 * `requestContext.authorizer.jwt.claims` (arrays as API Gateway renders them,
 * `[a b]`) and decides 403 by group. It takes the token from
 * `Authorization: Bearer …` (the CLI, tests) or, for browsers, from the
 * session cookie that the local login page sets.
 *
 * Local-only endpoints, clearly separate from the console's routes:
 *   GET/POST /login                    the local identity provider's sign-in form
 *   POST     /local-idp/token          `{"username","groups"}` → `{"id_token"}` (CLI and tests)
 *   GET      /local-idp/.well-known/…  JWKS and OpenID configuration
 * Tokens are minted on request rather than from a key file: the signing key
 * never leaves this process, and anyone who can reach 127.0.0.1 can already
 * read the local tables directly, so the token endpoint grants nothing more.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeOutcome } from '../lambda';
import { LOCAL_ACCOUNT_ID } from '../service';
import { JwtRejected, LocalIdentityProvider, verifyJwt } from './identity';

export const SESSION_COOKIE = 'console_session';
export const LOCAL_GROUPS = ['operators', 'viewers'];

export interface LocalConsoleOptions {
  invoke: (functionName: string, payload: unknown) => Promise<InvokeOutcome>;
  functionName?: string;
  port?: number;
}

export interface LocalConsole {
  readonly url: string;
  readonly identity: { issuer: string; audience: string; tokenUrl: string; jwksUrl: string; loginUrl: string };
  /** Signs an ID token as the local identity provider. */
  token(username: string, groups: string[], email?: string): string;
  stop(): Promise<void>;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript)|[^;]*\+json)/i;

function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('payload too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseCookies(header: string | undefined): string[] {
  return (header ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean);
}

function cookieValue(cookies: string[], name: string): string | undefined {
  for (const c of cookies) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq) === name) return c.slice(eq + 1);
  }
  return undefined;
}

/** API Gateway passes every claim as a string; arrays become `[a b]`. */
function claimsAsApiGateway(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    out[k] = Array.isArray(v) ? `[${v.map(String).join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(next: string, message?: string): string {
  const groups = LOCAL_GROUPS.map(
    (g) => `<label><input type="checkbox" name="groups" value="${g}"${g === 'operators' ? ' checked' : ''}> ${g}</label>`,
  ).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · local identity provider</title>
<style>body{font:17px/1.5 system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}
input[type=text]{font:inherit;width:100%;padding:.5rem}button{font:inherit;font-weight:700;min-height:3rem;padding:.5rem 1.5rem}
.banner{background:#fff3cd;color:#3d2c00;border:2px solid #8a5a00;padding:.75rem;border-radius:.4rem}</style></head><body>
<main>
<p class="banner" role="note"><strong>Local identity provider</strong> — for the local stack only. It stands in for the Cognito user pool: no password, pick a name and groups.</p>
<h1>Sign in to the cache outage console</h1>
${message ? `<p role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="${esc(next)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" required autocomplete="username" value="">
<fieldset><legend>Groups</legend>
${groups}
</fieldset>
<p><button type="submit">Sign in</button></p>
</form>
</main></body></html>`;
}

function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export async function startLocalConsole(options: LocalConsoleOptions): Promise<LocalConsole> {
  const functionName = options.functionName ?? 'console';
  // Known once the server listens: the issuer is the server's own URL.
  const bound: { baseUrl: string; idp?: LocalIdentityProvider } = { baseUrl: '' };
  const provider = () => bound.idp as LocalIdentityProvider;

  const send = (res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer = '') => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const unauthorized = (req: IncomingMessage, res: ServerResponse) => {
    // API Gateway's answer; browsers also get a way to the local sign-in page.
    if (/text\/html/.test(req.headers.accept ?? '')) {
      const next = encodeURIComponent(req.url ?? '/');
      return send(
        res,
        401,
        { 'content-type': 'text/html; charset=utf-8', 'www-authenticate': 'Bearer' },
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Unauthorized</title></head><body><main><h1>Unauthorized</h1><p><a href="/login?next=${next}">Sign in with the local identity provider</a></p></main></body></html>`,
      );
    }
    return send(res, 401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }, '{"message":"Unauthorized"}');
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', bound.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);

    // The local identity provider.
    if (url.pathname === '/local-idp/.well-known/jwks.json') return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(provider().jwks));
    if (url.pathname === '/local-idp/.well-known/openid-configuration') {
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ issuer: provider().issuer, jwks_uri: `${provider().issuer}/.well-known/jwks.json`, token_endpoint: `${provider().issuer}/token` }));
    }
    if (url.pathname === '/local-idp/token' && method === 'POST') {
      let request: { username?: unknown; groups?: unknown; email?: unknown };
      try {
        request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
      } catch {
        return send(res, 400, { 'content-type': 'application/json' }, '{"message":"body must be JSON"}');
      }
      if (typeof request.username !== 'string' || !request.username.trim()) {
        return send(res, 400, { 'content-type': 'application/json' }, '{"message":"username is required"}');
      }
      const groups = Array.isArray(request.groups) ? request.groups.map(String) : [];
      const token = provider().issue({ username: request.username.trim(), groups, ...(typeof request.email === 'string' ? { email: request.email } : {}) });
      return send(res, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify({ id_token: token, token_type: 'Bearer', expires_in: 3600 }));
    }
    if (url.pathname === '/login' && method === 'GET') {
      return send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, loginPage(safeNext(url.searchParams.get('next'))));
    }
    if (url.pathname === '/login' && method === 'POST') {
      const form = new URLSearchParams(body.toString('utf8'));
      const username = (form.get('username') ?? '').trim();
      const next = safeNext(form.get('next'));
      if (!username) return send(res, 400, { 'content-type': 'text/html; charset=utf-8' }, loginPage(next, 'A username is required.'));
      const groups = form.getAll('groups').filter((g) => LOCAL_GROUPS.includes(g));
      const token = provider().issue({ username, groups, ttlSeconds: 8 * 3600 });
      return send(res, 303, {
        location: next,
        'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${8 * 3600}`,
        'cache-control': 'no-store',
      });
    }
    if (url.pathname === '/logout' && method === 'POST') {
      return send(res, 303, { location: '/login', 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` });
    }

    // The HTTP API: authorizer, then the function.
    const cookies = parseCookies(req.headers.cookie);
    const authorization = req.headers.authorization;
    const token = authorization ? authorization.replace(/^Bearer\s+/i, '').trim() : cookieValue(cookies, SESSION_COOKIE);
    if (!token) return unauthorized(req, res);
    let claims: Record<string, unknown>;
    try {
      claims = verifyJwt(token, provider().jwks, { issuer: provider().issuer, audience: [provider().audience] });
    } catch (err) {
      if (err instanceof JwtRejected) return unauthorized(req, res);
      throw err;
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'cookie' || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(',') : v;
    }
    const contentType = headers['content-type'] ?? '';
    const textual = TEXT_TYPES.test(contentType);
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      ...(cookies.length ? { cookies } : {}),
      headers,
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        apiId: 'local',
        authorizer: { jwt: { claims: claimsAsApiGateway(claims), scopes: null } },
        domainName: url.host,
        domainPrefix: 'local',
        http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual } : { isBase64Encoded: false }),
    };
    const outcome = await options.invoke(functionName, event);
    if (!outcome.ok) return send(res, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    const result = outcome.payload as
      | { statusCode?: number; headers?: Record<string, string | number | boolean>; cookies?: string[]; body?: string; isBase64Encoded?: boolean }
      | string
      | null;
    if (result === null || typeof result !== 'object' || typeof result.statusCode !== 'number') {
      // API Gateway's rule for a result without statusCode: 200 with the value as JSON.
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(result));
    }
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) out[k.toLowerCase()] = String(v);
    if (result.cookies?.length) out['set-cookie'] = result.cookies;
    const payload = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    return send(res, result.statusCode, out, payload);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  bound.baseUrl = baseUrl;
  bound.idp = new LocalIdentityProvider(`${baseUrl}/local-idp`);
  let stopped: Promise<void> | undefined;
  return {
    url: baseUrl,
    identity: {
      issuer: provider().issuer,
      audience: provider().audience,
      tokenUrl: `${baseUrl}/local-idp/token`,
      jwksUrl: `${baseUrl}/local-idp/.well-known/jwks.json`,
      loginUrl: `${baseUrl}/login`,
    },
    token: (username, groups, email) => provider().issue({ username, groups, ...(email ? { email } : {}) }),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
