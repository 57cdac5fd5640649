/**
 * Scans paced to a fair share of a source-of-truth table: three recoveries
 * read one table through DynamoDbSourceOfTruth, each with its own client
 * (mocked, answering pages that cost 10 read units), sharing a budget of 30
 * read units per second through FakeReadShares. Time is a fake clock that
 * jumps to the next wake-up whenever every reader waits.
 */
import 'aws-sdk-client-mock-jest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbSourceOfTruth } from '../../functions/adapters/dynamodb-source-of-truth';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import type { ReadPace } from '../../functions/ports';
import { FakeClock } from '../fakes/clock';
import { FakeReadShares } from '../fakes/read-shares';

const TABLE = 'account-settings';
const BUDGET = 30;
const UNITS_PER_PAGE = 10;

/** Sleeping on the fake clock: run() moves time to the earliest wake-up once every task waits. */
class FakeTimers {
  private waiting: { at: number; wake: () => void }[] = [];
  constructor(private readonly clock: FakeClock) {}

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => this.waiting.push({ at: this.clock.now().getTime() + ms, wake }));

  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.finally(() => (done = true));
    settled.catch(() => undefined);
    while (!done) {
      for (let i = 0; i < 50 && !done; i++) await new Promise((resolve) => setImmediate(resolve));
      if (done) break;
      this.waiting.sort((a, b) => a.at - b.at);
      const next = this.waiting.shift();
      if (!next) throw new Error('every reader is stuck with nothing to wake it');
      if (next.at > this.clock.now().getTime()) this.clock.set(new Date(next.at));
      next.wake();
    }
    return settled;
  }
}

/** A client whose table has `pages` pages of one item, each costing 10 read units; records when each page was read. */
function tableClient(pages: number, clock: FakeClock, reportsCapacity = true) {
  const client = documentClient(new DynamoDBClient({ region: 'us-east-1' }));
  const reads: number[] = [];
  mockClient(client)
    .on(ScanCommand)
    .callsFake((input: ScanCommandInput) => {
      const page = input.ExclusiveStartKey ? (input.ExclusiveStartKey.page as number) + 1 : 1;
      reads.push(clock.now().getTime());
      return {
        Items: [{ key: `k${page}`, value: 'x'.repeat(8000), kind: 'session', updatedAt: 1 }],
        ...(reportsCapacity ? { ConsumedCapacity: { TableName: TABLE, CapacityUnits: UNITS_PER_PAGE } } : {}),
        ...(page < pages ? { LastEvaluatedKey: { page } } : {}),
      };
    });
  return { client, reads };
}

async function readAll(source: DynamoDbSourceOfTruth, pace: ReadPace | undefined): Promise<number> {
  let records = 0;
  for await (const page of source.changedSince(TABLE, 0, pace)) records += page.length;
  return records;
}

const unitsIn = (reads: number[], fromMs: number, toMs: number) =>
  reads.filter((t) => t >= fromMs && t < toMs).length * UNITS_PER_PAGE;

describe('scans paced to a share of the read budget', () => {
  it('three readers get a third of the budget each, the two left a half each once one finishes, and all complete', async () => {
    const clock = new FakeClock();
    const t0 = clock.now().getTime();
    const timers = new FakeTimers(clock);
    const shares = new FakeReadShares(clock);
    const tables = {
      sessions: tableClient(90, clock),
      profiles: tableClient(90, clock),
      carts: tableClient(15, clock),
    };

    const read = async (cache: keyof typeof tables) => {
      const share = await shares.join(TABLE, `${cache}-1/rehydrate`, BUDGET);
      const source = new DynamoDbSourceOfTruth({ client: tables[cache].client, clock, sleep: timers.sleep });
      try {
        return { records: await readAll(source, share), endedAt: clock.now().getTime() - t0 };
      } finally {
        await share.leave();
      }
    };
    const [sessions, profiles, carts] = await timers.run(
      Promise.all([read('sessions'), read('profiles'), read('carts')]),
    );

    // Every reader completes, with every record.
    expect([sessions.records, profiles.records, carts.records]).toEqual([90, 90, 15]);
    // The first page goes at once.
    for (const t of Object.values(tables)) expect(t.reads[0]).toBe(t0);
    // From the first renewal (1 s) on, while all three read: 10 units per second each.
    for (const t of Object.values(tables)) {
      expect(unitsIn(t.reads, t0 + 2_000, t0 + 12_000)).toBeGreaterThanOrEqual(90);
      expect(unitsIn(t.reads, t0 + 2_000, t0 + 12_000)).toBeLessThanOrEqual(110);
    }
    // Once carts left and the others renewed their lease (within 10 s): 15 units per second each.
    const after = t0 + carts.endedAt + 10_000;
    expect(Math.min(sessions.endedAt, profiles.endedAt)).toBeGreaterThan(after - t0 + 10_000);
    for (const t of [tables.sessions, tables.profiles]) {
      expect(unitsIn(t.reads, after, after + 10_000)).toBeGreaterThanOrEqual(140);
      expect(unitsIn(t.reads, after, after + 10_000)).toBeLessThanOrEqual(160);
    }
    // Together they read no faster than the budget allows, give or take the first second and page:
    // 1950 units at 30 per second take 65 s.
    expect(Math.max(sessions.endedAt, profiles.endedAt)).toBeGreaterThanOrEqual(62_000);
    expect(shares.leases(TABLE)).toEqual({});
  });

  it('asks DynamoDB for the consumed capacity only when paced', async () => {
    const clock = new FakeClock();
    const timers = new FakeTimers(clock);
    const paced = tableClient(2, clock);
    const unpaced = tableClient(2, clock);
    const pace: ReadPace = { share: async () => 1000 };

    await timers.run(readAll(new DynamoDbSourceOfTruth({ client: paced.client, clock, sleep: timers.sleep }), pace));
    await readAll(new DynamoDbSourceOfTruth({ client: unpaced.client, segments: 1 }), undefined);

    const inputs = (c: typeof paced) =>
      (c.client.send as unknown as { getCalls(): { args: [{ input: ScanCommandInput }] }[] })
        .getCalls()
        .map((call) => call.args[0].input);
    expect(inputs(paced).every((i) => i.ReturnConsumedCapacity === 'TOTAL')).toBe(true);
    expect(inputs(unpaced).some((i) => 'ReturnConsumedCapacity' in i)).toBe(false);
  });

  it('without ConsumedCapacity in the answer, charges 0.5 read unit per 4 KB returned', async () => {
    const clock = new FakeClock();
    const t0 = clock.now().getTime();
    const timers = new FakeTimers(clock);
    // Each page returns one item of about 8 KB: two 4 KB blocks, estimated 1 unit (eventually consistent).
    const { client, reads } = tableClient(4, clock, false);
    const pace: ReadPace = { share: async () => 1 };

    await timers.run(readAll(new DynamoDbSourceOfTruth({ client, clock, sleep: timers.sleep }), pace));

    expect(reads.map((t) => t - t0)).toEqual([0, 1000, 2000, 3000]);
  });
});
