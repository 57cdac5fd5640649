/** SDK-shaped failures, as the clients raise them. */
export function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} raised`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    ...extra,
  });
}

export const throttled = (name = 'ThrottlingException'): Error => sdkError(name, { $retryable: { throttling: true } });
export const serverError = (): Error =>
  sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } });
export const networkError = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
