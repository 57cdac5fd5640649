/**
 * What a Scan of the local DynamoDB reports it consumed, as DynamoDB does:
 * asked with ReturnConsumedCapacity TOTAL, the sum of the sizes of the items
 * it read (those the filter dropped too), rounded up to the next 4 KB, at 0.5
 * read unit per 4 KB for an eventually consistent Scan (the adapter's); not
 * asked, nothing. Then the source-of-truth adapter pacing its Scan on it.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSourceOfTruth } from '../../functions/adapters/dynamodb-source-of-truth';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import { startDynamoDb } from '../../local/dynamodb';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { FakeClock } from '../fakes/clock';

const TABLE = 'account-settings';
/** Ten items of 4022 bytes each (names and values of `key`, `value`, `kind`): 40,220 bytes, ten 4 KB blocks summed. */
const ITEMS = Array.from({ length: 10 }, (_, i) => ({ key: `k0${i}`, value: 'x'.repeat(4000), kind: 'session' }));

let dynamo: LocalService;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  documents = documentClient(client);
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
    }),
  );
  await documents.send(
    new BatchWriteCommand({ RequestItems: { [TABLE]: ITEMS.map((Item) => ({ PutRequest: { Item } })) } }),
  );
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

/** A Scan whose filter keeps nothing: none of the items has `updatedAt`. */
const scan = (extra: Record<string, unknown>) =>
  documents.send(
    new ScanCommand({
      TableName: TABLE,
      FilterExpression: 'updatedAt >= :since',
      ExpressionAttributeValues: { ':since': 0 },
      ...extra,
    }),
  );

describe('Scan consumed capacity on the local DynamoDB', () => {
  it('counts every item read, filtered out or not, summed then rounded up to 4 KB: 0.5 unit per 4 KB eventually consistent', async () => {
    const out = await scan({ ReturnConsumedCapacity: 'TOTAL' });

    expect(out.Count).toBe(0);
    expect(out.ScannedCount).toBe(10);
    expect(out.ConsumedCapacity).toEqual({ TableName: TABLE, CapacityUnits: 5 });
  });

  it('reports nothing when not asked', async () => {
    const out = await scan({});

    expect(out.ConsumedCapacity).toBeUndefined();
  });

  it('the source-of-truth adapter waits, before each page, for the units the previous pages consumed at its share', async () => {
    const clock = new FakeClock();
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
    };
    // Pages of 2 items: 8,044 bytes, two 4 KB blocks, 1 unit each; at 0.5 unit per second, 2 s per page.
    const source = new DynamoDbSourceOfTruth({ client: documents, segments: 1, pageSize: 2, clock, sleep });

    const pages: number[] = [];
    for await (const page of source.changedSince(TABLE, 0, { share: async () => 0.5 })) pages.push(page.length);

    expect(pages).toEqual([]);
    // Five pages, then an empty last one: each after the previous one's unit is paid.
    expect(waits).toEqual([2000, 2000, 2000, 2000, 2000]);
  });
});
