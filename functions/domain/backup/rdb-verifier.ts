import { InvalidBackupError } from '../errors';
import { rdbVersionOf, RDB_HEADER_BYTES } from '../rdb';
import { ChunkReader } from './chunk-reader';
import { crcHex } from './crc64';
import { FIRST_CHECKSUMMED_RDB_VERSION, OPCODE, isValueType, printableKey } from './rdb-format';
import { readLength, readString, skipString } from './rdb-strings';
import { skipModuleFields, skipValue } from './rdb-values';

/** What a complete, intact RDB file holds. */
export interface RdbVerification {
  readonly rdbVersion: number;
  readonly keys: number;
  readonly keysPerDb: Readonly<Record<number, number>>;
  readonly keysWithExpiry: number;
  /** The AUX fields (redis-ver, ctime, …); values over AUX_VALUE_LIMIT bytes are left out. */
  readonly aux: Readonly<Record<string, string>>;
  /** The file's size. */
  readonly bytes: number;
  /** The most bytes of the file held in memory at once while reading it. */
  readonly peakBufferedBytes: number;
}

/** AUX fields are a few bytes each; a longer one is skipped rather than held. */
export const AUX_VALUE_LIMIT = 64 * 1024;
/** Keys are read for error messages up to this size; longer ones are skipped. */
const KEY_READ_LIMIT = 1024;

/**
 * Reads an RDB file to its end as a stream, in constant memory whatever its
 * size, the way a Redis engine loads it (rdbLoadRio in src/rdb.c): header,
 * AUX fields, databases and resize hints, expiry and eviction opcodes,
 * function libraries, module AUX data and every value type, each skipped by
 * its encoding; then the EOF opcode and the CRC-64 of the whole file.
 *
 * Stricter than the engine: a file without a checksum (RDB before 5, or saved
 * with `rdbchecksum no`) or with bytes after its checksum is refused, since
 * its integrity cannot be shown. Throws InvalidBackupError saying what is
 * wrong and at which byte (`offset`).
 */
export async function verifyRdb(source: AsyncIterable<Uint8Array>): Promise<RdbVerification> {
  const r = new ChunkReader(source);
  await r.ensure(RDB_HEADER_BYTES);
  let rdbVersion: number;
  try {
    rdbVersion = rdbVersionOf(r.take(RDB_HEADER_BYTES));
  } catch (error) {
    if (!(error instanceof InvalidBackupError)) throw error;
    throw new InvalidBackupError(`${error.message} at byte 0`, { offset: 0, cause: error });
  }
  if (rdbVersion < FIRST_CHECKSUMMED_RDB_VERSION)
    throw new InvalidBackupError(`RDB version ${rdbVersion} carries no checksum: its integrity cannot be checked`, {
      offset: 5,
    });

  const keysPerDb: Record<number, number> = {};
  const aux: Record<string, string> = {};
  let keys = 0;
  let keysWithExpiry = 0;
  let db = 0;
  let expiring = false;

  for (;;) {
    const at = r.offset;
    await r.ensure(1);
    const opcode = r.u8();
    switch (opcode) {
      case OPCODE.EOF:
        await checkTrailer(r, at);
        return {
          rdbVersion,
          keys,
          keysPerDb,
          keysWithExpiry,
          aux,
          bytes: r.offset,
          peakBufferedBytes: r.peakBufferedBytes,
        };
      case OPCODE.SELECTDB:
        db = await readLength(r);
        continue;
      case OPCODE.RESIZEDB:
        await readLength(r);
        await readLength(r);
        continue;
      case OPCODE.SLOT_INFO:
        for (let n = 0; n < 3; n++) await readLength(r);
        continue;
      case OPCODE.EXPIRETIME_MS:
        await r.skip(8);
        expiring = true;
        continue;
      case OPCODE.EXPIRETIME:
        await r.skip(4);
        expiring = true;
        continue;
      case OPCODE.FREQ:
        await r.skip(1);
        continue;
      case OPCODE.IDLE:
        await readLength(r);
        continue;
      case OPCODE.AUX: {
        const name = await readString(r, AUX_VALUE_LIMIT);
        const value = await readString(r, AUX_VALUE_LIMIT);
        if (name !== undefined && value !== undefined) aux[name.toString()] = value.toString();
        continue;
      }
      case OPCODE.MODULE_AUX:
        await readLength(r);
        if ((await readLength(r)) !== 2)
          throw r.error('a module AUX record whose "when" is not an unsigned integer', at);
        await readLength(r);
        await skipModuleFields(r);
        continue;
      case OPCODE.FUNCTION2:
        await skipString(r);
        continue;
      case OPCODE.FUNCTION_PRE_GA:
        throw r.error('functions in the format of the Redis 7.0 release candidates, which no engine loads', at);
    }
    if (!isValueType(opcode)) throw r.error(`unknown opcode or value type ${opcode}`, at);
    const keyAt = r.offset;
    const key = await readString(r, KEY_READ_LIMIT);
    try {
      await skipValue(r, opcode, at);
    } catch (error) {
      if (!(error instanceof InvalidBackupError)) throw error;
      const which = key ? `key ${printableKey(key)}` : `the key at byte ${keyAt}`;
      throw new InvalidBackupError(`${error.message}, in the value of ${which} (database ${db})`, {
        offset: error.offset,
        cause: error,
      });
    }
    keys++;
    keysPerDb[db] = (keysPerDb[db] ?? 0) + 1;
    if (expiring) keysWithExpiry++;
    expiring = false;
  }
}

/** After EOF: the CRC-64 of everything before it, then nothing. */
async function checkTrailer(r: ChunkReader, eofAt: number): Promise<void> {
  const computed = r.stopChecksum();
  const checksumAt = r.offset;
  await r.ensure(8);
  const stored = r.take(8);
  if (stored.every((byte) => byte === 0))
    throw r.error(
      'the file was saved without a checksum (rdbchecksum no): its integrity cannot be checked',
      checksumAt,
    );
  if (!computed.matches(stored))
    throw r.error(
      `CRC-64 mismatch: the file says ${crcHex(stored.readBigUInt64LE(0))}, its content gives ${crcHex(computed.value)}; the file is corrupt`,
      checksumAt,
    );
  if (!(await r.atEnd())) throw r.error(`unexpected bytes after the checksum (the file ends at byte ${eofAt + 9})`);
}
