/** An AWS Query error: `code` is the wire code the SDK maps to an exception class. */
export class ElastiCacheError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export const invalidParameterValue = (message: string): ElastiCacheError =>
  new ElastiCacheError('InvalidParameterValue', message);

export const invalidParameterCombination = (message: string): ElastiCacheError =>
  new ElastiCacheError('InvalidParameterCombination', message);

export const missingParameter = (name: string): ElastiCacheError =>
  new ElastiCacheError('MissingParameter', `The request must contain the parameter ${name}`);

export const replicationGroupNotFound = (id: string): ElastiCacheError =>
  new ElastiCacheError('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`, 404);

export const replicationGroupAlreadyExists = (id: string): ElastiCacheError =>
  new ElastiCacheError('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`);

export const invalidReplicationGroupState = (message: string): ElastiCacheError =>
  new ElastiCacheError('InvalidReplicationGroupState', message);

export const invalidCacheClusterState = (message: string): ElastiCacheError =>
  new ElastiCacheError('InvalidCacheClusterState', message);

export const globalReplicationGroupNotFound = (id: string): ElastiCacheError =>
  new ElastiCacheError('GlobalReplicationGroupNotFoundFault', `GlobalReplicationGroup ${id} not found.`, 404);

export const invalidAction = (action: string): ElastiCacheError =>
  new ElastiCacheError('InvalidAction', `The action ${action} is not valid for this web service.`);
