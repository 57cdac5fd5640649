/**
 * Who is asking, and may they decide.
 *
 * Authentication is the `consoleAuthorizer` Lambda's (a REQUEST authorizer of
 * the HTTP API, see ../handlers/console-authorizer.ts): it verifies the
 * Cognito ID token (RS256 signature, issuer, token_use, app client, expiry)
 * from `Authorization: Bearer …` (the CLI, scripts) or from the `session`
 * cookie (browsers, set by /callback after the managed login), makes API
 * Gateway answer 403 `{"message":"Forbidden"}` when there is none or it is
 * not valid (`isAuthorized: false`), and hands this function who
 * the token names in `requestContext.authorizer.lambda`. One exception, as
 * an HTTP API authorizer cannot answer with a redirect: a browser opening a
 * page (GET, `Accept: text/html`, a page route) without a valid session is
 * let through with a context that names nobody and says why
 * (`signedIn: 'false'`, `session`), and this function sends it to sign-in
 * with nothing else (./signed-out.ts). A Lambda authorizer
 * rather than the HTTP API's JWT authorizer because that one reads a token
 * only from a header or query string, never from a cookie, so a browser
 * session could not pass it. Cognito tokens rather than IAM (SigV4) auth
 * because operators use a browser, often on a phone, which cannot sign
 * requests, and because every decision must name a person: the token's email
 * or username goes on the incident's timeline, where an IAM role session
 * would only name a role.
 *
 * Authorization is here: only members of the `operators` group (the
 * `cognito:groups` claim) may read incidents or decide; anyone else gets 403.
 *
 * CSRF: a request that carries `Authorization: Bearer …` (the CLI, scripts)
 * cannot be forged by another site: a browser adds that header only from our
 * own pages' script, and the API allows no cross-origin requests. A browser
 * session rides on a cookie (HttpOnly, Secure, SameSite=Lax so that it
 * survives the redirect back from the sign-in page) which a browser does send
 * on some cross-site requests, so every form also carries a token derived
 * from the session's own JWT (HMAC-SHA256 keyed with the JWT): another site
 * can read neither the cookie nor our pages, so it cannot compute the token,
 * the token reveals nothing about the JWT, and it needs no server-side secret
 * or state. It changes with every new session.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const OPERATORS_GROUP = 'operators';
export const SESSION_COOKIE = 'session';

/** What the authorizer passes on: `requestContext.authorizer.lambda`. */
export interface AuthorizerContext {
  /** email, else username, else subject. */
  username: string;
  /** The token's `cognito:groups`, comma-separated. */
  groups: string;
}

/** Why a page visit has no operator: no token, a genuine one that expired, or one that is not ours. */
export type SessionState = 'none' | 'expired' | 'invalid';

/** What the authorizer passes on for a signed-out browser opening a page: nobody, and why. */
export interface SignedOutContext {
  signedIn: 'false';
  session: SessionState;
  /** When the expired session ended (ISO 8601). */
  expiredAt?: string;
}

export interface SignedOut {
  session: SessionState;
  expiredAt?: string;
}

const SESSION_STATES: readonly string[] = ['none', 'expired', 'invalid'] satisfies SessionState[];

/** The signed-out visit the authorizer described, or undefined when the context is not one. */
export function signedOutFrom(context: Record<string, unknown> | undefined): SignedOut | undefined {
  if (context?.signedIn !== 'false' || typeof context.session !== 'string') return undefined;
  if (!SESSION_STATES.includes(context.session)) return undefined;
  const session = context.session as SessionState;
  const expiredAt =
    session === 'expired' && typeof context.expiredAt === 'string' && !Number.isNaN(Date.parse(context.expiredAt))
      ? context.expiredAt
      : undefined;
  return { session, ...(expiredAt ? { expiredAt } : {}) };
}

export interface Operator {
  /** The name decisions are recorded under: email, else username, else subject. */
  name: string;
  groups: string[];
}

/** Groups as a comma-separated list (the authorizer's context), or an array of names (anything else in it is no group). */
export function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  if (typeof value !== 'string') return [];
  return value
    .split(/[\s,]+/)
    .map((g) => g.trim())
    .filter(Boolean);
}

export function operatorFrom(
  context: Partial<Record<keyof AuthorizerContext, unknown>> | undefined,
): Operator | undefined {
  const name = typeof context?.username === 'string' ? context.username.trim() : '';
  if (!name) return undefined;
  return { name, groups: parseGroups(context?.groups) };
}

export const isOperator = (operator: Operator): boolean => operator.groups.includes(OPERATORS_GROUP);

/** How the request proved who it is: a bearer header, or the session cookie. */
export type Credential = { kind: 'bearer'; token: string } | { kind: 'cookie'; token: string } | { kind: 'none' };

export function credentialOf(headers: Record<string, string | undefined>, cookies: string[] | undefined): Credential {
  const authorization = headers.authorization ?? headers.Authorization;
  if (authorization) {
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    if (token) return { kind: 'bearer', token };
  }
  for (const cookie of cookies ?? []) {
    const eq = cookie.indexOf('=');
    if (eq > 0 && cookie.slice(0, eq).trim() === SESSION_COOKIE) {
      const token = cookie.slice(eq + 1).trim();
      if (token) return { kind: 'cookie', token };
    }
  }
  return { kind: 'none' };
}

/** The anti-forgery token forms of this session carry. */
export function csrfTokenFor(credential: Credential): string | undefined {
  if (credential.kind === 'none') return undefined;
  return createHmac('sha256', credential.token).update('cache-outage console form v1').digest('base64url');
}

/** Bearer requests need no form token; cookie sessions must send the one their pages carry. */
export function csrfAccepted(credential: Credential, submitted: string | undefined): boolean {
  if (credential.kind === 'bearer') return true;
  const expected = csrfTokenFor(credential);
  if (!expected || !submitted) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
