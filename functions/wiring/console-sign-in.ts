/** The console's browser sign-in with the user pool's managed login (authorization code + PKCE). */
import { config } from '../config';
import { ConfigError } from '../domain/errors';
import { OAuthSignIn, type SignIn } from '../console/sign-in';

let instance: SignIn | undefined;
export function consoleSignIn(): SignIn {
  if (instance) return instance;
  const { domain, clientId } = config.consoleAuth;
  if (!domain) throw new ConfigError('environment variable CONSOLE_AUTH_DOMAIN is required for browser sign-in');
  return (instance = new OAuthSignIn({ domain, clientId }));
}
