/**
 * The console's Lambda authorizer with the real verifier (aws-jwt-verify)
 * against a JWKS served on 127.0.0.1: which tokens pass, from the header or
 * the session cookie, and that everything else is refused with the simple
 * response `{ isAuthorized: false }`, which an HTTP API turns into 403 (API
 * Gateway "Working with AWS Lambda authorizers for HTTP APIs"). A thrown
 * error would be a 500 there. The one exception, a browser opening a page
 * without a valid session, is let through with a context naming nobody.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { CognitoTokenVerifier } from '../../functions/console/token-verifier';
import { makeHandler } from '../../functions/handlers/console-authorizer';

const CLIENT_ID = 'console-client';
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

interface Signer {
  key: KeyObject;
  kid: string;
}

function newSigner(kid: string): Signer & { jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: privateKey, kid, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function sign(signer: Signer, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${enc({ alg: 'RS256', typ: 'JWT', kid: signer.kid, ...header })}.${enc(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(signer.key).toString('base64url')}`;
}

const context = {} as Context;

function event(
  headers: Record<string, string>,
  cookies?: string[],
  request: { method?: string; path?: string } = {},
): APIGatewayRequestAuthorizerEventV2 {
  const method = request.method ?? 'GET';
  const path = request.path ?? '/';
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:us-east-1:123456789012:api/$default/${method}${path}`,
    identitySource: [],
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    ...(cookies ? { cookies } : {}),
    requestContext: { http: { method, path } } as APIGatewayRequestAuthorizerEventV2['requestContext'],
  } as APIGatewayRequestAuthorizerEventV2;
}

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('console authorizer', () => {
  let server: Server;
  let issuer: string;
  let jwksRequests = 0;
  const signer = newSigner('key-1');
  const stranger = newSigner('key-1');
  let handler: ReturnType<typeof makeHandler>;
  let claims: (over?: Record<string, unknown>) => Record<string, unknown>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/pool/.well-known/jwks.json') {
        jwksRequests += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [signer.jwk] }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool`;
    handler = makeHandler({
      verifier: new CognitoTokenVerifier({ issuer, clientId: CLIENT_ID, jwksUri: `${issuer}/.well-known/jwks.json` }),
    });
    claims = (over = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return {
        sub: 'abc',
        iss: issuer,
        aud: CLIENT_ID,
        token_use: 'id',
        iat: now,
        exp: now + 600,
        'cognito:username': 'alice',
        email: 'alice@example.com',
        'cognito:groups': ['operators'],
        ...over,
      };
    };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const bearer = (token: string) => event({ authorization: `Bearer ${token}` });
  const refused = (e: APIGatewayRequestAuthorizerEventV2) =>
    expect(handler(e, context)).resolves.toEqual({ isAuthorized: false });

  it('lets a valid ID token from the Authorization header through, naming the person and their groups', async () => {
    await expect(handler(bearer(sign(signer, claims())), context)).resolves.toEqual({
      isAuthorized: true,
      context: { username: 'alice@example.com', groups: 'operators' },
    });
  });

  it('reads the session cookie when there is no Authorization header', async () => {
    const token = sign(signer, claims({ email: undefined, 'cognito:groups': ['operators', 'oncall'] }));
    await expect(handler(event({ accept: 'text/html' }, ['theme=dark', `session=${token}`]), context)).resolves.toEqual(
      {
        isAuthorized: true,
        context: { username: 'alice', groups: 'operators,oncall' },
      },
    );
  });

  it('lets a signed-in user outside the operators group through: the console answers 403 and says why', async () => {
    await expect(handler(bearer(sign(signer, claims({ 'cognito:groups': undefined }))), context)).resolves.toEqual({
      isAuthorized: true,
      context: { username: 'alice@example.com', groups: '' },
    });
  });

  it('refuses a request without a token (not a page visit: no Accept: text/html)', async () => {
    await refused(event({}));
    await refused(event({ authorization: 'Bearer ' }, ['session=']));
    await refused(event({}, ['other=value']));
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(bearer(sign(signer, claims({ iat: now - 7200, exp: now - 60 }))));
  });

  it('refuses a token of another issuer, even signed with the right key', async () => {
    await refused(bearer(sign(signer, claims({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other' }))));
  });

  it('refuses a token for another app client, and an access token', async () => {
    await refused(bearer(sign(signer, claims({ aud: 'another-client' }))));
    await refused(bearer(sign(signer, claims({ token_use: 'access', aud: undefined, client_id: CLIENT_ID }))));
  });

  it('refuses a tampered token, one signed with another key under the same key id, and an unsigned one', async () => {
    const [h, , s] = sign(signer, claims()).split('.') as [string, string, string];
    await refused(
      bearer(`${h}.${enc(claims({ 'cognito:groups': ['operators', 'admins'], email: 'root@example.com' }))}.${s}`),
    );
    await refused(bearer(sign(stranger, claims())));
    await refused(bearer(`${enc({ alg: 'none', kid: 'key-1' })}.${enc(claims())}.`));
    await refused(bearer('not-a-jwt'));
  });

  it('refuses a forged cookie even when the header is absent', async () => {
    await refused(event({}, [`session=${sign(stranger, claims())}`]));
  });

  describe('a browser opening a page without a valid session', () => {
    const visit = (cookies?: string[], request: { method?: string; path?: string } = {}, accept = HTML) =>
      event({ accept }, cookies, { path: '/incidents/accounts-20261126T231400Z', ...request });
    const signedOut = (session: string, extra: Record<string, string> = {}) => ({
      isAuthorized: true,
      context: { signedIn: 'false', session, ...extra },
    });

    it('is let through naming nobody, to be sent to sign-in: no token', async () => {
      for (const path of ['/', '/caches', '/stats', '/incidents/accounts-20261126T231400Z']) {
        await expect(handler(visit(undefined, { path }), context)).resolves.toEqual(signedOut('none'));
      }
      await expect(handler(visit(['theme=dark']), context)).resolves.toEqual(signedOut('none'));
    });

    it('is told when its genuine session expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = sign(signer, claims({ iat: now - 7200, exp: now - 60 }));
      await expect(handler(visit([`session=${expired}`]), context)).resolves.toEqual(
        signedOut('expired', { expiredAt: new Date((now - 60) * 1000).toISOString() }),
      );
    });

    it('gets no operator, and no expiry, from a token that is not ours: forged, tampered, another client, unsigned', async () => {
      const now = Math.floor(Date.now() / 1000);
      const old = { iat: now - 7200, exp: now - 60 };
      const [h, , s] = sign(signer, claims(old)).split('.') as [string, string, string];
      for (const token of [
        sign(stranger, claims()),
        sign(stranger, claims(old)),
        `${h}.${enc(claims({ ...old, exp: now - 30 }))}.${s}`,
        `${h}.${enc(claims({ 'cognito:groups': ['operators', 'admins'] }))}.${s}`,
        sign(signer, claims({ ...old, aud: 'another-client' })),
        sign(signer, claims({ ...old, iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other' })),
        sign(signer, claims({ ...old, token_use: 'access' })),
        `${enc({ alg: 'none', kid: 'key-1' })}.${enc(claims())}.`,
        'not-a-jwt',
      ]) {
        await expect(handler(visit([`session=${token}`]), context)).resolves.toEqual(signedOut('invalid'));
      }
    });

    it('is refused as before for anything but a page: live events, JSON, form posts, other routes, Bearer requests', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = `session=${sign(signer, claims({ iat: now - 7200, exp: now - 60 }))}`;
      const forged = `session=${sign(stranger, claims())}`;
      for (const cookies of [undefined, [expired], [forged]]) {
        await refused(visit(cookies, { path: '/incidents/accounts-20261126T231400Z/events' }));
        await refused(visit(cookies, { path: '/incidents/accounts-20261126T231400Z/events' }, 'application/json'));
        await refused(visit(cookies, {}, 'application/json'));
        await refused(visit(cookies, {}, '*/*'));
        await refused(
          visit(cookies, { method: 'POST', path: '/incidents/accounts-20261126T231400Z/approvals/recovery-plan' }),
        );
        await refused(visit(cookies, { method: 'POST', path: '/logout' }));
        await refused(visit(cookies, { method: 'HEAD' }));
        await refused(visit(cookies, { path: '/nowhere' }));
      }
      await refused(event({ accept: HTML, authorization: `Bearer ${sign(stranger, claims())}` }));
      await refused(
        event({ accept: HTML, authorization: `Bearer ${sign(signer, claims({ iat: now - 7200, exp: now - 60 }))}` }),
      );
    });

    it('with a valid session, is the operator as always', async () => {
      await expect(handler(visit([`session=${sign(signer, claims())}`]), context)).resolves.toEqual({
        isAuthorized: true,
        context: { username: 'alice@example.com', groups: 'operators' },
      });
    });
  });

  it('fetches the signing keys once and keeps them', () => {
    expect(jwksRequests).toBe(1);
  });
});
