import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { maxRdbVersionLoadedBy } from '../../functions/domain/rdb';
import { RdbWriter } from '../../functions/domain/backup/rdb-writer';
import { verifyRdb } from '../../functions/domain/backup/rdb-verifier';
import { startRedis, type RedisProcess } from '../../local/elasticache/redis-process';
import { DATASET_DBS, describeAll, dumpEntries, fillEveryType } from './dataset';

/**
 * A backup written from SCAN + DUMP of a real redis-server is a file Redis
 * itself accepts: redis-check-rdb passes it, and a plain redis-server loading
 * it holds every key with its value and expiry.
 */
const run = promisify(execFile);
const dirs: string[] = [];
const servers: RedisProcess[] = [];
const clients: Redis[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rdb-roundtrip-'));
  dirs.push(dir);
  return dir;
}

async function server(options: { dir: string; dbfilename?: string }): Promise<Redis> {
  const process = await startRedis({ ...options, extraArgs: ['--enable-debug-command', 'yes'] });
  servers.push(process);
  const client = new Redis({ host: '127.0.0.1', port: process.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  clients.push(client);
  return client;
}

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let source: Redis;
let sourceVersion: string;
let sizes: Record<number, number>;

beforeAll(async () => {
  source = await server({ dir: tempDir() });
  sizes = await fillEveryType(source);
  sourceVersion = /redis_version:(\S+)/.exec(await source.info('server'))?.[1] ?? '';
});

describe('an RDB file written from DUMP payloads', () => {
  let file: string;
  let writer: RdbWriter;
  const createdAt = new Date();

  beforeAll(async () => {
    const dir = tempDir();
    file = join(dir, 'backup.rdb');
    writer = new RdbWriter(dumpEntries(source, DATASET_DBS), {
      sourceVersion,
      createdAt,
      maxRdbVersion: maxRdbVersionLoadedBy('redis', sourceVersion),
      aux: { 'cache-outage-method': 'scan-dump', 'cache-outage-cache': 'sessions' },
      dbSizes: new Map(Object.entries(sizes).map(([db, keys]) => [Number(db), { keys, expires: 0 }])),
    });
    const started = Date.now();
    await pipeline(Readable.from(writer), createWriteStream(file));
    console.info(
      `written ${writer.summary.keys} keys, RDB ${writer.summary.rdbVersion}, ${statSync(file).size} bytes in ${Date.now() - started} ms`,
    );
  });

  it('says what it wrote: every key, per database, those with a TTL, and the RDB version of the source', () => {
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    expect(writer.summary).toEqual({
      rdbVersion: 10,
      keys: total,
      keysPerDb: sizes,
      keysWithExpiry: 3 + 50 + 1,
      bytes: statSync(file).size,
    });
  });

  it('is accepted by redis-check-rdb', async () => {
    const { stdout } = await run('redis-check-rdb', [file]);
    expect(stdout).toContain('Checksum OK');
    expect(stdout).toContain('RDB looks OK!');
    expect(stdout).toContain("AUX FIELD cache-outage-method = 'scan-dump'");
    expect(stdout).toContain(`[info] ${writer.summary.keys} keys read`);
    expect(stdout).toContain(`[info] ${writer.summary.keysWithExpiry} expires`);
  });

  it('loads into a plain redis-server with every key, value, encoding and expiry of the source', async () => {
    const target = await server({ dir: join(file, '..'), dbfilename: 'backup.rdb' });
    const [expected, actual] = [await describeAll(source, DATASET_DBS), await describeAll(target, DATASET_DBS)];
    expect(Object.keys(actual)).toHaveLength(writer.summary.keys);
    expect(actual).toEqual(expected);
    for (const db of DATASET_DBS) {
      await target.select(db);
      expect(await target.dbsize()).toBe(sizes[db]);
    }
  });

  it('is read back by the verifier, which finds what the writer wrote', async () => {
    const verification = await verifyRdb(createReadStream(file));
    expect(verification).toMatchObject({
      rdbVersion: writer.summary.rdbVersion,
      keys: writer.summary.keys,
      keysPerDb: writer.summary.keysPerDb,
      keysWithExpiry: writer.summary.keysWithExpiry,
      bytes: writer.summary.bytes,
    });
    expect(verification.aux).toEqual({
      'redis-ver': sourceVersion,
      'redis-bits': '64',
      ctime: String(Math.floor(createdAt.getTime() / 1000)),
      'cache-outage-method': 'scan-dump',
      'cache-outage-cache': 'sessions',
    });
  });
});
