/**
 * The ElastiCache control plane: reading replication groups, promoting a
 * replica, Global Datastore failover and creating a replacement from an RDB
 * backup.
 */
import {
  CreateReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  FailoverGlobalReplicationGroupCommand,
  ModifyReplicationGroupCommand,
  type Endpoint as AwsEndpoint,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import type { Endpoint } from '../domain/caches';
import { CacheProvisioningFailedError, PromotionFailedError, TransientDependencyError } from '../domain/errors';
import { quotaCodeOf, quotaExceeded } from '../domain/quotas';
import type { CacheFleet, ReplicationGroupView } from '../ports';
import { awsCall, errorName, rethrowAws, type RethrowOptions } from './aws-errors';
import { deleteReplicationGroup } from './elasticache-delete';

/** Refusals of a promotion or failover: retrying the same request will not help. */
const PROMOTION_REFUSED = new Set([
  'InvalidReplicationGroupStateFault',
  'InvalidCacheClusterStateFault',
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  'ReplicationGroupNotFoundFault',
  'InvalidGlobalReplicationGroupStateFault',
  'GlobalReplicationGroupNotFoundFault',
]);

/** ElastiCache's throttling is told apart: the steps calling it back off longer for it. */
const ELASTICACHE: RethrowOptions = { throttling: 'distinct' };

/** Refusals of CreateReplicationGroup that no retry fixes; its quota faults are told apart before these. */
const PROVISIONING_REFUSED = new Set([
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  'InsufficientCacheClusterCapacityFault',
  'CacheClusterAlreadyExistsFault',
  'CacheSubnetGroupNotFoundFault',
  'CacheParameterGroupNotFoundFault',
  'CacheSecurityGroupNotFoundFault',
  'InvalidVPCNetworkStateFault',
  'InvalidCacheClusterStateFault',
  'InvalidUserGroupStateFault',
  'UserGroupNotFoundFault',
  'GlobalReplicationGroupNotFoundFault',
  'InvalidGlobalReplicationGroupStateFault',
  'TagQuotaPerResourceExceeded',
  'InvalidARNFault',
  'InvalidKMSKeyFault',
]);

function toEndpoint(e: AwsEndpoint | undefined, tls: boolean): Endpoint | undefined {
  if (!e?.Address || e.Port === undefined) return undefined;
  return { host: e.Address, port: e.Port, tls };
}

function roleOf(role: string | undefined): 'primary' | 'replica' | 'unknown' {
  return role === 'primary' || role === 'replica' ? role : 'unknown';
}

export function toReplicationGroupView(group: ReplicationGroup): ReplicationGroupView {
  const tls = group.TransitEncryptionEnabled === true;
  const nodeGroup = group.NodeGroups?.[0];
  const nodeMembers = nodeGroup?.NodeGroupMembers ?? [];
  const members: ReplicationGroupView['members'] =
    nodeMembers.length > 0
      ? nodeMembers.map((m) => {
          const member: ReplicationGroupView['members'][number] = {
            cacheClusterId: m.CacheClusterId ?? '',
            role: roleOf(m.CurrentRole),
          };
          const endpoint = toEndpoint(m.ReadEndpoint, tls);
          if (endpoint) member.endpoint = endpoint;
          return member;
        })
      : (group.MemberClusters ?? []).map((id) => ({ cacheClusterId: id, role: 'unknown' as const }));
  const view: ReplicationGroupView = {
    replicationGroupId: group.ReplicationGroupId ?? '',
    status: group.Status ?? 'unknown',
    members,
    automaticFailover: group.AutomaticFailover === 'enabled',
  };
  const primary = toEndpoint(nodeGroup?.PrimaryEndpoint, tls) ?? toEndpoint(group.ConfigurationEndpoint, tls);
  if (primary) view.primaryEndpoint = primary;
  const pending = group.PendingModifiedValues?.PrimaryClusterId;
  if (pending) view.pendingPrimaryClusterId = pending;
  return view;
}

export interface ElastiCacheFleetOptions {
  /** The client of the functions' own region. */
  client?: ElastiCacheClient;
  /** The functions' own region. */
  region?: string;
  /** The client for another region; the wiring keeps one per region for the container's life. */
  clientFor?: (region: string) => ElastiCacheClient;
}

/**
 * Each call goes to the ElastiCache API of the region it names (a Global
 * Datastore's members live in their own regions), the functions' own region
 * otherwise.
 */
export class ElastiCacheFleet implements CacheFleet {
  private readonly client: ElastiCacheClient;
  private readonly region: string | undefined;
  private readonly clientFor: (region: string) => ElastiCacheClient;

  constructor(options: ElastiCacheFleetOptions = {}) {
    this.client = options.client ?? new ElastiCacheClient(options.region ? { region: options.region } : {});
    this.region = options.region;
    const own = new Map<string, ElastiCacheClient>();
    this.clientFor =
      options.clientFor ??
      ((region) => {
        let client = own.get(region);
        if (!client) own.set(region, (client = new ElastiCacheClient({ region })));
        return client;
      });
  }

  private clientIn(region: string | undefined): ElastiCacheClient {
    return region === undefined || region === this.region ? this.client : this.clientFor(region);
  }

  async describeGroup(replicationGroupId: string, region?: string): Promise<ReplicationGroupView | undefined> {
    try {
      const out = await this.clientIn(region).send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
      );
      const group =
        out.ReplicationGroups?.find((g) => g.ReplicationGroupId === replicationGroupId) ?? out.ReplicationGroups?.[0];
      return group ? toReplicationGroupView(group) : undefined;
    } catch (err) {
      if (errorName(err) === 'ReplicationGroupNotFoundFault') return undefined;
      rethrowAws(err, 'ElastiCache DescribeReplicationGroups', ELASTICACHE);
    }
  }

  async promote(replicationGroupId: string, cacheClusterId: string): Promise<void> {
    try {
      await this.client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: replicationGroupId,
          PrimaryClusterId: cacheClusterId,
          ApplyImmediately: true,
        }),
      );
    } catch (err) {
      if (PROMOTION_REFUSED.has(errorName(err))) {
        throw new PromotionFailedError(
          `promoting ${cacheClusterId} in ${replicationGroupId} was refused: ${(err as Error).message}`,
          { cause: err },
        );
      }
      rethrowAws(err, 'ElastiCache ModifyReplicationGroup', ELASTICACHE);
    }
  }

  /**
   * FailoverGlobalReplicationGroup (ElastiCache API Reference): PrimaryRegion and
   * PrimaryReplicationGroupId name the secondary that becomes the primary. Sent to
   * that region's API: the failed primary's region may not answer.
   */
  async failoverGlobal(
    globalReplicationGroupId: string,
    primaryRegion: string,
    primaryReplicationGroupId: string,
  ): Promise<void> {
    try {
      await this.clientIn(primaryRegion).send(
        new FailoverGlobalReplicationGroupCommand({
          GlobalReplicationGroupId: globalReplicationGroupId,
          PrimaryRegion: primaryRegion,
          PrimaryReplicationGroupId: primaryReplicationGroupId,
        }),
      );
    } catch (err) {
      if (PROMOTION_REFUSED.has(errorName(err))) {
        throw new PromotionFailedError(
          `failing ${globalReplicationGroupId} over to ${primaryReplicationGroupId} in ${primaryRegion} was refused: ${(err as Error).message}`,
          { cause: err },
        );
      }
      rethrowAws(err, 'ElastiCache FailoverGlobalReplicationGroup', ELASTICACHE);
    }
  }

  async describeGlobalSecondary(
    globalReplicationGroupId: string,
    region?: string,
  ): Promise<{ replicationGroupId: string; region: string } | undefined> {
    try {
      const out = await this.clientIn(region).send(
        new DescribeGlobalReplicationGroupsCommand({
          GlobalReplicationGroupId: globalReplicationGroupId,
          ShowMemberInfo: true,
        }),
      );
      const members = out.GlobalReplicationGroups?.[0]?.Members ?? [];
      const secondary =
        members.find((m) => m.Role?.toUpperCase() === 'SECONDARY' && m.Status === 'associated') ??
        members.find((m) => m.Role?.toUpperCase() === 'SECONDARY');
      if (!secondary?.ReplicationGroupId || !secondary.ReplicationGroupRegion) return undefined;
      return { replicationGroupId: secondary.ReplicationGroupId, region: secondary.ReplicationGroupRegion };
    } catch (err) {
      if (errorName(err) === 'GlobalReplicationGroupNotFoundFault') return undefined;
      rethrowAws(err, 'ElastiCache DescribeGlobalReplicationGroups', ELASTICACHE);
    }
  }

  async createFromBackup(
    request: Parameters<CacheFleet['createFromBackup']>[0],
  ): Promise<{ alreadyExisted: boolean; status: string }> {
    const multiAz = request.numCacheClusters >= 2;
    try {
      const out = await this.client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: request.replicationGroupId,
          ReplicationGroupDescription: request.description,
          SnapshotArns: [request.snapshotArn],
          CacheNodeType: request.nodeType,
          Engine: request.engine,
          ...(request.engineVersion !== undefined ? { EngineVersion: request.engineVersion } : {}),
          NumCacheClusters: request.numCacheClusters,
          Port: request.port,
          AutomaticFailoverEnabled: multiAz,
          MultiAZEnabled: multiAz,
          TransitEncryptionEnabled: true,
          AtRestEncryptionEnabled: true,
          ...(request.authToken !== undefined ? { AuthToken: request.authToken } : {}),
          ...(request.cacheSubnetGroupName !== undefined ? { CacheSubnetGroupName: request.cacheSubnetGroupName } : {}),
          ...(request.securityGroupIds.length > 0 ? { SecurityGroupIds: request.securityGroupIds } : {}),
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return { alreadyExisted: false, status: out.ReplicationGroup?.Status ?? 'creating' };
    } catch (err) {
      const name = errorName(err);
      if (name === 'ReplicationGroupAlreadyExistsFault') {
        const existing = await this.describeGroup(request.replicationGroupId);
        if (!existing) {
          throw new TransientDependencyError(
            `replication group ${request.replicationGroupId} exists but cannot be described yet`,
            { cause: err },
          );
        }
        return { alreadyExisted: true, status: existing.status };
      }
      const quota = quotaCodeOf(name);
      if (quota) throw quotaExceeded(quota, request.replicationGroupId, request.numCacheClusters, err);
      if (PROVISIONING_REFUSED.has(name)) {
        throw new CacheProvisioningFailedError(
          `creating ${request.replicationGroupId} was refused: ${name}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      rethrowAws(err, 'ElastiCache CreateReplicationGroup', ELASTICACHE);
    }
  }

  deleteGroup(replicationGroupId: string): Promise<'deleting' | 'absent' | 'busy'> {
    return deleteReplicationGroup(this.client, replicationGroupId);
  }

  async recentEvents(
    replicationGroupId: string,
    sinceMinutes: number,
    region?: string,
  ): Promise<{ at: string; message: string }[]> {
    const duration = Math.min(20160, Math.max(1, Math.ceil(sinceMinutes)));
    const out = await awsCall(
      'ElastiCache DescribeEvents',
      () =>
        this.clientIn(region).send(
          new DescribeEventsCommand({
            SourceIdentifier: replicationGroupId,
            SourceType: 'replication-group',
            Duration: duration,
            MaxRecords: 100,
          }),
        ),
      ELASTICACHE,
    );
    return (out.Events ?? [])
      .map((e) => ({ at: (e.Date ?? new Date(0)).toISOString(), message: e.Message ?? '' }))
      .sort((a, b) => a.at.localeCompare(b.at));
  }
}
