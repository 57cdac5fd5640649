/**
 * The bulk writer and reader of cache data. Its Redis client library is loaded
 * on first use, not when a handler module loads: the steps that use it only
 * after other work (verify reads samples after probing) start faster, and
 * bundles that never call `cacheWriter()` leave the library out.
 */
import type { CacheWriter } from '../ports';

class LazyRedisWriter implements CacheWriter {
  private loaded: Promise<CacheWriter> | undefined;

  private writer(): Promise<CacheWriter> {
    return (this.loaded ??= import('../adapters/redis-writer').then(({ RedisWriter }) => new RedisWriter()));
  }

  async write(...args: Parameters<CacheWriter['write']>): ReturnType<CacheWriter['write']> {
    return (await this.writer()).write(...args);
  }

  async read(...args: Parameters<CacheWriter['read']>): ReturnType<CacheWriter['read']> {
    return (await this.writer()).read(...args);
  }

  async keyCount(...args: Parameters<CacheWriter['keyCount']>): ReturnType<CacheWriter['keyCount']> {
    return (await this.writer()).keyCount(...args);
  }
}

let instance: CacheWriter | undefined;
export function cacheWriter(): CacheWriter {
  return (instance ??= new LazyRedisWriter());
}
