import { Crc64 } from '../../functions/domain/backup/crc64';
import { encodeLength, rdbHeader } from '../../functions/domain/backup/rdb-format';

/** Byte-level builders for RDB files and DUMP payloads, following Redis' src/rdb.c. */

export const len = encodeLength;
export const str = (value: string | Uint8Array): Buffer => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
  return Buffer.concat([encodeLength(bytes.length), bytes]);
};
export const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
export const u64le = (n: number | bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** A whole file: header, the given records, EOF and the CRC-64 of it all. */
export function rdbFile(version: number, ...records: Buffer[]): Buffer {
  const body = Buffer.concat([rdbHeader(version), ...records, Buffer.of(0xff)]);
  return Buffer.concat([body, new Crc64().update(body).toBytes()]);
}

/** A DUMP payload: type, value, RDB version (2 bytes LE), CRC-64 (8 bytes LE). */
export function dumpPayload(type: number, value: Buffer, version = 10): Buffer {
  const version2 = Buffer.alloc(2);
  version2.writeUInt16LE(version);
  const body = Buffer.concat([Buffer.of(type), value, version2]);
  return Buffer.concat([body, new Crc64().update(body).toBytes()]);
}

/** The DUMP payload of a plain string value. */
export const stringDump = (value: string | Buffer, version = 10): Buffer => dumpPayload(0, str(value), version);

/**
 * A ziplist of short strings (ziplist.c): zlbytes, zltail (offset of the last
 * entry), zllen (2 bytes), entries of prevlen (1 byte), 00pppppp length, data,
 * then 0xFF.
 */
export function ziplist(items: string[]): Buffer {
  const entries: Buffer[] = [];
  let previous = 0;
  for (const item of items) {
    if (item.length > 63) throw new Error('short strings only');
    const entry = Buffer.concat([Buffer.of(previous, item.length), Buffer.from(item)]);
    entries.push(entry);
    previous = entry.length;
  }
  const header = 10;
  const body = Buffer.concat(entries);
  const tail = header + body.length - (entries.at(-1)?.length ?? 0);
  const out = Buffer.concat([u32le(0), u32le(tail), Buffer.alloc(2), body, Buffer.of(0xff)]);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(items.length, 8);
  return out;
}

/** A zipmap (zipmap.c): count, then key length, key, value length, free bytes (0), value; then 0xFF. */
export function zipmap(pairs: [string, string][]): Buffer {
  const parts = pairs.flatMap(([k, v]) => [
    Buffer.of(k.length),
    Buffer.from(k),
    Buffer.of(v.length, 0),
    Buffer.from(v),
  ]);
  return Buffer.concat([Buffer.of(pairs.length), ...parts, Buffer.of(0xff)]);
}

/** An intset of 16-bit integers (intset.c): encoding 2, count, sorted values, little-endian. */
export function intset16(values: number[]): Buffer {
  const sorted = [...values].sort((a, b) => a - b);
  const body = Buffer.alloc(2 * sorted.length);
  sorted.forEach((v, i) => body.writeInt16LE(v, 2 * i));
  return Buffer.concat([u32le(2), u32le(sorted.length), body]);
}

/** The smallest listpack (listpack.c): total bytes, 0 elements, 0xFF. Enough for the skipping reader. */
export function emptyListpack(): Buffer {
  return Buffer.concat([u32le(7), Buffer.of(0, 0, 0xff)]);
}

/** Splits a buffer into chunks of a given size, as a network stream would deliver it. */
export async function* chunked(source: Buffer | AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(source)) {
    for (let i = 0; i < source.length; i += size) yield source.subarray(i, i + size);
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= size) {
      yield pending.subarray(0, size);
      pending = pending.subarray(size);
    }
  }
  if (pending.length) yield pending;
}
