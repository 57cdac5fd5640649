/**
 * The local identity provider: stands in for the Cognito user pool. It signs
 * RS256 ID tokens shaped like Cognito's (`cognito:username`, `email`,
 * `cognito:groups`, `token_use: id`, `aud` = the app client) with a key pair
 * that lives only in this process, and publishes the public key as a JWKS.
 * `verifyJwt` checks a token the way API Gateway's JWT authorizer does.
 */
import { createPublicKey, createSign, createVerify, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';

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

export class LocalIdentityProvider {
  readonly audience: string;
  private readonly privateKey: KeyObject;
  private readonly kid = randomBytes(8).toString('hex');
  readonly jwks: Jwks;

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
}

export class JwtRejected extends Error {
  override readonly name = 'JwtRejected';
}

/** Validates signature (RS256, key by `kid`), issuer, audience (`aud` or `client_id`), expiry and not-before. */
export function verifyJwt(
  token: string,
  jwks: Jwks,
  expected: { issuer: string; audience: string[] },
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRejected('not a JWT');
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new JwtRejected('malformed JWT');
  }
  if (header.alg !== 'RS256') throw new JwtRejected('unsupported algorithm');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new JwtRejected('unknown signing key');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  if (!createVerify('RSA-SHA256').update(`${h}.${p}`).verify(key, Buffer.from(s, 'base64url'))) {
    throw new JwtRejected('bad signature');
  }
  if (claims.iss !== expected.issuer) throw new JwtRejected('wrong issuer');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? claims.client_id];
  if (!aud.some((a) => typeof a === 'string' && expected.audience.includes(a))) throw new JwtRejected('wrong audience');
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) throw new JwtRejected('expired');
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) throw new JwtRejected('not yet valid');
  return claims;
}
