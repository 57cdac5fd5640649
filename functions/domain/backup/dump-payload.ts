import { Buffer } from 'node:buffer';
import { InvalidDumpPayloadError } from '../errors';
import { Crc64 } from './crc64';
import { isValueType, printableKey } from './rdb-format';

/**
 * What `DUMP key` returns (createDumpPayload in Redis): the value type byte,
 * the value exactly as an RDB file stores it, the RDB version of the engine
 * that serialized it (2 bytes, little-endian) and the CRC-64 of all that
 * (8 bytes, little-endian).
 */
export interface DumpPayload {
  /** The RDB value type (TYPE in rdb-format). */
  readonly type: number;
  /** The value's bytes as an RDB file holds them after the key. */
  readonly value: Buffer;
  /** The RDB version the payload was written in. */
  readonly rdbVersion: number;
}

const FOOTER_BYTES = 10;

/** Checks a DUMP payload (length, type, version, CRC-64) and splits it; errors name the key. */
export function parseDumpPayload(dump: Uint8Array, key: Uint8Array): DumpPayload {
  const fail = (why: string) =>
    new InvalidDumpPayloadError(`DUMP payload of key ${printableKey(key)} ${why}`, { key: printableKey(key) });
  const payload = Buffer.from(dump.buffer, dump.byteOffset, dump.byteLength);
  if (payload.length < FOOTER_BYTES + 2) throw fail(`is ${payload.length} bytes, too short to hold a value`);
  const crcAt = payload.length - 8;
  if (!new Crc64().update(payload.subarray(0, crcAt)).matches(payload.subarray(crcAt)))
    throw fail('fails its CRC-64 check');
  const rdbVersion = payload.readUInt16LE(payload.length - FOOTER_BYTES);
  if (rdbVersion < 1 || rdbVersion > 99) throw fail(`has RDB version ${rdbVersion}, which no engine writes`);
  const type = payload[0] as number;
  if (!isValueType(type)) throw fail(`has unknown value type ${type}`);
  return { type, value: payload.subarray(1, payload.length - FOOTER_BYTES), rdbVersion };
}
