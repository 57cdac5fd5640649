/**
 * The read shares contract, run against the fake and against the DynamoDB
 * adapter on the local DynamoDB (dynalite, on 127.0.0.1), each test on a
 * fresh table declared as serverless.yml declares the incidents table; then
 * the lease item as the adapter leaves it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbReadShares } from '../../functions/adapters/dynamodb/read-shares';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import { startDynamoDb } from '../../local/dynamodb';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { FakeClock } from '../fakes/clock';
import { FakeReadShares } from '../fakes/read-shares';
import { createIncidentsTable } from './incidents-table';
import { describeReadSharesContract } from './read-shares.contract';

describeReadSharesContract('FakeReadShares', async () => {
  const clock = new FakeClock();
  return { shares: new FakeReadShares(clock), clock };
});

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

  const fresh = async () => {
    const tableName = `incidents-${++tables}`;
    await createIncidentsTable(client, tableName);
    const clock = new FakeClock();
    return { tableName, clock, shares: new DynamoDbReadShares({ tableName, client: documents, clock }) };
  };

  describeReadSharesContract('DynamoDbReadShares', fresh);

  describe('the lease item', () => {
    const item = async (tableName: string, source: string) =>
      (
        await documents.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: `SOURCE#${source}`, sk: 'READERS' },
            ConsistentRead: true,
          }),
        )
      ).Item;

    it('holds each reader’s lease end, renewed by share() 1 s after joining then every 10 s; expires a day after its last write', async () => {
      const { tableName, clock, shares } = await fresh();
      const t0 = clock.now().getTime();
      const a = await shares.join('account-settings', 'sessions-1/rehydrate', 300);
      clock.advance({ ms: 500 });
      await shares.join('account-settings', 'profiles-1/rehydrate', 300);

      expect(await item(tableName, 'account-settings')).toEqual({
        pk: 'SOURCE#account-settings',
        sk: 'READERS',
        readers: { 'sessions-1/rehydrate': t0 + 60_000, 'profiles-1/rehydrate': t0 + 60_500 },
        expiresAt: Math.floor(t0 / 1000) + 24 * 3600,
      });

      const leaseAfterShareAt = async (ms: number) => {
        clock.set(new Date(t0 + ms));
        await a.share();
        return (await item(tableName, 'account-settings'))?.readers['sessions-1/rehydrate'];
      };
      expect(await leaseAfterShareAt(999)).toBe(t0 + 60_000);
      expect(await leaseAfterShareAt(1_000)).toBe(t0 + 61_000);
      expect(await leaseAfterShareAt(10_999)).toBe(t0 + 61_000);
      expect(await leaseAfterShareAt(11_000)).toBe(t0 + 71_000);
    });

    it('leaving removes the reader’s entry; a renewal removes the entries of leases that ended', async () => {
      const { tableName, clock, shares } = await fresh();
      const t0 = clock.now().getTime();
      const a = await shares.join('account-settings', 'sessions-1/rehydrate', 300);
      const b = await shares.join('account-settings', 'profiles-1/rehydrate', 300);
      await shares.join('account-settings', 'crashed-1/rehydrate', 300);

      await b.leave();
      for (let s = 10; s <= 70; s += 10) {
        clock.advance({ seconds: 10 });
        await a.share();
      }
      // The renewal at 60 s saw the crashed reader's lease end; the one at 70 s removed it.
      expect((await item(tableName, 'account-settings'))?.readers).toEqual({ 'sessions-1/rehydrate': t0 + 130_000 });
      expect(await a.share()).toBe(300);
    });

    it('readers joining at once all count', async () => {
      const { clock, shares } = await fresh();
      const readers = await Promise.all(
        ['a', 'b', 'c', 'd', 'e'].map((c) => shares.join('account-settings', `${c}-1/rehydrate`, 500)),
      );
      clock.advance({ seconds: 10 });

      expect(await Promise.all(readers.map((r) => r.share()))).toEqual([100, 100, 100, 100, 100]);
    });
  });
});
