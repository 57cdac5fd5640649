/** The caches: reaching a Redis endpoint, the ElastiCache control plane, the endpoint record and its secrets. */
import type { Endpoint } from '../domain/caches';

/** Low-level reachability of a Redis endpoint. */
export interface CacheProbe {
  ping(
    endpoint: Endpoint,
    opts: { timeoutMs: number; authToken?: string },
  ): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }>;
}

export interface ReplicationGroupView {
  replicationGroupId: string;
  status: string;
  primaryEndpoint?: Endpoint;
  members: { cacheClusterId: string; role: 'primary' | 'replica' | 'unknown'; endpoint?: Endpoint }[];
  automaticFailover: boolean;
  /** A promotion ElastiCache accepted and is still applying (PendingModifiedValues.PrimaryClusterId). */
  pendingPrimaryClusterId?: string;
}

/**
 * The ElastiCache control plane. `region` names the region whose API is asked
 * and where the group lives (a Global Datastore's members live in their own
 * regions); omitted, the function's own region.
 */
export interface CacheFleet {
  describeGroup(replicationGroupId: string, region?: string): Promise<ReplicationGroupView | undefined>;
  /** ModifyReplicationGroup PrimaryClusterId: refused by ElastiCache while automatic failover is enabled. */
  promote(replicationGroupId: string, cacheClusterId: string): Promise<void>;
  /** Sent to `primaryRegion`'s API: the secondary named there becomes the primary. */
  failoverGlobal(
    globalReplicationGroupId: string,
    primaryRegion: string,
    primaryReplicationGroupId: string,
  ): Promise<void>;
  describeGlobalSecondary(
    globalReplicationGroupId: string,
    region?: string,
  ): Promise<{ replicationGroupId: string; region: string } | undefined>;
  /** Creates the replacement; a group of that id that already exists is returned, not duplicated. */
  createFromBackup(request: {
    replicationGroupId: string;
    description: string;
    snapshotArn: string;
    nodeType: string;
    engine: 'redis' | 'valkey';
    engineVersion?: string;
    numCacheClusters: number;
    port: number;
    authToken?: string;
    cacheSubnetGroupName?: string;
    securityGroupIds: string[];
    tags: Record<string, string>;
  }): Promise<{ alreadyExisted: boolean; status: string }>;
  /**
   * DeleteReplicationGroup, without a final snapshot. `deleting`: ElastiCache
   * started deleting the group; `absent`: there is no such group; `busy`:
   * ElastiCache refused because of the group's state (it deletes a group only
   * once it is available or failed, not while it is created, modified or
   * already deleted), so a later call may succeed.
   */
  deleteGroup(replicationGroupId: string): Promise<'deleting' | 'absent' | 'busy'>;
  recentEvents(
    replicationGroupId: string,
    sinceMinutes: number,
    region?: string,
  ): Promise<{ at: string; message: string }[]>;
}

/** The record applications read to find the cache (an SSM parameter). */
export interface EndpointRecord {
  read(name: string): Promise<Endpoint | undefined>;
  write(name: string, endpoint: Endpoint): Promise<{ version: number }>;
}

export interface SecretReader {
  /** Reads a SecureString parameter, decrypted. */
  secret(name: string): Promise<string>;
}
