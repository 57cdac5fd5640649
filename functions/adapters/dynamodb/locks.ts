/**
 * IncidentLocks on the incidents table: put-if-absent items that let one
 * invocation win, the cache's open-incident lock and the marker of an alarm
 * delivery already handled. Both carry `expiresAt` for DynamoDB's TTL.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TransientDependencyError } from '../../domain/errors';
import type { ExecutionInput } from '../../domain/incident';
import type { IncidentLocks, OpenIncidentLock } from '../../ports';
import { awsCall, rethrowAws } from '../aws-errors';
import { ITEM_ABSENT, deliveryKey, openLockKey } from './layout';
import { isConditionFailure, type IncidentTable, type Item } from './table';

/** A safety net only: the lock is released when its incident ends. */
const LOCK_TTL_SECONDS = 7 * 24 * 3600;

function toLock(item: Item): OpenIncidentLock {
  return {
    cacheId: String(item.cacheId),
    incidentId: String(item.incidentId),
    executionName: String(item.executionName),
    executionInput: item.executionInput as ExecutionInput,
    openedAt: String(item.openedAt),
  };
}

export class DynamoDbIncidentLocks implements IncidentLocks {
  constructor(private readonly table: IncidentTable) {}

  async acquireOpenLock(
    lock: OpenIncidentLock,
  ): Promise<{ acquired: true } | { acquired: false; existing: OpenIncidentLock }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...openLockKey(lock.cacheId),
              cacheId: lock.cacheId,
              incidentId: lock.incidentId,
              executionName: lock.executionName,
              executionInput: lock.executionInput,
              openedAt: lock.openedAt,
              expiresAt: this.table.nowSeconds() + LOCK_TTL_SECONDS,
            },
            ConditionExpression: ITEM_ABSENT,
          }),
        );
        return { acquired: true };
      } catch (err) {
        if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB PutItem (open-incident lock)');
      }
      const existing = await this.getOpenLock(lock.cacheId, true);
      if (existing) return { acquired: false, existing };
      // Released between the put and the read: try again.
    }
    throw new TransientDependencyError(
      `the open-incident lock of cache ${lock.cacheId} changed during every attempt to take it`,
    );
  }

  async getOpenLock(cacheId: string, consistent = false): Promise<OpenIncidentLock | undefined> {
    const out = await awsCall('DynamoDB GetItem (open-incident lock)', () =>
      this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: openLockKey(cacheId), ConsistentRead: consistent }),
      ),
    );
    return out.Item ? toLock(out.Item) : undefined;
  }

  async releaseOpenLock(cacheId: string, incidentId: string): Promise<void> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: openLockKey(cacheId),
          ConditionExpression: 'incidentId = :incidentId',
          ExpressionAttributeValues: { ':incidentId': incidentId },
        }),
      );
    } catch (err) {
      // Already released, or held by another incident: nothing of ours to release.
      if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB DeleteItem (open-incident lock)');
    }
  }

  async markDelivery(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.table.nowSeconds();
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...deliveryKey(key), expiresAt: now + ttlSeconds },
          // TTL deletion lags by up to days: an expired marker counts as absent.
          ConditionExpression: `${ITEM_ABSENT} OR expiresAt < :now`,
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      rethrowAws(err, 'DynamoDB PutItem (delivery marker)');
    }
  }
}
