import { emptyListpack, intset16, len, str, u32le, u64le, ziplist, zipmap } from './rdb-bytes';

/** Records of the formats Redis 7.0 does not write, built byte by byte after Redis' src/rdb.c. */

const key = (type: number, name: string, ...value: Buffer[]) => Buffer.concat([Buffer.of(type), str(name), ...value]);
const aux = (name: string, value: Buffer) => Buffer.concat([Buffer.of(0xfa), str(name), value]);
const streamId = (ms: number, seq: number) => Buffer.concat([u64le(ms).reverse(), u64le(seq).reverse()]);
const farFuture = 2_000_000_000; // 2033, in seconds (EXPIRETIME holds a signed 32-bit number)

/**
 * What engines before Redis 7 wrote (and Redis 7 still loads): values as
 * plain element lists, text-encoded sorted-set scores, ziplists, zipmaps,
 * intsets, the first quicklist format; module values and module AUX data;
 * strings as integers and LZF; expiry in seconds; LRU/LFU opcodes.
 */
export function legacyRecords(): Buffer[] {
  const float = Buffer.alloc(4);
  float.writeFloatLE(1.5);
  const double = Buffer.alloc(8);
  double.writeDoubleLE(-2.25);
  const seconds = Buffer.alloc(4);
  seconds.writeUInt32LE(farFuture);
  return [
    // "abcabcabc": LZF literal run "abc", then a back reference copying 6 bytes from 3 back.
    aux('compressed', Buffer.of(0xc3, 6, 9, 2, 0x61, 0x62, 0x63, 0x80, 2)),
    aux('number', Buffer.concat([Buffer.of(0xc2), u32le(-1234567 >>> 0)])),
    aux('literal', str('short')),
    Buffer.of(0xfe, 0, 0xfb, 11, 2),
    Buffer.concat([Buffer.of(0xfd), seconds]),
    key(1, 'list', len(3), str('a'), Buffer.of(0xc0, 0x7f), str('c')),
    Buffer.concat([Buffer.of(0xfc), u64le(farFuture * 1000)]),
    key(2, 'set', len(2), str('a'), str('b')),
    Buffer.of(0xf8, 5, 0xf9, 3),
    key(
      3,
      'zset',
      len(3),
      str('m1'),
      Buffer.of(3),
      Buffer.from('1.5'),
      str('m2'),
      Buffer.of(254),
      str('m3'),
      Buffer.of(255),
    ),
    key(4, 'hash', len(2), str('f'), str('v'), str('g'), str('w')),
    key(
      9,
      'zipmap',
      str(
        zipmap([
          ['k1', 'v1'],
          ['k2', 'v2'],
        ]),
      ),
    ),
    key(10, 'ziplist-list', str(ziplist(['a', 'b', 'c']))),
    key(11, 'intset', str(intset16([3, 1, -2]))),
    key(12, 'zset-ziplist', str(ziplist(['m1', '1', 'm2', '2.5']))),
    key(13, 'hash-ziplist', str(ziplist(['f1', 'v1', 'f2', 'v2']))),
    key(14, 'quicklist', len(2), str(ziplist(['a', 'b'])), str(ziplist(['c']))),
    key(0, 'lzf-string', Buffer.of(0xc3, 6, 9, 2, 0x61, 0x62, 0x63, 0x80, 2)),
    // Module AUX: module id, "when" as an unsigned-integer field, then fields up to EOF.
    Buffer.concat([Buffer.of(0xf7), len(0x12345), len(2), len(2), len(2), len(7), len(5), str('aux'), len(0)]),
    Buffer.of(0xfe, 2),
    // A module value: module id, then typed fields up to EOF (signed, float, double, string).
    key(7, 'module-key', len(0x12345), len(1), len(5), len(3), float, len(4), double, len(5), str('state'), len(0)),
  ];
}

/**
 * What Redis 7.2 and 7.4 add: listpack sets, the third stream format (consumer
 * active time), the first stream format, hashes with field expiry (both the
 * release-candidate and final formats), cluster slot info, and functions.
 */
export function newerRecords(): Buffer[] {
  const id = streamId(1_700_000_000_000, 1);
  return [
    Buffer.concat([Buffer.of(0xf5), str("#!lua name=lib\nredis.register_function('f', function() return 1 end)")]),
    Buffer.of(0xfe, 0),
    Buffer.of(0xf4, 5, 1, 0),
    key(20, 'listpack-set', str(emptyListpack())),
    key(
      21,
      'stream-v3',
      len(1),
      str(id),
      str(emptyListpack()),
      ...[1, 1_700_000_000_000, 1, 1_700_000_000_000, 1, 0, 0, 1].map(len),
      len(1), // one group
      str('group'),
      len(1_700_000_000_000),
      len(1),
      len(1), // offset
      len(1), // global PEL: ID, delivery time, delivery count
      id,
      u64le(1_700_000_000_500),
      len(1),
      len(1), // one consumer: name, seen time, active time, owned IDs
      str('consumer'),
      u64le(1_700_000_000_500),
      u64le(1_700_000_000_500),
      len(1),
      id,
    ),
    key(21, 'stream-v3-empty', len(0), ...[0, 0, 0, 0, 0, 0, 0, 0].map(len), len(0)),
    key(
      15,
      'stream-v1',
      len(1),
      str(id),
      str(emptyListpack()),
      ...[1, 1_700_000_000_000, 1].map(len),
      len(1),
      str('group'),
      len(0),
      len(0),
      len(0),
      len(1),
      str('consumer'),
      u64le(1_700_000_000_500),
      len(0),
    ),
    key(
      24,
      'hash-field-ttl',
      u64le(1_900_000_000_000),
      len(2),
      len(0),
      str('f1'),
      str('v1'),
      len(5),
      str('f2'),
      str('v2'),
    ),
    key(25, 'hash-field-ttl-listpack', u64le(1_900_000_000_000), str(emptyListpack())),
    key(22, 'hash-field-ttl-rc', len(1), len(1_900_000_000_000), str('f'), str('v')),
    key(23, 'hash-field-ttl-listpack-rc', str(emptyListpack())),
  ];
}
