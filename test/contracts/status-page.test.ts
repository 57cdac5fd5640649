/**
 * The status page's projection on the local DynamoDB (dynalite, 127.0.0.1):
 * one item per service under its own partition, the notices of concurrent
 * writers all kept, a retried notice kept once, and nothing else touched.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbStatusPages } from '../../functions/adapters/dynamodb/status-page';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import type { NoticeStage } from '../../functions/domain/incident';
import { startDynamoDb } from '../../local/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalService } from '../../local/service';
import { FakeClock } from '../fakes/clock';
import { createIncidentsTable } from './incidents-table';

describe('DynamoDbStatusPages on the local DynamoDB', () => {
  let dynamo: LocalService;
  let client: DynamoDBClient;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  const fresh = async () => {
    const tableName = `status-${++tables}`;
    await createIncidentsTable(client, tableName);
    const clock = new FakeClock('2025-03-01T18:00:00.000Z');
    return { tableName, pages: new DynamoDbStatusPages({ tableName, client: documentClient(client), clock }) };
  };
  const notice = (reference: string, stage: NoticeStage, sentAt: string) => ({
    reference,
    stage,
    subject: `Acme: ${stage}`,
    text: `Acme ${stage}`,
    sentAt,
  });

  it('has no page before the first notice, then the notices under one event in order', async () => {
    const { pages } = await fresh();
    expect(await pages.statusPage('Acme')).toBeUndefined();
    await pages.recordNotice('Acme', notice('inc-1', 'INVESTIGATING', '2025-03-01T16:24:00.000Z'));
    await pages.recordNotice('Acme', notice('inc-1', 'PARTIALLY_RESTORED', '2025-03-01T17:10:00.000Z'));
    await pages.recordNotice('Acme', notice('inc-1', 'PARTIALLY_RESTORED', '2025-03-01T17:11:00.000Z'));
    const page = await pages.statusPage('Acme');
    expect(page?.state).toBe('degraded');
    expect(page?.events.map((e) => e.ref)).toEqual(['20250301-162400']);
    expect(page?.events[0]?.notices.map((n) => n.stage)).toEqual(['INVESTIGATING', 'PARTIALLY_RESTORED']);
  });

  it('keeps every notice of writers racing for the same page, on one item under STATUS#<service>', async () => {
    const { tableName, pages } = await fresh();
    const references = ['a', 'b', 'c', 'd'];
    await Promise.all(
      references.map((r, i) => pages.recordNotice('Acme', notice(r, 'INVESTIGATING', `2025-03-01T16:2${i}:00.000Z`))),
    );
    await pages.recordNotice('Other', notice('z', 'RESOLVED', '2025-03-01T16:30:00.000Z'));
    expect((await pages.statusPage('Acme'))?.events).toHaveLength(4);
    expect((await pages.statusPage('Other'))?.state).toBe('operational');
    const items = (await client.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    expect(items.map((i) => `${i.pk?.S}/${i.sk?.S}`).sort()).toEqual(['STATUS#Acme/PAGE', 'STATUS#Other/PAGE']);
  });
});
