/** The ElastiCache fleet adapter, and one ElastiCache client per region it talks to. */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { config } from '../config';
import { ElastiCacheFleet } from '../adapters/elasticache-fleet';
import type { CacheFleet } from '../ports';

const clients = new Map<string, ElastiCacheClient>();

/** The client for `region`, created on first use and kept for the container's life. */
export function elastiCacheClient(region: string): ElastiCacheClient {
  let client = clients.get(region);
  if (!client) clients.set(region, (client = new ElastiCacheClient({ region })));
  return client;
}

let instance: CacheFleet | undefined;
export function cacheFleet(): CacheFleet {
  return (instance ??= new ElastiCacheFleet({
    region: config.region,
    client: elastiCacheClient(config.region),
    clientFor: elastiCacheClient,
  }));
}
