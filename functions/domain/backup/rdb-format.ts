import { Buffer } from 'node:buffer';

/**
 * The RDB file format, as Redis defines it in src/rdb.h and writes it in
 * src/rdb.c: "REDIS" and a four-digit version, then a sequence of opcodes
 * (one byte each) and key/value records, an EOF opcode, and the CRC-64 of
 * everything before it.
 */

/** Opcodes that are not value types (RDB_OPCODE_* in rdb.h). */
export const OPCODE = {
  SLOT_INFO: 0xf4,
  FUNCTION2: 0xf5,
  FUNCTION_PRE_GA: 0xf6,
  MODULE_AUX: 0xf7,
  IDLE: 0xf8,
  FREQ: 0xf9,
  AUX: 0xfa,
  RESIZEDB: 0xfb,
  EXPIRETIME_MS: 0xfc,
  EXPIRETIME: 0xfd,
  SELECTDB: 0xfe,
  EOF: 0xff,
} as const;

/** Value types (RDB_TYPE_* in rdb.h): the byte before each key. */
export const TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
  HASH_METADATA_PRE_GA: 22,
  HASH_LISTPACK_EX_PRE_GA: 23,
  HASH_METADATA: 24,
  HASH_LISTPACK_EX: 25,
} as const;

/** Whether a byte names a value type (rdbIsObjectType). */
export function isValueType(type: number): boolean {
  return (type >= 0 && type <= 7) || (type >= 9 && type <= 25);
}

/** Special string encodings, announced by a length byte 11xxxxxx (RDB_ENC_*). */
export const STRING_ENCODING = { INT8: 0, INT16: 1, INT32: 2, LZF: 3 } as const;

/** Sub-opcodes of a module value or module AUX record (RDB_MODULE_OPCODE_*). */
export const MODULE_OPCODE = { EOF: 0, SINT: 1, UINT: 2, FLOAT: 3, DOUBLE: 4, STRING: 5 } as const;

/** Quicklist node containers in RDB_TYPE_LIST_QUICKLIST_2 (QUICKLIST_NODE_CONTAINER_*). */
export const QUICKLIST_CONTAINER = { PLAIN: 1, PACKED: 2 } as const;

/**
 * The oldest format this writer produces: AUX fields and RESIZEDB hints came
 * with RDB 7 (Redis 3.2); every engine a backup is restored to loads it.
 */
export const MIN_WRITTEN_RDB_VERSION = 7;

/** Below this version a file carries no checksum (RDB 5, Redis 2.6). */
export const FIRST_CHECKSUMMED_RDB_VERSION = 5;

/** "REDIS" and the version on four digits. */
export function rdbHeader(version: number): Buffer {
  return Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1');
}

/** Bytes a length takes at most. */
export const MAX_LENGTH_BYTES = 9;

/**
 * Writes a length as Redis saves it (rdbSaveLen) at `at` in `target`: 6 bits
 * in one byte, 14 bits in two, else a marker byte and 32 or 64 bits
 * big-endian. Returns the offset after it.
 */
export function writeLength(target: Buffer, at: number, length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`length ${length} is not a count`);
  if (length < 1 << 6) {
    target[at] = length;
    return at + 1;
  }
  if (length < 1 << 14) {
    target[at] = 0x40 | (length >> 8);
    target[at + 1] = length & 0xff;
    return at + 2;
  }
  if (length <= 0xffffffff) {
    target[at] = 0x80;
    return target.writeUInt32BE(length, at + 1);
  }
  target[at] = 0x81;
  return target.writeBigUInt64BE(BigInt(length), at + 1);
}

/** A length as Redis saves it, on its own. */
export function encodeLength(length: number): Buffer {
  const out = Buffer.allocUnsafe(MAX_LENGTH_BYTES);
  return out.subarray(0, writeLength(out, 0, length));
}

const MAX_SHOWN_KEY = 120;

/** A key as messages show it: quoted text when it is UTF-8, else hex; long ones cut. */
export function printableKey(key: Uint8Array): string {
  const bytes = Buffer.from(key.buffer, key.byteOffset, Math.min(key.byteLength, MAX_SHOWN_KEY));
  const more = key.byteLength > MAX_SHOWN_KEY ? `… (${key.byteLength} bytes)` : '';
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) + more;
  } catch {
    return `0x${bytes.toString('hex')}${more}`;
  }
}
