import type { Endpoint } from '../../domain/caches';
import type { CacheProbe } from '../../ports';

export type PingResult = Awaited<ReturnType<CacheProbe['ping']>>;

/** PINGs up to `tries` times; the first success wins, otherwise the last failure is returned. */
export async function pingWithRetry(
  probe: CacheProbe,
  endpoint: Endpoint,
  opts: { timeoutMs: number; authToken?: string | undefined },
  tries: number,
): Promise<PingResult> {
  let last: PingResult = { ok: false, error: 'not tried' };
  for (let i = 0; i < tries; i++) {
    last = await probe.ping(endpoint, {
      timeoutMs: opts.timeoutMs,
      ...(opts.authToken ? { authToken: opts.authToken } : {}),
    });
    if (last.ok) return last;
  }
  return last;
}
