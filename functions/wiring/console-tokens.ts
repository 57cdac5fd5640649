/** The console's token verifier (Cognito user pool, app client, JWKS): one per container, keys cached with it. */
import { config } from '../config';
import { CognitoTokenVerifier, type TokenVerifier } from '../console/token-verifier';

let instance: TokenVerifier | undefined;
export function consoleTokenVerifier(): TokenVerifier {
  return (instance ??= new CognitoTokenVerifier({
    issuer: config.consoleAuth.issuer,
    clientId: config.consoleAuth.clientId,
    jwksUri: config.consoleAuth.jwksUri,
  }));
}
