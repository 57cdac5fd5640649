/**
 * The console's two routes without the authorizer, GET /login and
 * GET /callback: the browser's side of the sign-in flow in ./sign-in.ts.
 */
import { ValidationError } from '../domain/errors';
import { logger } from '../lib/observability';
import { SESSION_COOKIE } from './auth';
import { cookie, cookieValue, html, originOf, redirect, type ConsoleEvent, type ConsoleResult } from './http';
import { messagePage } from './html';
import { decodePending, encodePending, safeNext, type SignIn } from './sign-in';

/** The pending sign-in (state, PKCE verifier, where to go): only /callback reads it. */
const LOGIN_COOKIE = 'login';
const LOGIN_TTL_SECONDS = 600;

const callbackUri = (event: ConsoleEvent): string => `${originOf(event)}/callback`;

/** GET /login: off to the user pool's sign-in page, remembering state, PKCE verifier and where to go. */

/** How long the session cookie outlives the ID token it holds. */
export const SESSION_COOKIE_GRACE_SECONDS = 24 * 3600;

export function login(signIn: SignIn, event: ConsoleEvent): ConsoleResult {
  const { location, pending } = signIn.start(callbackUri(event), safeNext(event.queryStringParameters?.next));
  return redirect(
    location,
    [cookie(LOGIN_COOKIE, encodePending(pending), { path: '/callback', maxAgeSeconds: LOGIN_TTL_SECONDS })],
    302,
  );
}

/** GET /callback: the code for tokens; the ID token becomes the session cookie. */
export async function callback(signIn: SignIn, event: ConsoleEvent): Promise<ConsoleResult> {
  const query = event.queryStringParameters ?? {};
  const pending = decodePending(cookieValue(event, LOGIN_COOKIE));
  const again = (message: string) => {
    const result = html(400, messagePage(400, 'Sign-in failed', message, undefined, '/login', 'Sign in again'));
    return { ...result, cookies: [cookie(LOGIN_COOKIE, '', { path: '/callback', maxAgeSeconds: 0 })] };
  };
  if (query.error) return again(`The sign-in page answered "${query.error}".`);
  if (!pending || !query.state || query.state !== pending.state) {
    return again('This sign-in did not start here or has expired.');
  }
  if (!query.code) return again('The sign-in page sent no authorization code.');
  let tokens;
  try {
    tokens = await signIn.exchange(query.code, pending.verifier, callbackUri(event));
  } catch (err) {
    if (err instanceof ValidationError) return again('The sign-in could not be completed: the code was refused.');
    throw err;
  }
  logger.info('signed in through the user pool');
  return redirect(pending.next, [
    // The cookie outlives the token by a day: an expired token still reaches the
    // authorizer, so the browser is told the session expired instead of being
    // sent to sign in without a word. The authorizer never accepts it once expired.
    cookie(SESSION_COOKIE, tokens.idToken, { maxAgeSeconds: tokens.expiresInSeconds + SESSION_COOKIE_GRACE_SECONDS }),
    cookie(LOGIN_COOKIE, '', { path: '/callback', maxAgeSeconds: 0 }),
  ]);
}
