/**
 * The console on the local stack: an emulation of the HTTP API in front of the
 * `console` function, plus a local identity provider in place of Cognito.
 *
 * Like API Gateway with the console's Lambda REQUEST authorizer (payload 2.0,
 * simple responses, no caching), every route but the public sign-in routes
 * first invokes the SAME `console-authorizer` function through the local
 * Lambda runtime, with the request's headers and cookies: `isAuthorized: false`
 * becomes 403 `{"message":"Forbidden"}`, an authorizer that fails (throws,
 * whatever its message, or answers no boolean `isAuthorized`) 500
 * `{"message":"Internal Server Error"}` (API Gateway "Working with AWS Lambda
 * authorizers for HTTP APIs", simple response format); on success the console
 * function sees the authorizer's context in `requestContext.authorizer.lambda`.
 * `GET /login` and `GET /callback` reach the console function without the
 * authorizer, as their routes have none in serverless.yml; so do the routes
 * other functions declare without one (`publicRoutes`: the status page). A browser opening
 * a page without a valid session is sent to sign-in by the same two
 * functions, not here: the authorizer lets such a visit through with a
 * context naming nobody, and the console answers it with the redirect.
 *
 * The local identity provider plays the user pool and its managed login
 * under /local-idp, speaking the same protocol the console uses with Cognito:
 *   GET/POST /local-idp/oauth2/authorize   sign-in form (no password: pick a name and groups),
 *                                          then a code back to the registered /callback
 *   POST     /local-idp/oauth2/token       authorization code + PKCE verifier → `{"id_token",…}`
 *   GET      /local-idp/logout             back to the registered sign-out URL
 *   GET      /local-idp/.well-known/…      JWKS and OpenID configuration
 *   POST     /local-idp/token              `{"username","groups"}` → `{"id_token"}` (CLI and tests)
 * Tokens are minted on request rather than from a key file: the signing key
 * never leaves this process, and anyone who can reach 127.0.0.1 can already
 * read the local tables directly, so the token endpoints grant nothing more.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeOutcome } from '../lambda';
import { BodyTooLargeError, readBody } from '../http-server';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../service';
import { LocalIdentityProvider, OAuthError } from './identity';

export const LOCAL_GROUPS = ['operators', 'viewers'];

export interface LocalConsoleOptions {
  invoke: (functionName: string, payload: unknown) => Promise<InvokeOutcome>;
  functionName?: string;
  authorizerFunctionName?: string;
  /** Routes of other functions on the same API that have no authorizer (exact paths, as serverless.yml declares them). */
  publicRoutes?: { method: string; path: string; functionName: string }[];
  port?: number;
}

export interface LocalConsole {
  readonly url: string;
  readonly identity: { issuer: string; audience: string; tokenUrl: string; jwksUrl: string; loginUrl: string };
  /**
   * What serverless.yml gives the console and its authorizer in AWS, pointing
   * at the local identity provider: the issuer, the app client, the domain
   * of the managed login.
   */
  readonly environment: { CONSOLE_TOKEN_ISSUER: string; CONSOLE_CLIENT_ID: string; CONSOLE_AUTH_DOMAIN: string };
  /** Signs an ID token as the local identity provider; a negative lifetime gives one that has expired. */
  token(username: string, groups: string[], email?: string, ttlSeconds?: number): string;
  stop(): Promise<void>;
}

/** HTTP APIs accept request payloads of up to 10 MB. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript)|[^;]*\+json)/i;

function parseCookies(header: string | undefined): string[] {
  return (header ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean);
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

function signInPage(params: AuthorizeParams, message?: string): string {
  const groups = LOCAL_GROUPS.map(
    (g) =>
      `<label><input type="checkbox" name="groups" value="${g}"${g === 'operators' ? ' checked' : ''}> ${g}</label>`,
  ).join('\n');
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · local identity provider</title>
<style>body{font:17px/1.5 system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}
input[type=text]{font:inherit;width:100%;padding:.5rem}button{font:inherit;font-weight:700;min-height:3rem;padding:.5rem 1.5rem}
.banner{background:#fff3cd;color:#3d2c00;border:2px solid #8a5a00;padding:.75rem;border-radius:.4rem}</style></head><body>
<main>
<p class="banner" role="note"><strong>Local identity provider</strong> — for the local stack only. It stands in for the Cognito user pool's sign-in page: no password, pick a name and groups.</p>
<h1>Sign in to the cache outage console</h1>
${message ? `<p role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/local-idp/oauth2/authorize">
${hidden('client_id', params.clientId)}${hidden('redirect_uri', params.redirectUri)}${hidden('state', params.state)}${hidden('code_challenge', params.codeChallenge)}
<label for="username">Username</label>
<input id="username" name="username" type="text" required autocomplete="username" value="">
<fieldset><legend>Groups</legend>
${groups}
</fieldset>
<p><button type="submit">Sign in</button></p>
</form>
</main></body></html>`;
}

/** The authorizer's outcome as API Gateway answers it. */
type AuthorizerVerdict =
  { allow: true; context: Record<string, unknown> } | { allow: false; status: number; message: string };

function verdictOf(outcome: InvokeOutcome): AuthorizerVerdict {
  // An HTTP API answers any error of its authorizer with 500, a thrown "Unauthorized" included
  // (the 401 for that message is the REST API's convention, not the HTTP API's).
  if (!outcome.ok) return { allow: false, status: 500, message: 'Internal Server Error' };
  const result = outcome.payload as { isAuthorized?: unknown; context?: unknown } | null;
  if (result === null || typeof result !== 'object' || typeof result.isAuthorized !== 'boolean') {
    return { allow: false, status: 500, message: 'Internal Server Error' };
  }
  if (!result.isAuthorized) return { allow: false, status: 403, message: 'Forbidden' };
  const context =
    result.context && typeof result.context === 'object' ? (result.context as Record<string, unknown>) : {};
  return { allow: true, context };
}

export async function startLocalConsole(options: LocalConsoleOptions): Promise<LocalConsole> {
  const functionName = options.functionName ?? 'console';
  const authorizerName = options.authorizerFunctionName ?? 'console-authorizer';
  // Known once the server listens: the issuer is the server's own URL.
  const bound: { baseUrl: string; idp?: LocalIdentityProvider } = { baseUrl: '' };
  const provider = () => bound.idp as LocalIdentityProvider;
  // The app client's registered URLs, as serverless.yml registers them in AWS.
  const callbackUrl = () => `${bound.baseUrl}/callback`;
  const signOutUrl = () => `${bound.baseUrl}/login`;

  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string | string[]>,
    body: string | Buffer = '',
  ) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(value));
  const oauthError = (res: ServerResponse, err: unknown) => {
    if (err instanceof OAuthError) return sendJson(res, 400, { error: err.error, error_description: err.message });
    throw err;
  };

  function authorizeParams(get: (k: string) => string | null): AuthorizeParams {
    const params = {
      clientId: get('client_id') ?? '',
      redirectUri: get('redirect_uri') ?? '',
      state: get('state') ?? '',
      codeChallenge: get('code_challenge') ?? '',
    };
    if (params.clientId !== provider().audience) throw new OAuthError('invalid_client', 'unknown client_id');
    if (params.redirectUri !== callbackUrl())
      throw new OAuthError('invalid_request', 'redirect_uri is not registered for this client');
    if (!params.codeChallenge) throw new OAuthError('invalid_request', 'code_challenge is required (PKCE)');
    return params;
  }

  /** The identity provider's endpoints; false when the path is not one of them. */
  function identityProvider(url: URL, method: string, body: Buffer, res: ServerResponse): boolean {
    if (!url.pathname.startsWith('/local-idp/')) return false;
    const path = url.pathname.slice('/local-idp'.length);
    if (path === '/.well-known/jwks.json') {
      sendJson(res, 200, provider().jwks);
    } else if (path === '/.well-known/openid-configuration') {
      const issuer = provider().issuer;
      sendJson(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        end_session_endpoint: `${issuer}/logout`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
    } else if (path === '/oauth2/authorize' && method === 'GET') {
      try {
        if (url.searchParams.get('response_type') !== 'code')
          throw new OAuthError('invalid_request', 'response_type must be code');
        if (url.searchParams.get('code_challenge_method') !== 'S256')
          throw new OAuthError('invalid_request', 'code_challenge_method must be S256');
        const params = authorizeParams((k) => url.searchParams.get(k));
        send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, signInPage(params));
      } catch (err) {
        oauthError(res, err);
      }
    } else if (path === '/oauth2/authorize' && method === 'POST') {
      const form = new URLSearchParams(body.toString('utf8'));
      try {
        const params = authorizeParams((k) => form.get(k));
        const username = (form.get('username') ?? '').trim();
        if (!username) {
          send(res, 400, { 'content-type': 'text/html; charset=utf-8' }, signInPage(params, 'A username is required.'));
          return true;
        }
        const groups = form.getAll('groups').filter((g) => LOCAL_GROUPS.includes(g));
        const code = provider().issueCode({
          user: { username, groups },
          clientId: params.clientId,
          redirectUri: params.redirectUri,
          codeChallenge: params.codeChallenge,
        });
        const back = new URL(params.redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', params.state);
        send(res, 302, { location: back.toString(), 'cache-control': 'no-store' });
      } catch (err) {
        oauthError(res, err);
      }
    } else if (path === '/oauth2/token' && method === 'POST') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('grant_type') !== 'authorization_code') {
        oauthError(res, new OAuthError('unsupported_grant_type', 'only authorization_code'));
        return true;
      }
      try {
        const { idToken, expiresIn } = provider().redeem({
          code: form.get('code') ?? '',
          clientId: form.get('client_id') ?? '',
          redirectUri: form.get('redirect_uri') ?? '',
          codeVerifier: form.get('code_verifier') ?? '',
        });
        sendJson(res, 200, { id_token: idToken, token_type: 'Bearer', expires_in: expiresIn });
      } catch (err) {
        oauthError(res, err);
      }
    } else if (path === '/logout' && method === 'GET') {
      if (
        url.searchParams.get('client_id') !== provider().audience ||
        url.searchParams.get('logout_uri') !== signOutUrl()
      ) {
        sendJson(res, 400, {
          error: 'invalid_request',
          error_description: 'unknown client_id or unregistered logout_uri',
        });
      } else {
        send(res, 302, { location: signOutUrl(), 'cache-control': 'no-store' });
      }
    } else if (path === '/token' && method === 'POST') {
      let request: { username?: unknown; groups?: unknown; email?: unknown };
      try {
        request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
      } catch {
        sendJson(res, 400, { message: 'body must be JSON' });
        return true;
      }
      if (typeof request.username !== 'string' || !request.username.trim()) {
        sendJson(res, 400, { message: 'username is required' });
        return true;
      }
      const groups = Array.isArray(request.groups) ? request.groups.map(String) : [];
      const token = provider().issue({
        username: request.username.trim(),
        groups,
        ...(typeof request.email === 'string' ? { email: request.email } : {}),
      });
      sendJson(res, 200, { id_token: token, token_type: 'Bearer', expires_in: 3600 });
    } else {
      sendJson(res, 404, { message: 'Not Found' });
    }
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', bound.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    if (identityProvider(url, method, body, res)) return;

    // The HTTP API: the request as payload 2.0, the authorizer unless the route is public, then the function.
    const cookies = parseCookies(req.headers.cookie);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'cookie' || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(',') : v;
    }
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(url.port);
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    const now = new Date();
    const requestContext = {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    };
    const common = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      ...(cookies.length ? { cookies } : {}),
      headers,
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    };

    const other = options.publicRoutes?.find((r) => r.method === method && r.path === url.pathname);
    const isPublic =
      other !== undefined || (method === 'GET' && (url.pathname === '/login' || url.pathname === '/callback'));
    let authorizer: { lambda: Record<string, unknown> } | undefined;
    if (!isPublic) {
      const verdict = verdictOf(
        await options.invoke(authorizerName, {
          ...common,
          type: 'REQUEST',
          routeArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:local/$default/${method}${url.pathname}`,
          identitySource: [],
          requestContext,
        }),
      );
      if (!verdict.allow) return sendJson(res, verdict.status, { message: verdict.message });
      authorizer = { lambda: verdict.context };
    }

    const contentType = headers['content-type'] ?? '';
    const textual = TEXT_TYPES.test(contentType);
    const event = {
      ...common,
      requestContext: { ...requestContext, ...(authorizer ? { authorizer } : {}) },
      ...(body.length
        ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual }
        : { isBase64Encoded: false }),
    };
    const outcome = await options.invoke(other?.functionName ?? functionName, event);
    if (!outcome.ok) return sendJson(res, 500, { message: 'Internal Server Error' });
    const result = outcome.payload as
      | {
          statusCode?: number;
          headers?: Record<string, string | number | boolean>;
          cookies?: string[];
          body?: string;
          isBase64Encoded?: boolean;
        }
      | string
      | null;
    if (result === null || typeof result !== 'object' || typeof result.statusCode !== 'number') {
      // API Gateway's rule for a result without statusCode: 200 with the value as JSON.
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(result));
    }
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) out[k.toLowerCase()] = String(v);
    if (result.cookies?.length) out['set-cookie'] = result.cookies;
    const payload =
      result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    return send(res, result.statusCode, out, payload);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError && !res.headersSent)
        send(res, 413, { 'content-type': 'application/json' }, '{"message":"Request Entity Too Large"}');
      else if (!res.headersSent)
        send(res, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
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
    environment: {
      CONSOLE_TOKEN_ISSUER: provider().issuer,
      CONSOLE_CLIENT_ID: provider().audience,
      CONSOLE_AUTH_DOMAIN: provider().issuer,
    },
    token: (username, groups, email, ttlSeconds) =>
      provider().issue({
        username,
        groups,
        ...(email ? { email } : {}),
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
      }),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
