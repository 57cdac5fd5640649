/**
 * MirrorRecords on the incidents table: one item per cache (layout.ts,
 * `mirrorStatusKey`) holding its last mirror cycle, its last successful one and
 * the cycles failed since. Every write is one UpdateItem, so overlapping
 * cycles never lose a failure count.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MirrorCycle, MirrorRecords, MirrorStatus } from '../../ports';
import { awsCall } from '../aws-errors';
import { mirrorStatusKey } from './layout';
import { IncidentTable, type IncidentTableOptions, type Item } from './table';

function toStatus(item: Item): MirrorStatus {
  return {
    cacheId: String(item.cacheId),
    ...(item.lastCycle ? { lastCycle: item.lastCycle as MirrorCycle } : {}),
    ...(item.lastSuccess ? { lastSuccess: item.lastSuccess as MirrorCycle } : {}),
    consecutiveFailures: typeof item.consecutiveFailures === 'number' ? item.consecutiveFailures : 0,
  };
}

export class DynamoDbMirrorRecords implements MirrorRecords {
  private readonly table: IncidentTable;

  constructor(options: IncidentTableOptions) {
    this.table = new IncidentTable(options);
  }

  async recordMirrorCycle(cycle: MirrorCycle): Promise<MirrorStatus> {
    // A success resets the count and a failure adds one; a skipped cycle changes neither.
    const update =
      cycle.outcome === 'ok'
        ? 'SET cacheId = :cacheId, lastCycle = :cycle, lastSuccess = :cycle, consecutiveFailures = :zero'
        : cycle.outcome === 'failed'
          ? 'SET cacheId = :cacheId, lastCycle = :cycle ADD consecutiveFailures :one'
          : 'SET cacheId = :cacheId, lastCycle = :cycle, consecutiveFailures = if_not_exists(consecutiveFailures, :zero)';
    const out = await awsCall('DynamoDB UpdateItem (mirror status)', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: mirrorStatusKey(cycle.cacheId),
          UpdateExpression: update,
          ExpressionAttributeValues: {
            ':cacheId': cycle.cacheId,
            ':cycle': cycle,
            ...(cycle.outcome === 'failed' ? { ':one': 1 } : { ':zero': 0 }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return toStatus(out.Attributes ?? {});
  }

  async mirrorStatus(cacheId: string): Promise<MirrorStatus | undefined> {
    const out = await awsCall('DynamoDB GetItem (mirror status)', () =>
      this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: mirrorStatusKey(cacheId) })),
    );
    return out.Item ? toStatus(out.Item) : undefined;
  }
}
