import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc64, Crc64, crcHex } from '../../functions/domain/backup/crc64';
import { parseDumpPayload } from '../../functions/domain/backup/dump-payload';
import { RdbWriter, type RdbEntry, type RdbWriterOptions } from '../../functions/domain/backup/rdb-writer';
import { verifyRdb } from '../../functions/domain/backup/rdb-verifier';
import { IncompatibleBackupError, InvalidDumpPayloadError, ValidationError } from '../../functions/domain/errors';
import { chunked, dumpPayload, str, stringDump, u64le } from './rdb-bytes';

const run = promisify(execFile);
const options: RdbWriterOptions = { sourceVersion: '7.0.15', createdAt: new Date('2030-01-01T00:00:00Z') };
const entry = (key: string, value: string, extra: Partial<RdbEntry> = {}): RdbEntry => ({
  db: 0,
  key: Buffer.from(key),
  dump: stringDump(value),
  ...extra,
});

async function write(entries: RdbEntry[], more: Partial<RdbWriterOptions> = {}) {
  const writer = new RdbWriter(entries, { ...options, ...more });
  const chunks: Buffer[] = [];
  for await (const chunk of writer) chunks.push(chunk);
  return { file: Buffer.concat(chunks), chunks, summary: writer.summary };
}

describe('CRC-64 (Jones, reflected), as Redis computes it', () => {
  it('gives Redis\' own test vector: crc64("123456789") = 0xe9c6d914c4b8d9ca', () => {
    expect(crcHex(crc64(Buffer.from('123456789')))).toBe('0xe9c6d914c4b8d9ca');
  });

  it('is the same whether the bytes come at once or in pieces of any size', () => {
    const bytes = Buffer.from(Array.from({ length: 10_007 }, (_, i) => (i * 31) & 0xff));
    for (const size of [1, 3, 7, 8, 9, 4096]) {
      const running = new Crc64();
      for (let i = 0; i < bytes.length; i += size) running.update(bytes.subarray(i, i + size));
      expect(running.value).toBe(crc64(bytes));
    }
  });

  it('of nothing is 0, and it is stored little-endian', () => {
    expect(crc64(Buffer.alloc(0))).toBe(0n);
    const crc = new Crc64().update(Buffer.from('123456789'));
    expect(crc.toBytes().toString('hex')).toBe('cad9b8c414d9c6e9');
    expect(crc.matches(Buffer.from('cad9b8c414d9c6e9', 'hex'))).toBe(true);
  });
});

describe('parseDumpPayload', () => {
  it('splits a DUMP payload into type, value and RDB version', () => {
    expect(parseDumpPayload(stringDump('hello', 11), Buffer.from('k'))).toEqual({
      type: 0,
      value: Buffer.from('\x05hello'),
      rdbVersion: 11,
    });
  });

  it.each<[string, Buffer, string]>([
    ['a flipped byte', Buffer.from(stringDump('hello')).fill(0x41, 3, 4), 'fails its CRC-64 check'],
    ['a payload cut short', stringDump('hello').subarray(0, 10), 'is 10 bytes, too short to hold a value'],
    ['an unknown type', dumpPayload(8, Buffer.from('\x01x')), 'has unknown value type 8'],
    ['version 0', dumpPayload(0, Buffer.from('\x01x'), 0), 'has RDB version 0, which no engine writes'],
  ])('refuses %s, naming the key', (_case, dump, why) => {
    const attempt = () => parseDumpPayload(dump, Buffer.from('user:1'));
    expect(attempt).toThrow(InvalidDumpPayloadError);
    expect(attempt).toThrow(`DUMP payload of key "user:1" ${why}`);
    expect(() => parseDumpPayload(dump, Buffer.from([0xff, 0x00]))).toThrow('DUMP payload of key 0xff00');
  });
});

describe('RdbWriter', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rdb-writer-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = async (file: Buffer) => {
    const path = join(dir, `${Math.random()}.rdb`);
    writeFileSync(path, file);
    return (await run('redis-check-rdb', [path])).stdout;
  };

  it('writes the RDB version of the payloads, AUX fields, SELECTDB, RESIZEDB, expiries, EOF and the CRC-64', async () => {
    const { file, summary } = await write(
      [entry('a', '1'), entry('b', 'two', { expiresAtMs: 1_900_000_000_123 }), entry('c', 'three', { db: 3 })],
      { aux: { 'cache-outage-method': 'scan-dump' }, dbSizes: new Map([[0, { keys: 2, expires: 1 }]]) },
    );
    expect(file.subarray(0, 9).toString()).toBe('REDIS0010');
    expect(summary).toEqual({
      rdbVersion: 10,
      keys: 3,
      keysPerDb: { 0: 2, 3: 1 },
      keysWithExpiry: 1,
      bytes: file.length,
    });
    const resize = Buffer.from([0xfe, 0, 0xfb, 2, 1]);
    expect(file.indexOf(resize)).toBeGreaterThan(0);
    const expiry = Buffer.concat([Buffer.of(0xfc), u64le(1_900_000_000_123), Buffer.of(0), str('b')]);
    expect(file.indexOf(expiry)).toBeGreaterThan(0);
    expect(file.subarray(-8)).toEqual(new Crc64().update(file.subarray(0, -8)).toBytes());
    const stdout = await check(file);
    expect(stdout).toContain('RDB looks OK!');
    expect(stdout).toContain("AUX FIELD ctime = '1893456000'");
    expect(stdout).toContain('Selecting DB ID 3');
  });

  it('keeps the version of older payloads, raised to RDB 7 where AUX fields begin', async () => {
    expect((await write([entry('a', '1', { dump: stringDump('1', 9) })])).summary.rdbVersion).toBe(9);
    expect((await write([entry('a', '1', { dump: stringDump('1', 6) })])).summary.rdbVersion).toBe(7);
  });

  it('writes an empty cache as a valid file with no key', async () => {
    const { file, summary } = await write([]);
    expect(summary).toMatchObject({ rdbVersion: 9, keys: 0, keysPerDb: {} });
    expect(await check(file)).toContain('[info] 0 keys read');
    expect((await verifyRdb(chunked(file, 5))).keys).toBe(0);
  });

  it('gathers small records into chunks and passes large values through, never the file whole', async () => {
    const big = 'v'.repeat(300_000);
    const entries = [
      ...Array.from({ length: 5000 }, (_, i) => entry(`key:${i}`, `value-${i}`)),
      entry('big', big),
      entry('last', 'x'),
    ];
    const { chunks, file } = await write(entries);
    expect(chunks.length).toBeGreaterThan(2);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(big.length + 16);
    expect(chunks.filter((c) => c.length < 1024)).toHaveLength(1);
    expect((await verifyRdb(chunked(file, 4096))).keys).toBe(5002);
  });

  it('refuses a damaged DUMP payload, naming its key, before writing its value', async () => {
    const damaged = Buffer.from(stringDump('hello'));
    damaged[2] = (damaged[2] as number) ^ 0x20;
    const attempt = write([entry('fine', 'ok'), entry('session:42', '', { dump: damaged })]);
    await expect(attempt).rejects.toThrow(InvalidDumpPayloadError);
    await expect(write([entry('session:42', '', { dump: damaged })])).rejects.toMatchObject({
      key: '"session:42"',
      message: 'DUMP payload of key "session:42" fails its CRC-64 check',
    });
  });

  it('refuses payloads newer than the target engine loads', async () => {
    const attempt = write([entry('k', 'v', { dump: stringDump('v', 11) })], { maxRdbVersion: 10 });
    await expect(attempt).rejects.toThrow(IncompatibleBackupError);
    await expect(attempt).rejects.toThrow(
      'key "k" is serialized in RDB 11; the target engine loads RDB files up to version 10',
    );
    await expect(write([], { maxRdbVersion: 6 })).rejects.toThrow('backups are written in RDB 7 or newer');
  });

  it('refuses a payload newer than those before it, as the header is already written', async () => {
    const attempt = write([entry('a', '1'), entry('b', '2', { dump: stringDump('2', 11) })]);
    await expect(attempt).rejects.toThrow(
      'key "b" is serialized in RDB 11, newer than the RDB 10 of the keys before it',
    );
  });

  it('refuses a database the target does not have, and entries that are not keys', async () => {
    await expect(write([entry('a', '1', { db: 16 })])).rejects.toThrow(
      'key "a" is in database 16; the target engine has 16 databases',
    );
    await expect(write([entry('a', '1', { db: 1 })], { databases: 1 })).rejects.toThrow(IncompatibleBackupError);
    await expect(write([entry('a', '1', { db: -1 })])).rejects.toThrow(ValidationError);
    await expect(write([entry('a', '1', { expiresAtMs: 1.5 })])).rejects.toThrow(
      'expiresAtMs: 1.5 is not a time in milliseconds',
    );
  });

  it('is written once, and tells its summary only when done', async () => {
    const writer = new RdbWriter([entry('a', '1')], options);
    expect(() => writer.summary).toThrow('not written yet');
    for await (const _ of writer);
    expect(writer.summary.keys).toBe(1);
    await expect(
      (async () => {
        for await (const _ of writer);
      })(),
    ).rejects.toThrow('writes its file once');
  });
});
