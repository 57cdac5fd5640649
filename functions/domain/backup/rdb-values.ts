import type { ChunkReader } from './chunk-reader';
import { MODULE_OPCODE, QUICKLIST_CONTAINER, STRING_ENCODING, TYPE } from './rdb-format';
import { readLength, readLengthOrEncoding, readString, skipString } from './rdb-strings';

/**
 * Passes over one value of an RDB file by its encoding (rdbLoadObject in
 * Redis' src/rdb.c), holding none of it. Encoded containers (listpack,
 * ziplist, intset, zipmap) are single strings: their header and end byte are
 * checked when they are stored uncompressed.
 */
export async function skipValue(r: ChunkReader, type: number, at: number): Promise<void> {
  switch (type) {
    case TYPE.STRING:
      return skipString(r);
    case TYPE.LIST:
    case TYPE.SET:
      return skipStrings(r, await readLength(r));
    case TYPE.ZSET:
      for (let n = await readLength(r); n > 0; n--) {
        await skipString(r);
        await skipTextDouble(r);
      }
      return;
    case TYPE.ZSET_2:
      for (let n = await readLength(r); n > 0; n--) {
        await skipString(r);
        await r.skip(8);
      }
      return;
    case TYPE.HASH:
      return skipStrings(r, 2 * (await readLength(r)));
    case TYPE.MODULE_PRE_GA:
      throw r.error('a module value in the format of the Redis 4.0 release candidates, which no engine loads', at);
    case TYPE.MODULE_2:
      await readLength(r);
      return skipModuleFields(r);
    case TYPE.HASH_ZIPMAP:
      return skipBlob(r, 'zipmap');
    case TYPE.SET_INTSET:
      return skipBlob(r, 'intset');
    case TYPE.LIST_ZIPLIST:
    case TYPE.ZSET_ZIPLIST:
    case TYPE.HASH_ZIPLIST:
      return skipBlob(r, 'ziplist');
    case TYPE.HASH_LISTPACK_EX:
      await r.skip(8);
      return skipBlob(r, 'listpack');
    case TYPE.HASH_LISTPACK:
    case TYPE.ZSET_LISTPACK:
    case TYPE.SET_LISTPACK:
    case TYPE.HASH_LISTPACK_EX_PRE_GA:
      return skipBlob(r, 'listpack');
    case TYPE.LIST_QUICKLIST:
      for (let n = await readLength(r); n > 0; n--) await skipBlob(r, 'ziplist');
      return;
    case TYPE.LIST_QUICKLIST_2:
      for (let n = await readLength(r); n > 0; n--) {
        const nodeAt = r.offset;
        const container = await readLength(r);
        if (container === QUICKLIST_CONTAINER.PACKED) await skipBlob(r, 'listpack');
        else if (container === QUICKLIST_CONTAINER.PLAIN) await skipString(r);
        else throw r.error(`unknown quicklist node container ${container}`, nodeAt);
      }
      return;
    case TYPE.STREAM_LISTPACKS:
    case TYPE.STREAM_LISTPACKS_2:
    case TYPE.STREAM_LISTPACKS_3:
      return skipStream(r, type);
    case TYPE.HASH_METADATA:
      await r.skip(8);
      return skipHashWithFieldExpiry(r);
    case TYPE.HASH_METADATA_PRE_GA:
      return skipHashWithFieldExpiry(r);
  }
  throw r.error(`unknown value type ${type}`, at);
}

/** The fields of a module value or module AUX record, up to their end marker (rdbLoadCheckModuleValue). */
export async function skipModuleFields(r: ChunkReader): Promise<void> {
  for (;;) {
    const at = r.offset;
    const opcode = await readLength(r);
    switch (opcode) {
      case MODULE_OPCODE.EOF:
        return;
      case MODULE_OPCODE.SINT:
      case MODULE_OPCODE.UINT:
        await readLengthOrEncoding(r);
        break;
      case MODULE_OPCODE.FLOAT:
        await r.skip(4);
        break;
      case MODULE_OPCODE.DOUBLE:
        await r.skip(8);
        break;
      case MODULE_OPCODE.STRING:
        await skipString(r);
        break;
      default:
        throw r.error(`unknown module field opcode ${opcode}`, at);
    }
  }
}

async function skipStrings(r: ChunkReader, count: number): Promise<void> {
  for (let n = count; n > 0; n--) await skipString(r);
}

/** A score of the first sorted-set format: a length byte and ASCII digits, or 253/254/255 for NaN/+inf/-inf. */
async function skipTextDouble(r: ChunkReader): Promise<void> {
  await r.ensure(1);
  const length = r.u8();
  if (length < 253) await r.skip(length);
}

/** A hash with field TTLs (Redis 7.4): per field a TTL, the field and the value. */
async function skipHashWithFieldExpiry(r: ChunkReader): Promise<void> {
  for (let n = await readLength(r); n > 0; n--) {
    await readLength(r);
    await skipString(r);
    await skipString(r);
  }
}

/** A stream: its listpacks keyed by master ID, its metadata, its consumer groups with their PELs and consumers. */
async function skipStream(r: ChunkReader, type: number): Promise<void> {
  for (let n = await readLength(r); n > 0; n--) {
    const at = r.offset;
    const masterId = await readString(r, STREAM_ID_BYTES);
    if (masterId?.length !== STREAM_ID_BYTES)
      throw r.error(`a stream node key that is not a ${STREAM_ID_BYTES}-byte stream ID`, at);
    await skipBlob(r, 'listpack');
  }
  // Length, last ID; from the second format: first ID, max deleted ID, entries added.
  await skipLengths(r, type === TYPE.STREAM_LISTPACKS ? 3 : 8);
  for (let groups = await readLength(r); groups > 0; groups--) {
    await skipString(r);
    await skipLengths(r, type === TYPE.STREAM_LISTPACKS ? 2 : 3);
    for (let pending = await readLength(r); pending > 0; pending--) {
      await r.skip(STREAM_ID_BYTES + 8);
      await readLength(r);
    }
    for (let consumers = await readLength(r); consumers > 0; consumers--) {
      await skipString(r);
      await r.skip(type === TYPE.STREAM_LISTPACKS_3 ? 16 : 8);
      const owned = await readLength(r);
      await r.skip(owned * STREAM_ID_BYTES);
    }
  }
}

const STREAM_ID_BYTES = 16;

async function skipLengths(r: ChunkReader, count: number): Promise<void> {
  for (let n = count; n > 0; n--) await readLength(r);
}

type Blob = 'listpack' | 'ziplist' | 'intset' | 'zipmap';

/** Smallest valid size of each: header and end byte. */
const MIN_BLOB_BYTES: Record<Blob, number> = { listpack: 7, ziplist: 11, intset: 8, zipmap: 2 };

/**
 * An encoded container stored as one string. Uncompressed, its own header
 * must give its size (listpack, ziplist: total bytes; intset: width × count)
 * and listpacks, ziplists and zipmaps end with 0xFF.
 */
async function skipBlob(r: ChunkReader, kind: Blob): Promise<void> {
  const at = r.offset;
  const length = await readLengthOrEncoding(r);
  if (length < 0) {
    if (-1 - length !== STRING_ENCODING.LZF) throw r.error(`a number where a ${kind} was expected`, at);
    const compressed = await readLength(r);
    await readLength(r);
    return r.skip(compressed);
  }
  const bad = (why: string) => r.error(`a ${length}-byte ${kind} ${why}`, at);
  if (length < MIN_BLOB_BYTES[kind]) throw bad('too short for its header');
  if (kind === 'intset') {
    await r.ensure(8);
    const header = r.take(8);
    const width = header.readUInt32LE(0);
    if (![2, 4, 8].includes(width) || 8 + width * header.readUInt32LE(4) !== length)
      throw bad('whose header does not match its size');
    return r.skip(length - 8);
  }
  let rest = length - 1;
  if (kind !== 'zipmap') {
    await r.ensure(4);
    const declared = r.take(4).readUInt32LE(0);
    if (declared !== length) throw bad(`whose header says ${declared} bytes`);
    rest -= 4;
  }
  await r.skip(rest);
  await r.ensure(1);
  if (r.u8() !== 0xff) throw bad('that does not end with 0xFF');
}
