/**
 * Scripted failures for fakes: `fail('method', error)` makes the next call of
 * that method throw (once per scripted error, in order).
 */
export class Failures<M extends string> {
  private readonly queued = new Map<M, unknown[]>();

  fail(method: M, error: unknown = new Error(`${method} failed`), times = 1): void {
    const q = this.queued.get(method) ?? [];
    for (let i = 0; i < times; i++) q.push(error);
    this.queued.set(method, q);
  }

  /** Throws the next scripted error of `method`, if any. */
  check(method: M): void {
    const q = this.queued.get(method);
    if (q && q.length) throw q.shift();
  }
}

/** Structured clone, as a value that went over the wire and back. */
export function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
