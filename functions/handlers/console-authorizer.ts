/**
 * The console's HTTP API authorizer (Lambda REQUEST authorizer, payload 2.0,
 * simple responses, no result caching): verifies the Cognito ID token from
 * `Authorization: Bearer …` or the `session` cookie and passes who it names
 * to the console function. No token, or one that is not valid now: it
 * answers `{ isAuthorized: false }`, which API Gateway turns into
 * 403 `{"message":"Forbidden"}` without calling the console (API Gateway
 * "Working with AWS Lambda authorizers for HTTP APIs", simple response
 * format, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
 * Throwing `Unauthorized` for a 401 is the REST API's convention; an HTTP
 * API answers any error of its authorizer with 500. A valid token of someone
 * outside the operators group is let through: the console answers that with
 * 403 and says why.
 *
 * A simple response cannot redirect, so a browser opening a page (GET,
 * `Accept: text/html`, a page route; never with a Bearer token) without a
 * valid session is let through with a context that names nobody and says
 * why: `{ signedIn: 'false', session: 'none' | 'expired' | 'invalid' }`.
 * The console function answers it with the way to sign in and nothing else.
 * Every other request without a valid token (form posts, JSON, the live
 * events, the CLI) is refused here as before, so scripts and the page's live
 * script still see API Gateway's 403.
 *
 * Tokens are never logged, only why one was refused.
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import {
  credentialOf,
  type AuthorizerContext,
  type Credential,
  type SessionState,
  type SignedOutContext,
} from '../console/auth';
import { isPageVisit } from '../console/http';
import { SessionExpiredError, type TokenVerifier } from '../console/token-verifier';
import { lambdaHandler, logger } from '../lib/observability';
import { consoleTokenVerifier } from '../wiring/console-tokens';
import { lazyDeps } from '../wiring/lazy-deps';

export interface ConsoleAuthorizerDeps {
  readonly verifier: TokenVerifier;
}

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | SignedOutContext>;
type Decision = { isAuthorized: true; context: AuthorizerContext | SignedOutContext } | { isAuthorized: false };

/** No operator: a browser's page visit goes on to be sent to sign-in, anything else is refused. */
function signedOut(
  event: APIGatewayRequestAuthorizerEventV2,
  credential: Credential,
  session: SessionState,
  expiredAt?: Date,
): Decision {
  const headers = event.headers ?? {};
  const visit =
    credential.kind !== 'bearer' &&
    isPageVisit(event.requestContext?.http?.method ?? '', event.rawPath ?? '', headers.accept ?? headers.Accept);
  if (!visit) return { isAuthorized: false };
  return {
    isAuthorized: true,
    context: { signedIn: 'false', session, ...(expiredAt ? { expiredAt: expiredAt.toISOString() } : {}) },
  };
}

async function decide(deps: ConsoleAuthorizerDeps, event: APIGatewayRequestAuthorizerEventV2): Promise<Decision> {
  const credential = credentialOf(event.headers ?? {}, event.cookies);
  if (credential.kind === 'none') {
    logger.info('request without credentials', { route: event.routeKey });
    return signedOut(event, credential, 'none');
  }
  try {
    const who = await deps.verifier.verify(credential.token);
    return { isAuthorized: true, context: { username: who.name, groups: who.groups.join(',') } };
  } catch (err) {
    const expired = err instanceof SessionExpiredError;
    logger.warn(expired ? 'session expired' : 'token refused', {
      route: event.routeKey,
      from: credential.kind,
      reason: (err as Error).message,
      errorName: (err as Error).name,
    });
    return expired ? signedOut(event, credential, 'expired', err.expiredAt) : signedOut(event, credential, 'invalid');
  }
}

export function makeHandler(deps: ConsoleAuthorizerDeps) {
  const decided = lambdaHandler('console-authorizer', (event: APIGatewayRequestAuthorizerEventV2) =>
    decide(deps, event),
  );
  return async (
    event: APIGatewayRequestAuthorizerEventV2,
    context: Context,
  ): Promise<AuthorizerResult | { isAuthorized: false }> => decided(event, context);
}

export const handler = makeHandler(lazyDeps<ConsoleAuthorizerDeps>({ verifier: consoleTokenVerifier }));
