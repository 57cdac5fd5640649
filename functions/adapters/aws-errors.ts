/**
 * Recognises AWS SDK failures that may succeed when retried and wraps them in
 * TransientDependencyError, the name the state machine's Retry matches.
 */
import { TransientDependencyError } from '../domain/errors';

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

/** Throttling, 5xx, timeouts and network failures. */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorShape;
  if (TRANSIENT_NAMES.has(errorName(err))) return true;
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

/**
 * Rethrows `err` as TransientDependencyError when it is transient, otherwise
 * unchanged. `what` names the call, e.g. "DynamoDB PutItem".
 */
export function rethrowAws(err: unknown, what: string): never {
  if (isTransient(err)) throw new TransientDependencyError(`${what} failed: ${describe(err)}`, { cause: err });
  throw err;
}

/** Runs one SDK call and translates its failure. */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    rethrowAws(err, what);
  }
}
