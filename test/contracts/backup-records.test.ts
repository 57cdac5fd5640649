/**
 * The backup records contract, run against the fake the use-case tests use
 * and against the DynamoDB adapter on the local DynamoDB (dynalite, on
 * 127.0.0.1), each test on a fresh table declared as serverless.yml declares it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBackupRecords } from '../../functions/adapters/dynamodb/backups';
import { documentClient, DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { startDynamoDb } from '../../local/dynamodb';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { FakeBackupRecords } from '../fakes/backup-records';
import { describeBackupRecordsContract, failedRun, okRun } from './backup-records.contract';
import { createIncidentsTable } from './incidents-table';

describeBackupRecordsContract('FakeBackupRecords', async () => new FakeBackupRecords());

describe('on the local DynamoDB', () => {
  let dynamo: LocalService;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    documents = documentClient(client);
  });

  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  const freshTable = async (): Promise<string> => {
    const tableName = `incidents-${++tables}`;
    await createIncidentsTable(client, tableName);
    return tableName;
  };

  describeBackupRecordsContract('DynamoDbBackupRecords', async () => {
    return new DynamoDbBackupRecords({ tableName: await freshTable(), client: documents });
  });

  it('keeps the status in its own item beside the cache open-incident lock', async () => {
    const tableName = await freshTable();
    const records = new DynamoDbBackupRecords({ tableName, client: documents });
    const store = new DynamoDbIncidentStore({ tableName, client: documents });
    await store.acquireOpenLock({
      cacheId: 'sessions',
      incidentId: 'sessions-1',
      executionName: 'exec-1',
      executionInput: { incidentId: 'sessions-1' } as never,
      openedAt: '2025-03-01T12:00:00.000Z',
    });

    await records.recordBackupRun(failedRun('sessions'));

    const item = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'CACHE#sessions', sk: 'BACKUP' } }),
    );
    expect(item.Item).toMatchObject({ cacheId: 'sessions', consecutiveFailures: 1, lastRun: failedRun('sessions') });
    expect((await store.getOpenLock('sessions'))?.incidentId).toBe('sessions-1');
  });

  it('reads an item written with no failure count as none', async () => {
    const tableName = await freshTable();
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'CACHE#orders', sk: 'BACKUP', cacheId: 'orders', lastRun: okRun('orders') },
      }),
    );

    const status = await new DynamoDbBackupRecords({ tableName, client: documents }).backupStatus('orders');

    expect(status).toEqual({ cacheId: 'orders', lastRun: okRun('orders'), consecutiveFailures: 0 });
  });
});
