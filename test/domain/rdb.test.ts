import { InvalidBackupError } from '../../functions/domain/errors';
import { RDB_HEADER_BYTES, looksLikeRdbKey, maxRdbVersionLoadedBy, rdbVersionOf } from '../../functions/domain/rdb';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('rdbVersionOf: is this object an RDB backup an engine can load?', () => {
  it('reads exactly the header: "REDIS" and four digits', () => {
    expect(RDB_HEADER_BYTES).toBe('REDIS0011'.length);
  });

  it.each<[string, Uint8Array, number]>([
    ['Redis 7.0 writes RDB 10', bytes('REDIS0010'), 10],
    ['Redis 7.2 and Valkey 8 write RDB 11', bytes('REDIS0011'), 11],
    ['Valkey 8 can write RDB 80', bytes('REDIS0080'), 80],
    ['the oldest format, 1, is accepted', bytes('REDIS0001'), 1],
    ['the newest two-digit format, 99, is accepted', bytes('REDIS0099'), 99],
    ['what follows the header does not matter', Uint8Array.of(...bytes('REDIS0011'), 0xfa, 0x09, 0x72), 11],
  ])('%s', (_case, header, version) => {
    expect(rdbVersionOf(header)).toBe(version);
  });

  it.each<[string, Uint8Array, string]>([
    ['an empty object', new Uint8Array(0), 'backup is shorter than an RDB header'],
    ['an object shorter than the header', bytes('REDIS001'), 'backup is shorter than an RDB header'],
    [
      'a gzip file',
      Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0),
      'backup does not start with the RDB magic "REDIS"',
    ],
    ['a lower-case magic', bytes('redis0011'), 'backup does not start with the RDB magic "REDIS"'],
    ['an AOF file', bytes('*2\r\n$6\r\nSELECT\r\n'), 'backup does not start with the RDB magic "REDIS"'],
    ['a version that is not four digits', bytes('REDIS00a1'), 'RDB version "00a1" is not four digits'],
    ['version 0', bytes('REDIS0000'), 'RDB version 0 is not supported'],
    ['a version above 99', bytes('REDIS0100'), 'RDB version 100 is not supported'],
  ])('refuses %s, saying why', (_case, header, message) => {
    expect(() => rdbVersionOf(header)).toThrow(InvalidBackupError);
    expect(() => rdbVersionOf(header)).toThrow(message);
  });
});

describe('looksLikeRdbKey', () => {
  it.each<[string, boolean]>([
    ['dump.rdb', true],
    ['backups/sessions/2024-05-14T09-00.rdb', true],
    ['backups/sessions/2024-05-14T09-00.rdb.gz', false],
    ['backups/sessions/appendonly.aof', false],
    ['backups/sessions/', false],
  ])('%s → %s', (key, expected) => {
    expect(looksLikeRdbKey(key)).toBe(expected);
  });
});

describe('maxRdbVersionLoadedBy', () => {
  it('knows which RDB formats each engine loads, and sets no limit without a version or from Valkey 8.1', () => {
    expect(maxRdbVersionLoadedBy('valkey', '7.2')).toBe(11);
    expect(maxRdbVersionLoadedBy('valkey', '8.0')).toBe(11);
    expect(maxRdbVersionLoadedBy('valkey', '8.1')).toBeUndefined();
    expect(maxRdbVersionLoadedBy('redis', '7.0')).toBe(10);
    expect(maxRdbVersionLoadedBy('redis', '7.1')).toBe(10);
    expect(maxRdbVersionLoadedBy('redis', '6.2')).toBe(9);
    expect(maxRdbVersionLoadedBy('redis', undefined)).toBeUndefined();
  });

  it.each<['redis' | 'valkey', string | undefined, number | undefined]>([
    ['redis', '7.2', 11],
    ['redis', '7.4', 12],
    ['redis', '8.0', 12],
    ['redis', '5.0.6', 9],
    ['redis', '4.0.10', 8],
    ['redis', '3.2.6', 7],
    ['valkey', '7.2.6', 11],
    ['valkey', '9.0', undefined],
    ['valkey', undefined, undefined],
    ['redis', 'latest', undefined],
  ])('%s %s → RDB formats up to %s', (engine, version, max) => {
    expect(maxRdbVersionLoadedBy(engine, version)).toBe(max);
  });
});
