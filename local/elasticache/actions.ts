import { parseCreateReplicationGroup } from './create-request';
import { invalidParameterValue } from './errors';
import type { Fleet } from './fleet';
import type { GlobalDatastores } from './global';
import type { QueryParams } from './params';
import type { SnapshotStore } from './snapshots';
import { renderEvent, renderReplicationGroup } from './render';
import { xmlList } from './xml';
import type { XmlStruct } from './xml';

/** The region the request is for (its SigV4 credential scope) and the Global Datastores, which span regions. */
export interface RequestContext {
  readonly region: string;
  readonly globals: GlobalDatastores;
  /** The region's manual snapshots. */
  readonly snapshots: SnapshotStore;
}

/** `fleet` is the request's region's: another region's groups are not found, as on AWS. */
export type ActionHandler = (
  params: QueryParams,
  fleet: Fleet,
  context: RequestContext,
) => XmlStruct | Promise<XmlStruct>;

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

/** DescribeGlobalReplicationGroups: the Global Datastores with a member in the request's region. */
function describeGlobalReplicationGroups(
  params: QueryParams,
  _fleet: Fleet,
  { region, globals }: RequestContext,
): XmlStruct {
  const id = params.string('GlobalReplicationGroupId');
  const showMembers = params.boolean('ShowMemberInfo') ?? false;
  const datastores = id === undefined ? globals.listFrom(region) : [globals.visibleFrom(region, id)];
  return {
    GlobalReplicationGroups: xmlList(
      'GlobalReplicationGroup',
      datastores.map((d) => globals.render(d, showMembers)),
    ),
  };
}

/**
 * FailoverGlobalReplicationGroup (ElastiCache API Reference): PrimaryRegion and PrimaryReplicationGroupId
 * name the secondary that becomes the primary; the others become secondaries. Errors as documented there:
 * GlobalReplicationGroupNotFoundFault, InvalidGlobalReplicationGroupState, InvalidParameterValue.
 */
function failoverGlobalReplicationGroup(
  params: QueryParams,
  _fleet: Fleet,
  { region, globals }: RequestContext,
): XmlStruct {
  const datastore = globals.failover(
    region,
    params.requiredString('GlobalReplicationGroupId'),
    params.requiredString('PrimaryRegion'),
    params.requiredString('PrimaryReplicationGroupId'),
  );
  return { GlobalReplicationGroup: globals.render(datastore, false) };
}

function createSnapshot(params: QueryParams, _fleet: Fleet, { snapshots }: RequestContext): XmlStruct {
  const snapshot = snapshots.create(params.requiredString('ReplicationGroupId'), params.requiredString('SnapshotName'));
  return { Snapshot: snapshots.render(snapshot) };
}

function describeSnapshots(params: QueryParams, _fleet: Fleet, { snapshots }: RequestContext): XmlStruct {
  const name = params.string('SnapshotName');
  const replicationGroupId = params.string('ReplicationGroupId');
  const found =
    name === undefined
      ? snapshots.list(replicationGroupId === undefined ? {} : { replicationGroupId })
      : [snapshots.get(name)];
  return {
    Snapshots: xmlList(
      'Snapshot',
      found.map((s) => snapshots.render(s)),
    ),
  };
}

/** CopySnapshot to S3 (TargetBucket): the only copy the workflow makes. */
async function copySnapshot(params: QueryParams, _fleet: Fleet, { snapshots }: RequestContext): Promise<XmlStruct> {
  const source = params.requiredString('SourceSnapshotName');
  const target = params.requiredString('TargetSnapshotName');
  const bucket = params.string('TargetBucket');
  if (!bucket)
    throw invalidParameterValue('The local ElastiCache copies snapshots to S3 only: TargetBucket is required.');
  return { Snapshot: snapshots.render(await snapshots.exportTo(source, target, bucket)) };
}

function deleteSnapshot(params: QueryParams, _fleet: Fleet, { snapshots }: RequestContext): XmlStruct {
  return { Snapshot: snapshots.render(snapshots.delete(params.requiredString('SnapshotName'))) };
}

/**
 * The actions the workflow's functions, the drills and bench/ call (DeleteReplicationGroup: bench/);
 * any other action is answered with InvalidAction.
 */
export const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  CreateReplicationGroup: createReplicationGroup,
  DescribeReplicationGroups: describeReplicationGroups,
  ModifyReplicationGroup: modifyReplicationGroup,
  DeleteReplicationGroup: deleteReplicationGroup,
  DescribeEvents: describeEvents,
  DescribeGlobalReplicationGroups: describeGlobalReplicationGroups,
  FailoverGlobalReplicationGroup: failoverGlobalReplicationGroup,
  CreateSnapshot: createSnapshot,
  DescribeSnapshots: describeSnapshots,
  CopySnapshot: copySnapshot,
  DeleteSnapshot: deleteSnapshot,
};
