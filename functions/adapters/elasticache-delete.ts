/** Deleting a replication group: the scratch groups of test restores. */
import { DeleteReplicationGroupCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { errorName, rethrowAws } from './aws-errors';

/**
 * ElastiCache refuses DeleteReplicationGroup with InvalidReplicationGroupState
 * while the group is not available ("The requested replication group is not in
 * the available state", DeleteReplicationGroup, ElastiCache API Reference);
 * the SDK names the exception InvalidReplicationGroupStateFault.
 */
const GROUP_BUSY = new Set(['InvalidReplicationGroupStateFault', 'InvalidReplicationGroupState']);

/** DeleteReplicationGroup without a final snapshot; see CacheFleet.deleteGroup. */
export async function deleteReplicationGroup(
  client: ElastiCacheClient,
  replicationGroupId: string,
): Promise<'deleting' | 'absent' | 'busy'> {
  try {
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: replicationGroupId }));
    return 'deleting';
  } catch (err) {
    const name = errorName(err);
    if (name === 'ReplicationGroupNotFoundFault') return 'absent';
    if (GROUP_BUSY.has(name)) return 'busy';
    rethrowAws(err, 'ElastiCache DeleteReplicationGroup', { throttling: 'distinct' });
  }
}
