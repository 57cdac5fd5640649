/**
 * The local identity provider: stands in for the Cognito user pool and its
 * managed login. It signs RS256 ID tokens shaped like Cognito's
 * (`cognito:username`, `email`, `cognito:groups`, `token_use: id`, `aud` = the
 * app client) with a key pair that lives only in this process, publishes the
 * public key as a JWKS, and runs the authorization code grant with PKCE
 * (S256) the way Cognito's /oauth2/authorize and /oauth2/token do: a code is
 * good once, for two minutes, for the client, redirect URI and code challenge
 * it was issued to.
 */
import { createHash, createSign, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface Jwks {
  keys: (JsonWebKey & { kid: string; alg: string; use: string })[];
}

export interface TokenRequest {
  username: string;
  email?: string;
  groups: string[];
  ttlSeconds?: number;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export interface CodeRequest {
  user: TokenRequest;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
}

export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
  }
}

const CODE_TTL_MS = 120_000;

export class LocalIdentityProvider {
  readonly audience: string;
  private readonly privateKey: KeyObject;
  private readonly kid = randomBytes(8).toString('hex');
  readonly jwks: Jwks;
  private readonly codes = new Map<string, CodeRequest & { expiresAt: number }>();

  constructor(
    readonly issuer: string,
    audience = 'cache-outage-console-local',
  ) {
    this.audience = audience;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }

  issue(request: TokenRequest): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.kid };
    const payload = {
      sub: `local-${Buffer.from(request.username).toString('hex').slice(0, 32)}`,
      iss: this.issuer,
      aud: this.audience,
      token_use: 'id',
      auth_time: now,
      iat: now,
      exp: now + (request.ttlSeconds ?? 3600),
      'cognito:username': request.username,
      ...(request.email ? { email: request.email, email_verified: true } : {}),
      'cognito:groups': request.groups,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(this.privateKey);
    return `${signingInput}.${b64url(signature)}`;
  }

  /** /oauth2/authorize after sign-in: a one-time code bound to client, redirect URI and PKCE challenge. */
  issueCode(request: CodeRequest): string {
    const now = Date.now();
    for (const [code, pending] of this.codes) if (pending.expiresAt <= now) this.codes.delete(code);
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { ...request, expiresAt: now + CODE_TTL_MS });
    return code;
  }

  /** /oauth2/token, grant_type=authorization_code: the ID token, once per code. */
  redeem(form: { code?: string; clientId?: string; redirectUri?: string; codeVerifier?: string }): {
    idToken: string;
    expiresIn: number;
  } {
    const pending = form.code ? this.codes.get(form.code) : undefined;
    if (form.code) this.codes.delete(form.code);
    if (!pending || pending.expiresAt <= Date.now())
      throw new OAuthError('invalid_grant', 'unknown, used or expired code');
    if (form.clientId !== pending.clientId)
      throw new OAuthError('invalid_client', 'the code was issued to another client');
    if (form.redirectUri !== pending.redirectUri)
      throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request');
    const challenge = form.codeVerifier ? createHash('sha256').update(form.codeVerifier).digest('base64url') : '';
    if (challenge !== pending.codeChallenge)
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
    const expiresIn = pending.user.ttlSeconds ?? 3600;
    return { idToken: this.issue(pending.user), expiresIn };
  }
}
