/** The ElastiCache fleet adapter, the snapshot exporter, and one ElastiCache client per region they talk to. */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config';
import { ElastiCacheFleet } from '../adapters/elasticache-fleet';
import { ElastiCacheSnapshotExport } from '../adapters/elasticache-snapshot-export';
import type { CacheFleet, SnapshotExporter } from '../ports';

const clients = new Map<string, ElastiCacheClient>();

/**
 * The client for `region`, created on first use and kept for the container's life. It keeps the SDK's
 * standard retry mode: "adaptive" adds client-side rate limiting that may delay a first request and that
 * AWS recommends only for single-resource, latency-tolerant clients (AWS SDKs and Tools Reference Guide,
 * "Retry behavior"); a client here sees one container's calls, not the account's. Throttling that outlasts
 * the SDK's attempts is spread out by the steps' own Retry for DependencyThrottledError.
 */
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

let exporter: SnapshotExporter | undefined;
/** Exports a replication group of the function's region to a bucket of that region (ElastiCache's rule). */
export function snapshotExporter(): SnapshotExporter {
  return (exporter ??= new ElastiCacheSnapshotExport({
    client: elastiCacheClient(config.region),
    s3: new S3Client({ region: config.region, forcePathStyle: config.s3ForcePathStyle }),
  }));
}
