import type { CacheEvent } from './events';
import { CACHE_NODE_ID, LOCAL_HOST, NODE_GROUP_ID, isLive, primaryOf } from './fleet';
import type { CacheNode, ReplicationGroup } from './fleet';
import type { Tag } from './params';
import { xmlList } from './xml';
import type { XmlStruct } from './xml';

function endpoint(port: number | undefined): XmlStruct | undefined {
  return port === undefined ? undefined : { Address: LOCAL_HOST, Port: port };
}

function enabledFlag(value: boolean): string {
  return value ? 'enabled' : 'disabled';
}

/** Reader endpoint: the first live replica, or the primary when there is none. */
function readerPort(group: ReplicationGroup): number | undefined {
  const replica = group.nodes.find((node) => node.role === 'replica' && isLive(node));
  return replica?.process?.port ?? primaryOf(group)?.process?.port;
}

function nodeGroupMember(node: CacheNode): XmlStruct {
  return {
    CacheClusterId: node.cacheClusterId,
    CacheNodeId: CACHE_NODE_ID,
    ReadEndpoint: endpoint(node.process?.port),
    PreferredAvailabilityZone: node.availabilityZone,
    CurrentRole: node.role,
  };
}

function nodeGroup(group: ReplicationGroup): XmlStruct {
  const started = group.nodes.filter((node) => node.process !== undefined);
  return {
    NodeGroupId: NODE_GROUP_ID,
    Status: group.status === 'create-failed' ? 'create-failed' : group.status === 'creating' ? 'creating' : 'available',
    PrimaryEndpoint: endpoint(primaryOf(group)?.process?.port),
    ReaderEndpoint: endpoint(readerPort(group)),
    NodeGroupMembers: xmlList('NodeGroupMember', started.map(nodeGroupMember)),
  };
}

function pendingModifiedValues(group: ReplicationGroup): XmlStruct {
  return { PrimaryClusterId: group.pendingPrimaryClusterId };
}

function transitEncryptionMode(group: ReplicationGroup): string | undefined {
  return group.spec.transitEncryption ? 'required' : undefined;
}

export function renderReplicationGroup(group: ReplicationGroup): XmlStruct {
  const { spec } = group;
  return {
    ReplicationGroupId: spec.id,
    Description: group.description,
    GlobalReplicationGroupInfo: group.globalReplicationGroup
      ? {
          GlobalReplicationGroupId: group.globalReplicationGroup.id,
          GlobalReplicationGroupMemberRole: group.globalReplicationGroup.role,
        }
      : undefined,
    Status: group.status,
    PendingModifiedValues: pendingModifiedValues(group),
    MemberClusters: xmlList(
      'ClusterId',
      group.nodes.map((node) => node.cacheClusterId),
    ),
    NodeGroups: xmlList('NodeGroup', group.status === 'deleting' ? [] : [nodeGroup(group)]),
    AutomaticFailover: enabledFlag(group.automaticFailover),
    MultiAZ: enabledFlag(group.multiAz),
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow,
    ClusterEnabled: false,
    CacheNodeType: spec.cacheNodeType,
    AuthTokenEnabled: spec.authToken !== undefined,
    AuthTokenLastModifiedDate: spec.authToken !== undefined ? group.createdAt : undefined,
    TransitEncryptionEnabled: spec.transitEncryption,
    AtRestEncryptionEnabled: spec.atRestEncryption,
    ARN: group.arn,
    LogDeliveryConfigurations: xmlList('LogDeliveryConfiguration', []),
    ReplicationGroupCreateTime: group.createdAt,
    DataTiering: 'disabled',
    AutoMinorVersionUpgrade: true,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    TransitEncryptionMode: transitEncryptionMode(group),
    ClusterMode: 'disabled',
    Engine: spec.engine,
  };
}

function cacheNode(node: CacheNode): XmlStruct {
  return {
    CacheNodeId: CACHE_NODE_ID,
    CacheNodeStatus: node.status,
    CacheNodeCreateTime: node.createdAt,
    Endpoint: endpoint(node.process?.port),
    ParameterGroupStatus: 'in-sync',
    CustomerAvailabilityZone: node.availabilityZone,
  };
}

export function renderCacheCluster(
  group: ReplicationGroup,
  node: CacheNode,
  arn: string,
  showCacheNodeInfo: boolean,
): XmlStruct {
  const { spec } = group;
  return {
    CacheClusterId: node.cacheClusterId,
    ClientDownloadLandingPage: 'https://console.aws.amazon.com/elasticache/home#client-download:',
    CacheNodeType: spec.cacheNodeType,
    Engine: spec.engine,
    EngineVersion: spec.engineVersion,
    CacheClusterStatus: node.status,
    NumCacheNodes: 1,
    PreferredAvailabilityZone: node.availabilityZone,
    CacheClusterCreateTime: node.createdAt,
    PreferredMaintenanceWindow: spec.preferredMaintenanceWindow,
    PendingModifiedValues: {},
    CacheSecurityGroups: xmlList('CacheSecurityGroup', []),
    CacheParameterGroup: {
      CacheParameterGroupName: spec.cacheParameterGroupName,
      ParameterApplyStatus: 'in-sync',
      CacheNodeIdsToReboot: xmlList('CacheNodeId', []),
    },
    CacheSubnetGroupName: spec.cacheSubnetGroupName,
    CacheNodes: showCacheNodeInfo ? xmlList('CacheNode', [cacheNode(node)]) : undefined,
    AutoMinorVersionUpgrade: true,
    SecurityGroups: xmlList(
      'member',
      spec.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: 'active' })),
    ),
    ReplicationGroupId: spec.id,
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow,
    AuthTokenEnabled: spec.authToken !== undefined,
    AuthTokenLastModifiedDate: spec.authToken !== undefined ? group.createdAt : undefined,
    TransitEncryptionEnabled: spec.transitEncryption,
    AtRestEncryptionEnabled: spec.atRestEncryption,
    ARN: arn,
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: xmlList('LogDeliveryConfiguration', []),
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    TransitEncryptionMode: transitEncryptionMode(group),
  };
}

export function renderEvent(event: CacheEvent): XmlStruct {
  return {
    SourceIdentifier: event.sourceIdentifier,
    SourceType: event.sourceType,
    Message: event.message,
    Date: event.date,
  };
}

export function renderTagList(tags: readonly Tag[]): XmlStruct {
  return {
    TagList: xmlList(
      'Tag',
      tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
    ),
  };
}
