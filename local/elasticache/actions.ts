import { parseCreateReplicationGroup } from './create-request';
import { globalReplicationGroupNotFound, invalidParameterValue } from './errors';
import type { Fleet } from './fleet';
import type { QueryParams } from './params';
import { renderCacheCluster, renderEvent, renderReplicationGroup, renderTagList } from './render';
import { xmlList } from './xml';
import type { XmlStruct } from './xml';

export type ActionHandler = (params: QueryParams, fleet: Fleet) => XmlStruct | Promise<XmlStruct>;

const EVENT_SOURCE_TYPES = [
  'replication-group',
  'cache-cluster',
  'cache-parameter-group',
  'cache-security-group',
  'cache-subnet-group',
  'user',
  'user-group',
  'serverless-cache',
  'serverless-cache-snapshot',
];

async function createReplicationGroup(params: QueryParams, fleet: Fleet): Promise<XmlStruct> {
  const group = await fleet.create(parseCreateReplicationGroup(params));
  return { ReplicationGroup: renderReplicationGroup(group) };
}

function describeReplicationGroups(params: QueryParams, fleet: Fleet): XmlStruct {
  const id = params.string('ReplicationGroupId');
  const groups = id === undefined ? fleet.allGroups() : [fleet.group(id)];
  return { ReplicationGroups: xmlList('ReplicationGroup', groups.map(renderReplicationGroup)) };
}

function describeCacheClusters(params: QueryParams, fleet: Fleet): XmlStruct {
  const id = params.string('CacheClusterId');
  const showNodes = params.boolean('ShowCacheNodeInfo') ?? false;
  const clusters = id === undefined ? fleet.clusters() : [fleet.cluster(id)];
  return {
    CacheClusters: xmlList(
      'CacheCluster',
      clusters.map(({ group, node }) =>
        renderCacheCluster(group, node, fleet.clusterArn(node.cacheClusterId), showNodes),
      ),
    ),
  };
}

function modifyReplicationGroup(params: QueryParams, fleet: Fleet): XmlStruct {
  const group = fleet.modify(params.requiredString('ReplicationGroupId'), {
    description: params.string('ReplicationGroupDescription'),
    primaryClusterId: params.string('PrimaryClusterId'),
    automaticFailover: params.boolean('AutomaticFailoverEnabled'),
    multiAz: params.boolean('MultiAZEnabled'),
    snapshotRetentionLimit: params.integer('SnapshotRetentionLimit'),
    snapshotWindow: params.string('SnapshotWindow'),
  });
  return { ReplicationGroup: renderReplicationGroup(group) };
}

function testFailover(params: QueryParams, fleet: Fleet): XmlStruct {
  const group = fleet.testFailover(params.requiredString('ReplicationGroupId'), params.requiredString('NodeGroupId'));
  return { ReplicationGroup: renderReplicationGroup(group) };
}

function deleteReplicationGroup(params: QueryParams, fleet: Fleet): XmlStruct {
  return { ReplicationGroup: renderReplicationGroup(fleet.delete(params.requiredString('ReplicationGroupId'))) };
}

function describeEvents(params: QueryParams, fleet: Fleet): XmlStruct {
  const sourceType = params.string('SourceType');
  if (sourceType !== undefined && !EVENT_SOURCE_TYPES.includes(sourceType))
    throw invalidParameterValue(`Invalid SourceType: ${sourceType}.`);
  const maxRecords = params.integer('MaxRecords');
  if (maxRecords !== undefined && (maxRecords < 20 || maxRecords > 100))
    throw invalidParameterValue('MaxRecords must be between 20 and 100.');
  const events = fleet.queryEvents({
    sourceIdentifier: params.string('SourceIdentifier'),
    sourceType,
    startTime: params.timestamp('StartTime'),
    endTime: params.timestamp('EndTime'),
    durationMinutes: params.integer('Duration'),
    maxRecords,
  });
  return { Events: xmlList('Event', events.map(renderEvent)) };
}

function describeGlobalReplicationGroups(params: QueryParams): XmlStruct {
  const id = params.string('GlobalReplicationGroupId');
  if (id !== undefined) throw globalReplicationGroupNotFound(id);
  return { GlobalReplicationGroups: xmlList('GlobalReplicationGroup', []) };
}

function failoverGlobalReplicationGroup(params: QueryParams): XmlStruct {
  params.requiredString('PrimaryRegion');
  params.requiredString('PrimaryReplicationGroupId');
  throw globalReplicationGroupNotFound(params.requiredString('GlobalReplicationGroupId'));
}

function listTagsForResource(params: QueryParams, fleet: Fleet): XmlStruct {
  return renderTagList(fleet.tags(params.requiredString('ResourceName')));
}

function addTagsToResource(params: QueryParams, fleet: Fleet): XmlStruct {
  return renderTagList(fleet.addTags(params.requiredString('ResourceName'), params.tagList('Tags')));
}

function removeTagsFromResource(params: QueryParams, fleet: Fleet): XmlStruct {
  return renderTagList(fleet.removeTags(params.requiredString('ResourceName'), params.stringList('TagKeys')));
}

export const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  CreateReplicationGroup: createReplicationGroup,
  DescribeReplicationGroups: describeReplicationGroups,
  DescribeCacheClusters: describeCacheClusters,
  ModifyReplicationGroup: modifyReplicationGroup,
  TestFailover: testFailover,
  DeleteReplicationGroup: deleteReplicationGroup,
  DescribeEvents: describeEvents,
  DescribeGlobalReplicationGroups: describeGlobalReplicationGroups,
  FailoverGlobalReplicationGroup: failoverGlobalReplicationGroup,
  ListTagsForResource: listTagsForResource,
  AddTagsToResource: addTagsToResource,
  RemoveTagsFromResource: removeTagsFromResource,
};
