import type { CacheEvent } from './events';
import { CACHE_NODE_ID, LOCAL_HOST, NODE_GROUP_ID, isLive, primaryOf } from './fleet';
import type { CacheNode, ReplicationGroup } from './fleet';
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

export function renderEvent(event: CacheEvent): XmlStruct {
  return {
    SourceIdentifier: event.sourceIdentifier,
    SourceType: event.sourceType,
    Message: event.message,
    Date: event.date,
  };
}
