/** The PING probe (raw sockets, no client library). */
import { RedisProbe } from '../adapters/redis-probe';
import type { CacheProbe } from '../ports';

let instance: CacheProbe | undefined;
export function cacheProbe(): CacheProbe {
  return (instance ??= new RedisProbe());
}
