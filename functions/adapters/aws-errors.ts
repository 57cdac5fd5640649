/**
 * Recognises AWS SDK failures that may succeed when retried and wraps them in
 * TransientDependencyError, the name the state machine's Retry matches; a
 * caller that asks tells throttling apart as DependencyThrottledError.
 */
import { DependencyThrottledError, TransientDependencyError } from '../domain/errors';

/**
 * Refusals for the request rate. ElastiCache answers 400 `Throttling` ("Rate
 * exceeded", API Reference, Common Errors) and models
 * `APICallRateForCustomerExceeded` ("The customer has exceeded the allowed rate
 * of API calls"); the others are other services' names for the same, and 429
 * is HTTP's.
 */
const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'APICallRateForCustomerExceeded',
  'APICallRateForCustomerExceededFault',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'KmsThrottlingException',
  'EC2ThrottledException',
  'SlowDown',
]);

const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'TransactionInProgressException',
  'KmsThrottlingException',
  'APICallRateForCustomerExceededFault',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The error's name (`ConditionalCheckFailedException`, `ReplicationGroupNotFoundFault`, …), or '' when it has none. */
export function errorName(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const name = (err as SdkErrorShape).name;
  return typeof name === 'string' ? name : '';
}

/** A refusal for the request rate: a throttling name, the SDK's throttling mark, or HTTP 429. */
export function isThrottling(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorShape;
  if (THROTTLING_NAMES.has(errorName(err))) return true;
  const retryable = e.$retryable as { throttling?: unknown } | undefined | null;
  if (typeof retryable === 'object' && retryable !== null && retryable.throttling === true) return true;
  return e.$metadata?.httpStatusCode === 429;
}

/** Throttling, 5xx, timeouts and network failures. */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorShape;
  if (TRANSIENT_NAMES.has(errorName(err)) || isThrottling(err)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export interface RethrowOptions {
  /**
   * Throttling becomes DependencyThrottledError, which the steps calling this
   * dependency retry with a longer backoff. Off by default: every step retries
   * TransientDependencyError, not every step knows DependencyThrottledError.
   */
  throttling?: 'distinct';
}

/**
 * Rethrows `err` as TransientDependencyError when it is transient (as
 * DependencyThrottledError first, when asked and it is throttling), otherwise
 * unchanged. `what` names the call, e.g. "DynamoDB PutItem".
 */
export function rethrowAws(err: unknown, what: string, options: RethrowOptions = {}): never {
  if (options.throttling === 'distinct' && isThrottling(err)) {
    throw new DependencyThrottledError(`${what} was throttled: ${describe(err)}`, { cause: err });
  }
  if (isTransient(err)) throw new TransientDependencyError(`${what} failed: ${describe(err)}`, { cause: err });
  throw err;
}

/** Runs one SDK call and translates its failure. */
export async function awsCall<T>(what: string, call: () => Promise<T>, options: RethrowOptions = {}): Promise<T> {
  try {
    return await call();
  } catch (err) {
    rethrowAws(err, what, options);
  }
}
