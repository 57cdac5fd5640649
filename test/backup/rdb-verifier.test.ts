import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Crc64 } from '../../functions/domain/backup/crc64';
import { lzfDecompress } from '../../functions/domain/backup/rdb-strings';
import { verifyRdb } from '../../functions/domain/backup/rdb-verifier';
import { InvalidBackupError } from '../../functions/domain/errors';
import { startRedis, type RedisProcess } from '../../local/elasticache/redis-process';
import { fillEveryType } from './dataset';
import { chunked, rdbFile } from './rdb-bytes';
import { legacyRecords, newerRecords } from './rdb-legacy';

const run = promisify(execFile);
let dir: string;
let redis: RedisProcess;
let client: Redis;
/** dump.rdb as redis-server wrote it. */
let saved: Buffer;
let sizes: Record<number, number>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rdb-verifier-'));
  redis = await startRedis({ dir, extraArgs: ['--enable-debug-command', 'yes'] });
  client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  sizes = await fillEveryType(client);
  await client.call(
    'FUNCTION',
    'LOAD',
    "#!lua name=backuplib\nredis.register_function('answer', function(keys, args) return 42 end)",
  );
  await client.save();
  saved = readFileSync(join(dir, 'dump.rdb'));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(file: Buffer | AsyncIterable<Buffer>): Promise<InvalidBackupError> {
  const error = await verifyRdb(Buffer.isBuffer(file) ? chunked(file, 1000) : file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidBackupError);
  return error as InvalidBackupError;
}

describe('verifyRdb on files redis-server writes', () => {
  it('reads the dump.rdb of SAVE to its end: keys per database, expiries, AUX fields, functions', async () => {
    const started = Date.now();
    const result = await verifyRdb(createReadStream(join(dir, 'dump.rdb')));
    console.info(
      `redis-server dump.rdb: RDB ${result.rdbVersion}, ${result.bytes} bytes, verified in ${Date.now() - started} ms`,
    );
    const { stdout } = await run('redis-check-rdb', [join(dir, 'dump.rdb')]);
    expect(result.rdbVersion).toBe(Number(saved.subarray(5, 9).toString()));
    expect(result.keysPerDb).toEqual(sizes);
    expect(stdout).toContain(`[info] ${result.keys} keys read`);
    expect(stdout).toContain(`[info] ${result.keysWithExpiry} expires`);
    expect(result.keysWithExpiry).toBe(54);
    expect(result.bytes).toBe(statSync(join(dir, 'dump.rdb')).size);
    expect(result.aux['redis-ver']).toBe(/redis_version:(\S+)/.exec(await client.info('server'))?.[1]);
    expect(Number(result.aux.ctime)).toBeCloseTo(Date.now() / 1000, -2);
    expect(Object.keys(result.aux)).toEqual(expect.arrayContaining(['redis-bits', 'used-mem', 'aof-base']));
  });

  it('gives the same answer whatever the chunk size', async () => {
    const whole = await verifyRdb(chunked(saved, saved.length));
    for (const size of [7, 4096, 65_536])
      expect(await verifyRdb(chunked(saved, size))).toEqual({ ...whole, peakBufferedBytes: expect.any(Number) });
  });
});

describe('verifyRdb on the encodings older engines wrote and newer ones write', () => {
  it('reads plain lists, sets, hashes, text-scored zsets, ziplists, zipmaps, intsets, quicklists, modules: as redis-check-rdb does', async () => {
    const file = rdbFile(9, ...legacyRecords());
    const path = join(dir, 'legacy.rdb');
    writeFileSync(path, file);
    const { stdout } = await run('redis-check-rdb', [path]);
    expect(stdout).toContain('RDB looks OK!');
    const result = await verifyRdb(chunked(file, 3));
    expect(stdout).toContain(`[info] ${result.keys} keys read`);
    expect(result).toMatchObject({ rdbVersion: 9, keys: 12, keysPerDb: { 0: 11, 2: 1 }, keysWithExpiry: 2 });
    expect(stdout).toContain('[info] 2 expires');
    expect(stdout).toContain("AUX FIELD compressed = 'abcabcabc'");
    expect(result.aux).toEqual({ compressed: 'abcabcabc', number: '-1234567', literal: 'short' });
  });

  it('reads the stream, hash-field-expiry and slot formats of Redis 7.2 and 7.4', async () => {
    const result = await verifyRdb(chunked(rdbFile(12, ...newerRecords()), 5));
    expect(result).toMatchObject({ rdbVersion: 12, keys: 8, keysPerDb: { 0: 8 } });
  });

  it('decompresses LZF as liblzf does: literal runs and back references', () => {
    expect(lzfDecompress(Buffer.from([2, 0x61, 0x62, 0x63, 0x80, 2]), 9)?.toString()).toBe('abcabcabc');
    expect(lzfDecompress(Buffer.from([2, 0x61, 0x62, 0x63, 0x80, 9]), 9)).toBeUndefined();
    expect(lzfDecompress(Buffer.from([2, 0x61, 0x62]), 3)).toBeUndefined();
  });
});

describe('verifyRdb refuses damaged files, saying what and where', () => {
  it('a truncated file, wherever it is cut', async () => {
    const file = rdbFile(9, ...legacyRecords());
    for (let cut = 0; cut < file.length; cut++) {
      const error = await refusal(file.subarray(0, cut));
      expect(error.message).toMatch(/^the file is truncated: it ends at byte \d+/);
      expect(error.offset).toBe(cut);
    }
    const big = await refusal(saved.subarray(0, saved.length - 100_000));
    expect(big.message).toContain(`it ends at byte ${saved.length - 100_000}`);
  });

  it('a flipped byte anywhere', async () => {
    const file = rdbFile(9, ...legacyRecords());
    for (let at = 0; at < file.length; at++) {
      const damaged = Buffer.from(file);
      damaged[at] = (damaged[at] as number) ^ 0x10;
      await refusal(damaged);
    }
  });

  it('a flipped byte inside a value, by its CRC-64', async () => {
    const damaged = Buffer.from(saved);
    // Inside the 300,000 random bytes of str:random, stored as they are.
    const at = damaged.indexOf('str:random') + 1000;
    damaged[at] = (damaged[at] as number) ^ 0x01;
    const error = await refusal(damaged);
    expect(error.message).toMatch(
      /^CRC-64 mismatch: the file says 0x[0-9a-f]{16}, its content gives 0x[0-9a-f]{16}; the file is corrupt at byte \d+$/,
    );
    expect(error.offset).toBe(saved.length - 8);
  });

  it('a wrong magic, or something that is not an RDB file', async () => {
    expect((await refusal(Buffer.from('REDIX0010\xff01234567', 'latin1'))).message).toBe(
      'backup does not start with the RDB magic "REDIS" at byte 0',
    );
    expect((await refusal(Buffer.from('*2\r\n$6\r\nSELECT\r\n'))).offset).toBe(0);
    expect((await refusal(Buffer.alloc(0))).message).toContain('it ends at byte 0');
  });

  it('an unknown record type, naming its offset', async () => {
    const error = await refusal(rdbFile(10, Buffer.of(0x42, 1, 0x6b)));
    expect(error.message).toBe('unknown opcode or value type 66 at byte 9');
    expect(error.offset).toBe(9);
  });

  it('a value that breaks its encoding, naming the key', async () => {
    const badIntset = Buffer.concat([Buffer.of(11), Buffer.from('\x05myset'), Buffer.of(10), Buffer.alloc(10)]);
    const error = await refusal(rdbFile(10, Buffer.of(0xfe, 3), badIntset));
    expect(error.message).toBe(
      'a 10-byte intset whose header does not match its size at byte 18, in the value of key "myset" (database 3)',
    );
  });

  it('a file saved without a checksum, or with bytes after it', async () => {
    const unchecked = Buffer.concat([Buffer.from('REDIS0010'), Buffer.of(0xff), Buffer.alloc(8)]);
    expect((await refusal(unchecked)).message).toContain('saved without a checksum (rdbchecksum no)');
    expect((await refusal(Buffer.concat([saved, Buffer.from('\n')]))).message).toContain(
      'unexpected bytes after the checksum',
    );
    const body = Buffer.from('REDIS0004\xff', 'latin1');
    expect((await refusal(Buffer.concat([body, new Crc64().update(body).toBytes()]))).message).toContain(
      'RDB version 4 carries no checksum',
    );
  });
});
