/** The ElastiCache fleet adapter. */
import { config } from '../config';
import { ElastiCacheFleet } from '../adapters/elasticache-fleet';
import type { CacheFleet } from '../ports';

let instance: CacheFleet | undefined;
export function cacheFleet(): CacheFleet {
  return (instance ??= new ElastiCacheFleet({ region: config.region }));
}
