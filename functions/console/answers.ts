/**
 * The console's refusals: a JSON error for the CLI and scripts, a page with
 * the way back for browsers.
 */
import type { Operator } from './auth';
import { messagePage } from './html';
import { html, json, wantsJson, type ConsoleEvent, type ConsoleResult } from './http';

const BACK_TEXT: Readonly<Record<string, string>> = { '/login': 'Sign in' };

export function failure(
  event: ConsoleEvent,
  status: number,
  error: string,
  message: string,
  operator?: Operator,
  back?: string,
): ConsoleResult {
  if (wantsJson(event)) return json(status, { error, message });
  const backText = back
    ? (BACK_TEXT[back] ?? (back.startsWith('/groups/') ? 'Back to the group' : undefined))
    : undefined;
  return html(status, messagePage(status, error, message, operator?.name, back, backText));
}

/** A form whose CSRF token the session did not issue: sent back to the page it came from, nothing done. */
export function expiredForm(event: ConsoleEvent, operator: Operator, back: string): ConsoleResult {
  const message = `This form has expired or did not come from the console: reload the ${back.startsWith('/groups/') ? 'group' : 'incident'} page and try again.`;
  return failure(event, 403, 'Forbidden', message, operator, back);
}
