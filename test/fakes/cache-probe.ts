import type { Endpoint } from '../../functions/domain/caches';
import type { CacheProbe } from '../../functions/ports';

type PingResult = Awaited<ReturnType<CacheProbe['ping']>>;

export const endpointKey = (e: Pick<Endpoint, 'host' | 'port'>): string => `${e.host}:${e.port}`;

/**
 * Endpoints are down unless told otherwise. `script(endpoint, [false, true])`
 * answers each PING with the next outcome; the last one repeats.
 */
export class FakeCacheProbe implements CacheProbe {
  readonly calls: { endpoint: Endpoint; timeoutMs: number; authToken?: string }[] = [];
  private readonly scripts = new Map<string, boolean[]>();
  private readonly tokens = new Map<string, string>();

  up(endpoint: Pick<Endpoint, 'host' | 'port'>): this {
    return this.script(endpoint, [true]);
  }

  down(endpoint: Pick<Endpoint, 'host' | 'port'>): this {
    return this.script(endpoint, [false]);
  }

  script(endpoint: Pick<Endpoint, 'host' | 'port'>, outcomes: boolean[]): this {
    this.scripts.set(endpointKey(endpoint), [...outcomes]);
    return this;
  }

  /** PING fails with WRONGPASS unless this token is given. */
  requireAuth(endpoint: Pick<Endpoint, 'host' | 'port'>, token: string): this {
    this.tokens.set(endpointKey(endpoint), token);
    return this;
  }

  pingsTo(endpoint: Pick<Endpoint, 'host' | 'port'>): number {
    return this.calls.filter((c) => endpointKey(c.endpoint) === endpointKey(endpoint)).length;
  }

  async ping(endpoint: Endpoint, opts: { timeoutMs: number; authToken?: string }): Promise<PingResult> {
    this.calls.push({ endpoint: { ...endpoint }, ...opts });
    const key = endpointKey(endpoint);
    const script = this.scripts.get(key);
    const ok = script ? (script.length > 1 ? script.shift() : script[0]) : false;
    if (!ok) return { ok: false, error: script ? 'ECONNREFUSED' : 'ENOTFOUND' };
    const token = this.tokens.get(key);
    if (token !== undefined && opts.authToken !== token) {
      return { ok: false, error: 'WRONGPASS invalid username-password pair or user is disabled.' };
    }
    return { ok: true, latencyMs: 1 };
  }
}
