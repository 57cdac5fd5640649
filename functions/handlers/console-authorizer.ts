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
 * Tokens are never logged, only why one was refused.
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { credentialOf, type AuthorizerContext } from '../console/auth';
import type { TokenVerifier } from '../console/token-verifier';
import { lambdaHandler, logger } from '../lib/observability';
import { consoleTokenVerifier } from '../wiring/console-tokens';
import { lazyDeps } from '../wiring/lazy-deps';

export interface ConsoleAuthorizerDeps {
  readonly verifier: TokenVerifier;
}

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;
type Decision = { isAuthorized: true; context: AuthorizerContext } | { isAuthorized: false };

async function decide(deps: ConsoleAuthorizerDeps, event: APIGatewayRequestAuthorizerEventV2): Promise<Decision> {
  const credential = credentialOf(event.headers ?? {}, event.cookies);
  if (credential.kind === 'none') {
    logger.info('request without credentials', { route: event.routeKey });
    return { isAuthorized: false };
  }
  try {
    const who = await deps.verifier.verify(credential.token);
    return { isAuthorized: true, context: { username: who.name, groups: who.groups.join(',') } };
  } catch (err) {
    logger.warn('token refused', {
      route: event.routeKey,
      from: credential.kind,
      reason: (err as Error).message,
      errorName: (err as Error).name,
    });
    return { isAuthorized: false };
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
