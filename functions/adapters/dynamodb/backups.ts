/**
 * BackupRecords on the incidents table: one item per cache (layout.ts,
 * `backupStatusKey`) holding its last backup run, its last successful run,
 * the runs failed since and its last test restore. Every write is one
 * UpdateItem, so concurrent runs of the same cache never lose a failure
 * count and a run never erases the test restore (or the reverse).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BackupRecords, BackupRun, BackupStatus, TestRestore } from '../../ports';
import { awsCall } from '../aws-errors';
import { backupStatusKey } from './layout';
import { IncidentTable, type IncidentTableOptions, type Item } from './table';

function toStatus(item: Item): BackupStatus {
  return {
    cacheId: String(item.cacheId),
    ...(item.lastRun ? { lastRun: item.lastRun as BackupRun } : {}),
    ...(item.lastSuccess ? { lastSuccess: item.lastSuccess as BackupRun } : {}),
    consecutiveFailures: typeof item.consecutiveFailures === 'number' ? item.consecutiveFailures : 0,
    ...(item.lastTestRestore ? { lastTestRestore: item.lastTestRestore as TestRestore } : {}),
  };
}

export class DynamoDbBackupRecords implements BackupRecords {
  private readonly table: IncidentTable;

  constructor(options: IncidentTableOptions) {
    this.table = new IncidentTable(options);
  }

  async recordBackupRun(run: BackupRun): Promise<BackupStatus> {
    // A success resets the count; a failure adds one to it, ADD starting from 0 on a new item.
    const update =
      run.outcome === 'ok'
        ? 'SET cacheId = :cacheId, lastRun = :run, lastSuccess = :run, consecutiveFailures = :zero'
        : 'SET cacheId = :cacheId, lastRun = :run ADD consecutiveFailures :one';
    const out = await awsCall('DynamoDB UpdateItem (backup status)', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: backupStatusKey(run.cacheId),
          UpdateExpression: update,
          ExpressionAttributeValues: {
            ':cacheId': run.cacheId,
            ':run': run,
            ...(run.outcome === 'ok' ? { ':zero': 0 } : { ':one': 1 }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return toStatus(out.Attributes ?? {});
  }

  async recordTestRestore(result: TestRestore): Promise<void> {
    await awsCall('DynamoDB UpdateItem (backup status)', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: backupStatusKey(result.cacheId),
          // A cache never backed up has no failures yet; one that has keeps its count.
          UpdateExpression:
            'SET cacheId = :cacheId, lastTestRestore = :result, consecutiveFailures = if_not_exists(consecutiveFailures, :zero)',
          ExpressionAttributeValues: { ':cacheId': result.cacheId, ':result': result, ':zero': 0 },
        }),
      ),
    );
  }

  async backupStatus(cacheId: string): Promise<BackupStatus | undefined> {
    const out = await awsCall('DynamoDB GetItem (backup status)', () =>
      this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: backupStatusKey(cacheId) })),
    );
    return out.Item ? toStatus(out.Item) : undefined;
  }
}
