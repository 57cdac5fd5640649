import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { RdbEntry } from '../../functions/domain/backup/rdb-writer';

/** The databases the dataset fills, and the keys each gets. */
export const DATASET_DBS = [0, 1, 5, 15] as const;

/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6b) >>> 0;
    s ^= s + Math.imul(s ^ (s >>> 7), 61);
    return ((s ^ (s >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fills a redis-server with every value type and encoding it writes, in
 * several databases, keys with and without TTL. Needs `enable-debug-command`
 * for the list node stored plain. Returns how many keys each database holds.
 */
export async function fillEveryType(redis: Redis): Promise<Record<number, number>> {
  const random = rng(12);
  const hourFromNow = Date.now() + 3_600_000;
  await redis.select(0);
  // Strings: the integer encodings (8, 16, 32 bits and beyond), embstr, raw, compressible and not.
  await redis.mset('str:int8', '-7', 'str:int16', '-3000', 'str:int32', '100000', 'str:int64', '9007199254740993');
  await redis.set('str:embstr', 'hello');
  await redis.set('str:raw', 'r'.repeat(200));
  await redis.set('str:lzf', 'abc'.repeat(100_000));
  await redis.set('str:random', randomBytes(300_000));
  await redis.set('str:empty', '');
  await redis.set(Buffer.from([0, 13, 10, 0xff, 0xfe]), Buffer.from([1, 2, 3, 0, 13, 10]));
  await redis.set('str:utf8 日本 𝄞', 'é€');
  // Lists: one listpack node, many nodes, and a node stored plain (an element above the packed threshold).
  await redis.rpush('list:small', 'a', '1', '-2', 'ccc');
  await redis.rpush('list:big', ...Array.from({ length: 5000 }, (_, i) => `item-${i}-${'x'.repeat(i % 50)}`));
  await redis.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100');
  await redis.rpush('list:plain', 'small', 'p'.repeat(500), 'tail');
  await redis.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824');
  // Sets: intset, hashtable of integers, hashtable of strings.
  await redis.sadd('set:ints', 1, 2, 3, -40000, 2_000_000_000);
  await redis.sadd('set:many-ints', ...Array.from({ length: 1000 }, (_, i) => i * 7));
  await redis.sadd('set:strings', ...Array.from({ length: 300 }, (_, i) => `member-${i}`));
  // Sorted sets: listpack and skiplist, with infinities and fractions.
  await redis.zadd('zset:small', 1, 'one', 2.5, 'two and a half', '-inf', 'low', '+inf', 'high');
  await redis.zadd(
    'zset:big',
    ...Array.from({ length: 400 }, (_, i) => [String(random() * 1e6 - 5e5), `m${i}`]).flat(),
  );
  // Hashes: listpack, hashtable by count, hashtable by value size.
  await redis.hset('hash:small', { f1: 'v1', f2: '22', f3: '' });
  await redis.hset(
    'hash:big',
    Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field-${i}`, `value-${i}`])),
  );
  await redis.hset('hash:long-value', { f: 'v'.repeat(100) });
  // A stream with deleted entries, two consumer groups, pending entries and consumers.
  for (let i = 0; i < 300; i++) await redis.xadd('stream', '*', 'n', String(i), 'payload', 'y'.repeat(i % 40));
  const ids = (await redis.xrange('stream', '-', '+', 'COUNT', 20)).map(([id]) => id);
  await redis.xdel('stream', ...ids.slice(0, 5));
  await redis.xgroup('CREATE', 'stream', 'workers', '0');
  await redis.xgroup('CREATE', 'stream', 'auditors', '$');
  await redis.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 10, 'STREAMS', 'stream', '>');
  await redis.xreadgroup('GROUP', 'workers', 'bob', 'COUNT', 7, 'STREAMS', 'stream', '>');
  const pending = (await redis.xrange('stream', '-', '+', 'COUNT', 9)).map(([id]) => id);
  await redis.xack('stream', 'workers', ...pending.slice(5, 8));
  await redis.call('XGROUP', 'CREATECONSUMER', 'stream', 'workers', 'carol');
  await redis.xadd('stream:empty-after-trim', '*', 'k', 'v');
  await redis.xtrim('stream:empty-after-trim', 'MAXLEN', 0);
  // TTLs: relative and absolute, on several types.
  await redis.set('ttl:string', 'expires', 'PX', 7_200_000);
  await redis.rpush('ttl:list', 'x', 'y');
  await redis.pexpireat('ttl:list', hourFromNow);
  await redis.hset('ttl:hash', { a: '1' });
  await redis.expire('ttl:hash', 86_400);

  await redis.select(1);
  for (let i = 0; i < 50; i++) await redis.set(`db1:key:${i}`, `value-${i}`, 'PX', 600_000 + i);
  await redis.sadd('db1:set', 'a', 'b');
  await redis.select(5);
  await redis.zadd('db5:zset', 1, 'a');
  await redis.set('db5:counter', '42');
  await redis.select(15);
  await redis.set('db15:only', 'last database', 'PX', 5_000_000);
  await redis.select(0);

  const sizes: Record<number, number> = {};
  for (const db of DATASET_DBS) {
    await redis.select(db);
    sizes[db] = await redis.dbsize();
  }
  await redis.select(0);
  return sizes;
}

/**
 * Reads a cache as the scan-dump backup does: per database, SCAN then DUMP
 * and the absolute expiry of each key (PEXPIRETIME, exact to the millisecond).
 */
export async function* dumpEntries(redis: Redis, dbs: readonly number[]): AsyncGenerator<RdbEntry> {
  for (const db of dbs) {
    await redis.select(db);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', 200);
      cursor = next.toString();
      const pipeline = redis.pipeline();
      for (const key of keys) {
        pipeline.dumpBuffer(key);
        pipeline.call('PEXPIRETIME', key);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < keys.length; i++) {
        const dump = replies[2 * i]?.[1] as Buffer | null;
        const expiresAt = Number(replies[2 * i + 1]?.[1]);
        if (!dump) continue;
        yield { db, key: keys[i] as Buffer, dump, ...(expiresAt >= 0 ? { expiresAtMs: expiresAt } : {}) };
      }
    } while (cursor !== '0');
  }
  await redis.select(0);
}

/** Everything a user can observe of a key: type, encoding, content, expiry and, where it is deterministic, its DUMP. */
export async function describeKey(redis: Redis, key: Buffer): Promise<unknown> {
  const type = await redis.type(key);
  const encoding = await redis.object('ENCODING', key);
  const expiresAt = await redis.call('PEXPIRETIME', key);
  const content = await contentOf(redis, key, type);
  // A hashtable's DUMP follows its hash order, which differs between processes.
  const dump = encoding === 'hashtable' ? undefined : (await redis.dumpBuffer(key))?.toString('hex');
  return { type, encoding, expiresAt, content, dump };
}

async function contentOf(redis: Redis, key: Buffer, type: string): Promise<unknown> {
  const hex = (values: Buffer[]) => values.map((v) => v.toString('hex'));
  switch (type) {
    case 'string':
      return (await redis.getBuffer(key))?.toString('hex');
    case 'list':
      return hex(await redis.lrangeBuffer(key, 0, -1));
    case 'set':
      return hex(await redis.smembersBuffer(key)).sort();
    case 'zset':
      return await redis.zrange(key, 0, '-1', 'WITHSCORES');
    case 'hash':
      return Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b));
    case 'stream':
      return await redis.call('XINFO', 'STREAM', key, 'FULL');
    default:
      throw new Error(`unexpected type ${type}`);
  }
}

/** Every key of the given databases, described, by database then key. */
export async function describeAll(redis: Redis, dbs: readonly number[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const db of dbs) {
    await redis.select(db);
    const keys = (await redis.keysBuffer('*')).sort(Buffer.compare);
    for (const key of keys) out[`${db}/${key.toString('hex')}`] = await describeKey(redis, key);
  }
  await redis.select(0);
  return out;
}
