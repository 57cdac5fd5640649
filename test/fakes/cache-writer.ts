import type { Endpoint } from '../../functions/domain/caches';
import { systemClock, type CacheWriter, type Clock, type SourceRecord } from '../../functions/ports';
import { endpointKey } from './cache-probe';
import { Failures } from './failures';

interface Stored {
  value: string;
  expiresAt?: number;
}

/**
 * Redis endpoints in memory. write() skips records that already expired, like
 * the real writer, and logs every key in the order it was written.
 */
export class FakeCacheWriter implements CacheWriter {
  readonly failures = new Failures<keyof CacheWriter>();
  /** Keys in write order. */
  readonly written: { endpoint: string; key: string; kind: string }[] = [];
  readonly reads: { endpoint: string; keys: string[] }[] = [];
  private readonly data = new Map<string, Map<string, Stored>>();
  private readonly tokens = new Map<string, string>();

  constructor(private readonly clock: Clock = systemClock) {}

  set(endpoint: Pick<Endpoint, 'host' | 'port'>, key: string, value: string): this {
    this.db(endpoint).set(key, { value });
    return this;
  }

  value(endpoint: Pick<Endpoint, 'host' | 'port'>, key: string): string | undefined {
    return this.db(endpoint).get(key)?.value;
  }

  /** Calls without this token fail with WRONGPASS. */
  requireAuth(endpoint: Pick<Endpoint, 'host' | 'port'>, token: string): this {
    this.tokens.set(endpointKey(endpoint), token);
    return this;
  }

  async write(
    endpoint: Endpoint,
    authToken: string | undefined,
    records: AsyncIterable<SourceRecord[]>,
  ): Promise<{ written: number; expiredSkipped: number }> {
    this.failures.check('write');
    this.auth(endpoint, authToken);
    let written = 0;
    let expiredSkipped = 0;
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    for await (const page of records) {
      for (const r of page) {
        if (r.expiresAt !== undefined && r.expiresAt <= nowSeconds) {
          expiredSkipped++;
          continue;
        }
        this.db(endpoint).set(r.key, {
          value: r.value,
          ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}),
        });
        this.written.push({ endpoint: endpointKey(endpoint), key: r.key, kind: r.kind });
        written++;
      }
    }
    return { written, expiredSkipped };
  }

  async read(endpoint: Endpoint, authToken: string | undefined, keys: string[]): Promise<(string | null)[]> {
    this.failures.check('read');
    this.auth(endpoint, authToken);
    this.reads.push({ endpoint: endpointKey(endpoint), keys: [...keys] });
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    return keys.map((k) => {
      const s = this.db(endpoint).get(k);
      return s && (s.expiresAt === undefined || s.expiresAt > nowSeconds) ? s.value : null;
    });
  }

  async keyCount(endpoint: Endpoint, authToken: string | undefined): Promise<number> {
    this.failures.check('keyCount');
    this.auth(endpoint, authToken);
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    return [...this.db(endpoint).values()].filter((s) => s.expiresAt === undefined || s.expiresAt > nowSeconds).length;
  }

  private db(endpoint: Pick<Endpoint, 'host' | 'port'>): Map<string, Stored> {
    const key = endpointKey(endpoint);
    let db = this.data.get(key);
    if (!db) {
      db = new Map();
      this.data.set(key, db);
    }
    return db;
  }

  private auth(endpoint: Endpoint, authToken: string | undefined): void {
    const token = this.tokens.get(endpointKey(endpoint));
    if (token !== undefined && token !== authToken)
      throw new Error('WRONGPASS invalid username-password pair or user is disabled.');
  }
}
