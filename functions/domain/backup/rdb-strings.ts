import { Buffer } from 'node:buffer';
import type { ChunkReader } from './chunk-reader';
import { STRING_ENCODING } from './rdb-format';

/**
 * Lengths and strings as an RDB file stores them (rdbLoadLen,
 * rdbGenericLoadStringObject in Redis' src/rdb.c). A length's first byte:
 * 00xxxxxx is 6 bits, 01xxxxxx 14 bits with the next byte, 0x80 a 32-bit and
 * 0x81 a 64-bit big-endian length; 11xxxxxx announces a string encoded as an
 * 8/16/32-bit integer or compressed with LZF.
 */

/** A length, or `-1 - encoding` when the byte announces a special string encoding. */
export async function readLengthOrEncoding(r: ChunkReader): Promise<number> {
  await r.ensure(1);
  const at = r.offset;
  const first = r.u8();
  switch (first >> 6) {
    case 0:
      return first & 0x3f;
    case 1:
      await r.ensure(1);
      return ((first & 0x3f) << 8) | r.u8();
    case 3:
      return -1 - (first & 0x3f);
  }
  if (first === 0x80) {
    await r.ensure(4);
    return r.take(4).readUInt32BE(0);
  }
  if (first === 0x81) {
    await r.ensure(8);
    const bytes = r.take(8);
    return bytes.readUInt32BE(0) * 2 ** 32 + bytes.readUInt32BE(4);
  }
  throw r.error(`unknown length encoding 0x${first.toString(16)}`, at);
}

/** A length (a count, a database number, a stream ID part). */
export async function readLength(r: ChunkReader): Promise<number> {
  const at = r.offset;
  const length = await readLengthOrEncoding(r);
  if (length < 0) throw r.error('a string encoding where a length was expected', at);
  return length;
}

const INTEGER_BYTES = [1, 2, 4];

/** Passes over a string in any of its encodings without reading it. */
export async function skipString(r: ChunkReader): Promise<void> {
  const at = r.offset;
  const length = await readLengthOrEncoding(r);
  if (length >= 0) return r.skip(length);
  const encoding = -1 - length;
  if (encoding === STRING_ENCODING.LZF) {
    const compressed = await readLength(r);
    await readLength(r);
    return r.skip(compressed);
  }
  const bytes = INTEGER_BYTES[encoding];
  if (bytes === undefined) throw r.error(`unknown string encoding ${encoding}`, at);
  return r.skip(bytes);
}

/**
 * Reads a string whose content matters (an AUX field, a stream ID), decoded
 * from whatever encoding it has. One longer than `limit` bytes is skipped and
 * undefined returned, so a hostile length cannot make the reader hold it.
 */
export async function readString(r: ChunkReader, limit: number): Promise<Buffer | undefined> {
  const at = r.offset;
  const length = await readLengthOrEncoding(r);
  if (length >= 0) {
    if (length > limit) return (await r.skip(length), undefined);
    await r.ensure(length);
    return Buffer.from(r.take(length));
  }
  const encoding = -1 - length;
  if (encoding === STRING_ENCODING.LZF) {
    const compressed = await readLength(r);
    const plain = await readLength(r);
    if (compressed > limit || plain > limit) return (await r.skip(compressed), undefined);
    await r.ensure(compressed);
    const out = lzfDecompress(r.take(compressed), plain);
    if (!out) throw r.error('an LZF-compressed string that does not decompress', at);
    return out;
  }
  const bytes = INTEGER_BYTES[encoding];
  if (bytes === undefined) throw r.error(`unknown string encoding ${encoding}`, at);
  await r.ensure(bytes);
  const raw = r.take(bytes);
  const value = bytes === 1 ? raw.readInt8(0) : bytes === 2 ? raw.readInt16LE(0) : raw.readInt32LE(0);
  return Buffer.from(String(value));
}

/**
 * LZF decompression (liblzf's lzf_d.c, as Redis uses it): a control byte
 * below 32 copies that many plus one literal bytes; otherwise its top 3 bits
 * (7 meaning "add the next byte") plus 2 are a length to copy from a distance
 * given by its low 5 bits and the next byte. Undefined when the input does not
 * produce exactly `length` bytes.
 */
export function lzfDecompress(input: Uint8Array, length: number): Buffer | undefined {
  const out = Buffer.alloc(length);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++] as number;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (op + run > length || ip + run > input.length) return undefined;
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      continue;
    }
    let run = ctrl >> 5;
    if (ip >= input.length) return undefined;
    if (run === 7) {
      run += input[ip++] as number;
      if (ip >= input.length) return undefined;
    }
    const from = op - ((ctrl & 0x1f) << 8) - 1 - (input[ip++] as number);
    run += 2;
    if (from < 0 || op + run > length) return undefined;
    for (let i = 0; i < run; i++) out[op + i] = out[from + i] as number;
    op += run;
  }
  return op === length ? out : undefined;
}
