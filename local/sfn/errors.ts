/** An error returned by the Step Functions API: HTTP 400 with `{"__type","message"}`. */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * A failed task as the state machine interpreter sees it: `name` is the ASL Error matched by Retry/Catch
 * `ErrorEquals`, `message` is the Cause.
 */
export class TaskFailure extends Error {
  constructor(
    error: string,
    cause: string,
    readonly timedOut = false,
  ) {
    super(cause);
    this.name = error;
  }
}

export function invalidDefinition(code: string, detail: string): SfnApiError {
  return new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: '${code}: ${detail}'`);
}
