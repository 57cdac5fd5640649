import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbSourceOfTruth } from '../../functions/adapters/dynamodb-source-of-truth';
import { TransientDependencyError } from '../../functions/domain/errors';
import type { SourceRecord } from '../../functions/ports';
import { throttled } from './aws-errors';

const ddb = mockClient(DynamoDBDocumentClient);
const client = ddb as unknown as DynamoDBDocumentClient;

afterEach(() => ddb.reset());

/** Each segment holds two pages of two items. */
function segmentedTable(input: ScanCommandInput) {
  const segment = input.Segment as number;
  const page = input.ExclusiveStartKey ? 2 : 1;
  const items = [1, 2].map((i) => ({
    key: `s${segment}:p${page}:${i}`,
    value: `v${segment}${page}${i}`,
    kind: i === 1 ? 'customization' : 'flag',
    updatedAt: 1000 + i,
    ...(i === 2 ? { expiresAt: 2000000000 } : {}),
  }));
  return { Items: items, ...(page === 1 ? { LastEvaluatedKey: { key: `s${segment}:p1:2` } } : {}) };
}

async function collect(pages: AsyncIterable<SourceRecord[]>): Promise<SourceRecord[][]> {
  const out: SourceRecord[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('DynamoDbSourceOfTruth', () => {
  it('streams every page of a parallel scan filtered by update time', async () => {
    // Prepare
    ddb.on(ScanCommand).callsFake(segmentedTable);

    // Act
    const pages = await collect(
      new DynamoDbSourceOfTruth({ client }).changedSince('sessions-truth', 1_700_000_000_000),
    );

    // Assess
    expect(pages).toHaveLength(8);
    const records = pages.flat();
    expect(new Set(records.map((r) => r.key)).size).toBe(16);
    expect(records).toContainEqual({
      key: 's3:p2:2',
      value: 'v322',
      kind: 'flag',
      updatedAt: 1002,
      expiresAt: 2000000000,
    });
    expect(records).toContainEqual({ key: 's0:p1:1', value: 'v011', kind: 'customization', updatedAt: 1001 });
    const segments = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(new Set(segments.map((s) => s.Segment))).toEqual(new Set([0, 1, 2, 3]));
    expect(segments[0]).toMatchObject({
      TableName: 'sessions-truth',
      TotalSegments: 4,
      FilterExpression: '#updatedAt >= :since',
      ExpressionAttributeValues: { ':since': 1_700_000_000_000 },
    });
  });

  it('skips items without a string key or value', async () => {
    // Prepare
    ddb.on(ScanCommand).resolves({
      Items: [
        { key: 'ok', value: 'v', kind: 'flag', updatedAt: 1 },
        { key: 'binary', value: new Uint8Array([1]) },
      ],
    });

    // Act
    const pages = await collect(new DynamoDbSourceOfTruth({ client, segments: 1 }).changedSince('t', 0));

    // Assess
    expect(pages).toEqual([[{ key: 'ok', value: 'v', kind: 'flag', updatedAt: 1 }]]);
  });

  it('reads no further than the consumer asks', async () => {
    // Prepare
    ddb.on(ScanCommand).callsFake(segmentedTable);

    // Act
    for await (const page of new DynamoDbSourceOfTruth({ client, segments: 2 }).changedSince('t', 0)) {
      expect(page).toHaveLength(2);
      break;
    }

    // Assess
    expect(ddb.commandCalls(ScanCommand).length).toBeLessThanOrEqual(3);
  });

  it('reports throttling as transient', async () => {
    // Prepare
    ddb.on(ScanCommand).rejects(throttled('ProvisionedThroughputExceededException'));

    // Act
    const attempt = collect(new DynamoDbSourceOfTruth({ client }).changedSince('t', 0));

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });
});
