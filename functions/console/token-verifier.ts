/**
 * Verifies the console's Cognito ID tokens with AWS's own `aws-jwt-verify`:
 * RS256 signature against the issuer's JWKS (fetched once per container and
 * again only for an unknown key id), `iss` = the user pool, `token_use` = id,
 * `aud` = the app client, `exp` (required) / `nbf`. ID tokens rather than access tokens
 * because a decision is recorded under the person's email, which only the ID
 * token carries.
 *
 * The JWKS is fetched with the platform's `fetch` (with a time-out) rather
 * than the library's HTTPS-only fetcher, so the same code verifies tokens of
 * any issuer the configuration names.
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { JwtExpiredError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';

export interface VerifiedIdentity {
  /** email, else username, else subject: the name decisions are recorded under. */
  name: string;
  groups: string[];
}

export interface TokenVerifier {
  /**
   * Resolves with who the token names, or rejects when the token is not valid
   * now: with SessionExpiredError when it is genuine (our signature, issuer
   * and app client) and only its time is over, with any other error otherwise.
   */
  verify(token: string): Promise<VerifiedIdentity>;
}

/** A genuine session whose token expired: the person signed in, and must sign in again. */
export class SessionExpiredError extends Error {
  override readonly name = 'SessionExpiredError' as const;
  constructor(
    readonly expiredAt: Date,
    options?: { cause?: unknown },
  ) {
    super(`the session expired at ${expiredAt.toISOString()}`, options);
  }
}

export interface TokenVerifierOptions {
  issuer: string;
  clientId: string;
  jwksUri: string;
  /** Allowed clock skew. */
  graceSeconds?: number;
  fetchTimeoutMs?: number;
}

const platformFetcher = (timeoutMs: number): Fetcher => ({
  async fetch(uri: string): Promise<ArrayBuffer> {
    const res = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`${uri} answered HTTP ${res.status}`);
    return res.arrayBuffer();
  },
});

function identityOf(payload: Record<string, unknown>): VerifiedIdentity {
  const pick = (key: string): string | undefined => {
    const v = payload[key];
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const name = pick('email') ?? pick('cognito:username') ?? pick('username') ?? pick('sub');
  if (!name) throw new Error('the token names nobody');
  const groups = payload['cognito:groups'];
  return { name, groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [] };
}

export class CognitoTokenVerifier implements TokenVerifier {
  private readonly verifier;
  private readonly issuer: string;
  private readonly clientId: string;

  constructor(options: TokenVerifierOptions) {
    const clientId = options.clientId;
    this.issuer = options.issuer;
    this.clientId = clientId;
    this.verifier = JwtRsaVerifier.create(
      {
        issuer: options.issuer,
        // The decoded claims on an error, only once the signature is verified: tells an expired session from a forgery.
        includeRawJwtInErrors: true,
        jwksUri: options.jwksUri,
        // `aud` of an ID token, `client_id` of an access token: checked with token_use below.
        audience: null,
        graceSeconds: options.graceSeconds ?? 0,
        customJwtCheck: ({ payload, header }) => {
          if (header.alg !== 'RS256') throw new Error('unexpected algorithm');
          // The library checks `exp` only when present; a token without one would never expire. Cognito always sets it.
          if (typeof payload.exp !== 'number') throw new Error('the token has no expiry');
          validateCognitoJwtFields(payload, { tokenUse: 'id', clientId });
        },
      },
      { jwksCache: new SimpleJwksCache({ fetcher: platformFetcher(options.fetchTimeoutMs ?? 3000) }) },
    );
  }

  async verify(token: string): Promise<VerifiedIdentity> {
    let payload;
    try {
      payload = await this.verifier.verify(token);
    } catch (err) {
      const expiredAt = this.genuineButExpired(err);
      if (expiredAt) throw new SessionExpiredError(expiredAt, { cause: err });
      throw err;
    }
    return identityOf(payload as Record<string, unknown>);
  }

  /**
   * When the library refused the token for its expiry alone: the signature
   * verified (the library decodes `rawJwt` only then), and the claims it checks
   * after the expiry name this pool and app client. Anything else is no session.
   */
  private genuineButExpired(err: unknown): Date | undefined {
    if (!(err instanceof JwtExpiredError) || !err.rawJwt) return undefined;
    const { header, payload } = err.rawJwt;
    if (header.alg !== 'RS256' || payload.iss !== this.issuer || typeof payload.exp !== 'number') return undefined;
    try {
      validateCognitoJwtFields(payload, { tokenUse: 'id', clientId: this.clientId });
    } catch {
      return undefined;
    }
    if (payload.nbf !== undefined && typeof payload.nbf !== 'number') return undefined;
    return new Date(payload.exp * 1000);
  }
}
