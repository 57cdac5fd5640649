/**
 * One structured logger for every function. Keys that identify the incident
 * are appended per invocation; task tokens and secrets are never logged
 * (`redact` removes them from anything passed as structured data).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
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

function incidentKeysOf(event: unknown): Record<string, string> {
  if (typeof event !== 'object' || event === null) return {};
  const e = event as Record<string, unknown>;
  const keys: Record<string, string> = {};
  if (typeof e.incidentId === 'string') keys.incidentId = e.incidentId;
  if (typeof e.cacheId === 'string') keys.cacheId = e.cacheId;
  return keys;
}

/**
 * The function's name and the incident the event names, on every log line of
 * this invocation. They are temporary keys: `injectLambdaContext` with
 * `resetKeys` removes them when the invocation ends, returned or failed.
 */
const incidentKeys = (step: string): middy.MiddlewareObj<unknown, unknown, Error, Context> => ({
  before: ({ event }) => {
    logger.appendKeys({ step, ...incidentKeysOf(event) });
  },
});

/**
 * One log line for a failure (without the event), then the error goes on
 * unchanged, so Step Functions' Retry and Catch see its name. A domain error
 * is an outcome the workflow expects: a warning with its name and message.
 */
const failureLog: middy.MiddlewareObj<unknown, unknown, Error, Context> = {
  onError: ({ error }) => {
    if (error instanceof DomainError)
      logger.warn('step failed', { errorName: error.name, errorMessage: error.message });
    else logger.error('step failed', error ?? 'unknown error');
  },
};

/**
 * Wraps a function's work as a middy handler: Lambda context and incident
 * keys on every log line, and the failure log line. The event itself is never
 * logged (`logEvent: false` whatever POWERTOOLS_LOGGER_LOG_EVENT says): it may
 * carry a task token.
 */
export function lambdaHandler<TEvent, TResult>(
  name: string,
  fn: (event: TEvent, context: Context) => Promise<TResult>,
): middy.MiddyfiedHandler<TEvent, TResult, Error, Context> {
  return middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(incidentKeys(name))
    .use(failureLog)
    .handler(fn);
}
