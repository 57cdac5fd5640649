import { ValidationError } from './errors';

export const MAX_REASON_CHARS = 1000;

/**
 * What an operator's action on the timeline carries: who, and why. Both are
 * required and trimmed; the reason is at most MAX_REASON_CHARS long.
 */
export function operatorReason(
  what: string,
  who: { field: string; value: string },
  reason: string,
): { by: string; reason: string } {
  const by = who.value.trim();
  const why = reason.trim();
  const issues = [
    ...(why ? [] : [{ path: 'reason', message: 'a reason is required' }]),
    ...(why.length > MAX_REASON_CHARS ? [{ path: 'reason', message: `at most ${MAX_REASON_CHARS} characters` }] : []),
    ...(by ? [] : [{ path: who.field, message: 'the operator is required' }]),
  ];
  if (issues.length) throw new ValidationError(what, issues);
  return { by, reason: why };
}
