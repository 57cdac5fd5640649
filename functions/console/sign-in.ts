/**
 * Browser sign-in with the user pool's managed login (OAuth 2.0 authorization
 * code grant with PKCE, a public app client without a secret):
 *
 *   GET /login     → 302 to `<domain>/oauth2/authorize?response_type=code&…`
 *                    with a fresh `state` and S256 `code_challenge`; the state,
 *                    the code verifier and where to go afterwards ride in a
 *                    short-lived HttpOnly cookie scoped to /callback.
 *   GET /callback  → the state must match the cookie's; the code and verifier
 *                    are exchanged at `<domain>/oauth2/token` for tokens; the
 *                    ID token becomes the `session` cookie the authorizer reads.
 *   POST /logout   → the cookie is cleared and the user pool's session ends
 *                    (`<domain>/logout`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { TransientDependencyError, ValidationError } from '../domain/errors';

export interface SignInSettings {
  /** The user pool domain: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  domain: string;
  clientId: string;
}

export interface PendingSignIn {
  state: string;
  verifier: string;
  next: string;
}

export interface Tokens {
  idToken: string;
  expiresInSeconds: number;
}

export interface SignIn {
  /** Where to send the browser, and what to remember until it comes back. */
  start(redirectUri: string, next: string): { location: string; pending: PendingSignIn };
  /** Exchanges the authorization code for tokens. */
  exchange(code: string, verifier: string, redirectUri: string): Promise<Tokens>;
  /** The user pool's logout endpoint, which then sends the browser to `logoutUri`. */
  logoutUrl(logoutUri: string): string;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

const random = (bytes: number): string => randomBytes(bytes).toString('base64url');

export const pkceChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** Longer than any console URL: a `next` past it is no link of ours. */
const MAX_NEXT = 2048;

/**
 * Only a path of this site, else "/": never an open redirect. A browser reads
 * `//host` and `/\host` as another site, turns every `\` into `/` and drops
 * tabs and newlines (so `/\t/host` is `//host`): no backslash and no control
 * character anywhere.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > MAX_NEXT || !next.startsWith('/') || next.startsWith('//')) return '/';
  for (let i = 0; i < next.length; i += 1) {
    const code = next.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return '/';
  }
  return next;
}

export class OAuthSignIn implements SignIn {
  private readonly fetch: Fetch;

  constructor(
    private readonly settings: SignInSettings,
    options: { fetch?: Fetch; timeoutMs?: number } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 5000;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }));
  }

  start(redirectUri: string, next: string): { location: string; pending: PendingSignIn } {
    const pending = { state: random(24), verifier: random(48), next: safeNext(next) };
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state: pending.state,
      code_challenge: pkceChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { location: `${this.settings.domain}/oauth2/authorize?${query.toString()}`, pending };
  }

  async exchange(code: string, verifier: string, redirectUri: string): Promise<Tokens> {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: this.settings.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    let res: Response;
    try {
      res = await this.fetch(`${this.settings.domain}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
      });
    } catch (cause) {
      throw new TransientDependencyError('the sign-in token endpoint did not answer', { cause });
    }
    if (res.status >= 500) throw new TransientDependencyError(`the sign-in token endpoint answered HTTP ${res.status}`);
    const doc = (await res.json().catch(() => ({}))) as { id_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok || typeof doc.id_token !== 'string') {
      const reason = typeof doc.error === 'string' ? doc.error : `HTTP ${res.status}`;
      throw new ValidationError('sign-in', [
        { path: 'code', message: `the sign-in could not be completed (${reason}): sign in again` },
      ]);
    }
    const expires = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 3600;
    return { idToken: doc.id_token, expiresInSeconds: expires };
  }

  logoutUrl(logoutUri: string): string {
    const query = new URLSearchParams({ client_id: this.settings.clientId, logout_uri: logoutUri });
    return `${this.settings.domain}/logout?${query.toString()}`;
  }
}

/** The pending sign-in as a cookie value, and back. */
export function encodePending(pending: PendingSignIn): string {
  return Buffer.from(JSON.stringify(pending)).toString('base64url');
}

export function decodePending(value: string | undefined): PendingSignIn | undefined {
  if (!value) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    if (typeof doc.state !== 'string' || typeof doc.verifier !== 'string' || typeof doc.next !== 'string')
      return undefined;
    return { state: doc.state, verifier: doc.verifier, next: safeNext(doc.next) };
  } catch {
    return undefined;
  }
}
