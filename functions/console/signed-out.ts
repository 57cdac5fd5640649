/**
 * A browser opening a console page without a valid session. The authorizer
 * lets only such visits through without an operator (see
 * ../handlers/console-authorizer.ts), and they get the way to sign in and
 * nothing else: no incident, no form, no CSRF token.
 *
 *   no session, or one that is not ours → 302 /login?next=<this page>
 *   a session that expired              → 401 "Your session expired at 18:14 ET — sign in again."
 *                                         with a link to /login?next=<this page>
 * Either way a session cookie that no longer works is cleared.
 */
import { clockTime, type TimeZone } from '../domain/time-labels';
import { SESSION_COOKIE, type SignedOut } from './auth';
import { cookie, html, isPageVisit, header, redirect, type ConsoleEvent, type ConsoleResult } from './http';
import { messagePage } from './html';
import { safeNext } from './sign-in';

/** Where the sign-in sends the browser back to: this page, if it is a path of this site. */
export function signInLink(event: ConsoleEvent): string {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `/login?next=${encodeURIComponent(safeNext(`${event.rawPath}${query}`))}`;
}

/** The answer to a signed-out page visit, or undefined when the request is not one. */
export function signedOutAnswer(
  event: ConsoleEvent,
  state: SignedOut | undefined,
  zone: TimeZone,
  now: Date,
): ConsoleResult | undefined {
  if (!state || !isPageVisit(event.requestContext.http.method, event.rawPath, header(event, 'accept')))
    return undefined;
  const link = signInLink(event);
  const clear = state.session === 'none' ? [] : [cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0 })];
  if (state.session !== 'expired') return redirect(link, clear, 302);
  const when = state.expiredAt ? ` at ${clockTime(state.expiredAt, zone, now)}` : '';
  const result = html(
    401,
    messagePage(
      401,
      'Session expired',
      `Your session expired${when} — sign in again.`,
      undefined,
      link,
      'Sign in again',
    ),
  );
  return { ...result, cookies: clear };
}
