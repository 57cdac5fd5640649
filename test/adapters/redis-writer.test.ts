import Redis from 'ioredis';
import { RehydrationFailedError, TransientDependencyError } from '../../functions/domain/errors';
import { RedisWriter } from '../../functions/adapters/redis-writer';
import type { SourceRecord } from '../../functions/ports';
import { freePort, startRedis, type RedisServer } from './redis-server';

const NOW = new Date('2030-01-01T00:00:00Z');
const clock = { now: () => NOW };
const nowSeconds = NOW.getTime() / 1000;

/** Deterministic pseudo-random generator so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6b) >>> 0;
    s ^= s + Math.imul(s ^ (s >>> 7), 61);
    return ((s ^ (s >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  '\r\n',
  '\r',
  '\n',
  '\u0000',
  '$',
  '*',
  '+',
  '-',
  ' ',
  'é',
  '€',
  '𝄞',
  '日本',
  '\u00ff',
  '"',
  '\\',
  'x',
  'A',
  '0',
];

function randomValue(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

function makeRecords(count: number, seed: number): SourceRecord[] {
  const next = rng(seed);
  const records: SourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const r: SourceRecord = {
      key: i % 7 === 0 ? `user:${i}:prefs\r\n€` : `user:${i}`,
      value: randomValue(next, Math.floor(next() * 60)),
      kind: i % 3 === 0 ? 'customization' : 'flag',
      updatedAt: NOW.getTime(),
    };
    if (i % 5 === 0) r.expiresAt = nowSeconds + 3600 + (i % 100);
    if (i % 50 === 1) r.expiresAt = nowSeconds + 7200.25;
    records.push(r);
  }
  return records;
}

async function* pages<T>(items: T[], size: number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

describe('RedisWriter against a real redis-server', () => {
  let open: RedisServer;
  let guarded: RedisServer;
  let client: Redis;
  let guardedClient: Redis;
  const endpoint = () => ({ host: '127.0.0.1', port: open.port, tls: false });

  beforeAll(async () => {
    [open, guarded] = await Promise.all([startRedis(), startRedis(['--requirepass', 's3cret-token'])]);
    client = new Redis({ host: '127.0.0.1', port: open.port, lazyConnect: true });
    guardedClient = new Redis({ host: '127.0.0.1', port: guarded.port, password: 's3cret-token', lazyConnect: true });
    await Promise.all([client.connect(), guardedClient.connect()]);
  });

  afterEach(async () => {
    await client.flushall();
    await guardedClient.flushall();
    await client.config('SET', 'maxmemory', '0');
  });

  afterAll(async () => {
    client.disconnect();
    guardedClient.disconnect();
    await Promise.all([open.stop(), guarded.stop()]);
  });

  it('writes 50,000 keys byte-exact with their expiry times', async () => {
    // Prepare
    const records = makeRecords(50_000, 7);
    const writer = new RedisWriter({ clock, chunkBytes: 256 * 1024 });

    // Act
    const result = await writer.write(endpoint(), undefined, pages(records, 1000));

    // Assess
    expect(result).toEqual({ written: 50_000, expiredSkipped: 0 });
    expect(await client.dbsize()).toBe(50_000);
    const wrongValues: string[] = [];
    for (let i = 0; i < records.length; i += 5000) {
      const batch = records.slice(i, i + 5000);
      const stored = await client.mgetBuffer(...batch.map((r) => r.key));
      batch.forEach((r, j) => {
        const got = stored[j];
        if (!got || !got.equals(Buffer.from(r.value, 'utf8'))) wrongValues.push(r.key);
      });
    }
    expect(wrongValues).toEqual([]);
    const withTtl = records.filter((r) => r.expiresAt !== undefined);
    const pipeline = client.pipeline();
    for (const r of withTtl) pipeline.call('PEXPIRETIME', r.key);
    const expiries = (await pipeline.exec()) ?? [];
    const wrongExpiries = withTtl
      .filter((r, j) => expiries[j]?.[1] !== Math.round((r.expiresAt as number) * 1000))
      .map((r) => r.key);
    expect(withTtl.length).toBeGreaterThan(10_000);
    expect(wrongExpiries).toEqual([]);
    const withoutTtl = records.find((r) => r.expiresAt === undefined) as SourceRecord;
    expect(await client.ttl(withoutTtl.key)).toBe(-1);
  });

  it('skips and counts records that have already expired', async () => {
    // Prepare
    const records: SourceRecord[] = [
      { key: 'fresh', value: 'a', kind: 'flag', updatedAt: 1, expiresAt: nowSeconds + 60 },
      { key: 'stale', value: 'b', kind: 'flag', updatedAt: 1, expiresAt: nowSeconds - 1 },
      { key: 'forever', value: 'c', kind: 'flag', updatedAt: 1 },
    ];

    // Act
    const result = await new RedisWriter({ clock }).write(endpoint(), undefined, pages(records, 2));

    // Assess
    expect(result).toEqual({ written: 2, expiredSkipped: 1 });
    expect(await client.exists('stale')).toBe(0);
    expect(await client.mget('fresh', 'forever')).toEqual(['a', 'c']);
  });

  it('authenticates with the token before writing', async () => {
    // Prepare
    const records = makeRecords(2000, 11);

    // Act
    const result = await new RedisWriter({ clock }).write(
      { host: '127.0.0.1', port: guarded.port, tls: false },
      's3cret-token',
      pages(records, 500),
    );

    // Assess
    expect(result.written).toBe(2000);
    expect(await guardedClient.dbsize()).toBe(2000);
  });

  it('fails clearly on a wrong AUTH token and writes nothing', async () => {
    // Prepare
    const writer = new RedisWriter({ clock });

    // Act
    const attempt = writer.write(
      { host: '127.0.0.1', port: guarded.port, tls: false },
      'wrong-token',
      pages(makeRecords(10, 1), 5),
    );

    // Assess
    await expect(attempt).rejects.toThrow(RehydrationFailedError);
    await expect(attempt).rejects.toThrow(/AUTH was refused: WRONGPASS/);
    expect(await guardedClient.dbsize()).toBe(0);
  });

  it('fails with the first error reply when the server refuses writes', async () => {
    // Prepare
    await client.config('SET', 'maxmemory', '1');
    const writer = new RedisWriter({ clock });

    // Act
    const attempt = writer.write(endpoint(), undefined, pages(makeRecords(100, 3), 50));

    // Assess
    await expect(attempt).rejects.toThrow(RehydrationFailedError);
    await expect(attempt).rejects.toThrow(/100 of 100 writes were refused .*first: OOM/);
  });

  it('reports an unreachable server as transient', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const attempt = new RedisWriter({ clock }).write(
      { host: '127.0.0.1', port, tls: false },
      undefined,
      pages(makeRecords(10, 1), 5),
    );

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
    await expect(attempt).rejects.toThrow(/refused/);
  });

  it('keeps the last value of a key written twice, over several connections', async () => {
    // Prepare
    const first = makeRecords(3000, 5);
    const second = first.map((r) => ({ ...r, value: `${r.value}#2` }));

    // Act
    const result = await new RedisWriter({ clock, connections: 3, chunkBytes: 8 * 1024 }).write(
      endpoint(),
      undefined,
      pages([...first, ...second], 700),
    );

    // Assess
    expect(result.written).toBe(6000);
    const stored = await client.mget(...first.map((r) => r.key));
    expect(stored).toEqual(second.map((r) => r.value));
  });

  it('stops reading the source while the server does not answer', async () => {
    // Prepare
    let pagesRead = 0;
    async function* slowServerSource(): AsyncGenerator<SourceRecord[]> {
      for (let p = 0; p < 400; p++) {
        pagesRead++;
        yield Array.from({ length: 100 }, (_, i) => ({
          key: `k:${p}:${i}`,
          value: 'v'.repeat(100),
          kind: 'flag',
          updatedAt: 1,
        }));
      }
    }
    await client.call('CLIENT', 'PAUSE', '600', 'ALL');
    const writer = new RedisWriter({ clock, chunkBytes: 16 * 1024, maxInFlightBytes: 64 * 1024 });

    // Act
    const done = writer.write(endpoint(), undefined, slowServerSource());
    await new Promise((r) => setTimeout(r, 300));
    const readWhilePaused = pagesRead;
    const result = await done;

    // Assess
    expect(readWhilePaused).toBeLessThan(20);
    expect(result.written).toBe(40_000);
  });

  it('reads values back with MGET, null for missing keys', async () => {
    // Prepare
    await client.set('a', 'x\r\ny€');

    // Act
    const values = await new RedisWriter().read(endpoint(), undefined, ['a', 'missing']);

    // Assess
    expect(values).toEqual(['x\r\ny€', null]);
  });

  it('counts the keys of every database', async () => {
    // Prepare
    const guardedEndpoint = { host: '127.0.0.1', port: guarded.port, tls: false };
    await guardedClient.mset({ a: '1', b: '2', c: '3' });
    await guardedClient.select(3);
    await guardedClient.set('d', '4', 'EX', 600);
    await guardedClient.select(0);

    // Act
    const keys = await new RedisWriter().keyCount(guardedEndpoint, 's3cret-token');

    // Assess
    expect(keys).toBe(4);
    await expect(new RedisWriter().keyCount(endpoint(), undefined)).resolves.toBe(0);
  });
});
