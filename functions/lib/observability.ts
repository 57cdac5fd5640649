/**
 * One structured logger for every function. Keys that identify the incident
 * are appended per invocation; task tokens and secrets are never logged
 * (`redact` removes them from anything passed as structured data).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DomainError } from '../domain/errors';

export const logger = new Logger({ serviceName: 'cache-outage-workflow' });

const SECRET_KEYS = /^(task_?token|tasktoken|auth_?token|authtoken|password|secret|token|authorization)$/i;

/** Deep copy with secret-looking fields replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

function incidentKeys(event: unknown): Record<string, string> {
  if (typeof event !== 'object' || event === null) return {};
  const e = event as Record<string, unknown>;
  const keys: Record<string, string> = {};
  if (typeof e.incidentId === 'string') keys.incidentId = e.incidentId;
  if (typeof e.cacheId === 'string') keys.cacheId = e.cacheId;
  return keys;
}

/**
 * Wraps a use-case call as a middy handler: logger context, incident keys,
 * and an error log line (without the event) before the error propagates to
 * Step Functions unchanged, so Retry and Catch see its name.
 */
export function lambdaHandler<TEvent, TResult>(
  name: string,
  fn: (event: TEvent, context: Context) => Promise<TResult>,
): middy.MiddyfiedHandler<TEvent, TResult, Error, Context> {
  return middy<TEvent, TResult, Error, Context>()
    .before(async (request) => {
      logger.addContext(request.context);
      logger.resetKeys();
      logger.appendKeys({ step: name, ...incidentKeys(request.event) });
    })
    .onError(async (request) => {
      const err = request.error;
      if (err instanceof DomainError) logger.warn('step failed', { errorName: err.name, errorMessage: err.message });
      else logger.error('step failed', err ?? 'unknown error');
    })
    .handler(fn);
}
