import { Buffer } from 'node:buffer';
import { Crc64 } from './crc64';
import { MAX_LENGTH_BYTES, writeLength } from './rdb-format';

/** Output chunks are about this size. */
export const CHUNK_BYTES = 64 * 1024;
/** Pieces this large are not copied into a chunk but passed on as they are. */
const PASS_THROUGH_BYTES = 16 * 1024;

/**
 * Builds a byte stream into chunks of about CHUNK_BYTES: small writes are
 * copied into the current chunk, large pieces pass through uncopied. It keeps
 * the CRC-64 and size of everything written; `end()` appends the CRC. Chunks
 * ready to send are taken with `drain()`.
 */
export class ChunkBuilder {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private ready: Buffer[] = [];
  private readonly crc = new Crc64();
  bytes = 0;

  byte(value: number): void {
    this.room(1);
    this.chunk[this.used++] = value;
  }

  length(value: number): void {
    this.room(MAX_LENGTH_BYTES);
    this.used = writeLength(this.chunk, this.used, value);
  }

  /** A 64-bit little-endian integer (RDB millisecond times). */
  int64(value: number): void {
    this.room(8);
    this.used = this.chunk.writeBigInt64LE(BigInt(value), this.used);
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length >= PASS_THROUGH_BYTES) {
      this.flush();
      this.crc.update(bytes);
      this.bytes += bytes.length;
      this.ready.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return;
    }
    this.room(bytes.length);
    this.chunk.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** A string as RDB stores it verbatim: its length, then its bytes. */
  string(bytes: Uint8Array): void {
    this.length(bytes.length);
    this.raw(bytes);
  }

  /** The chunks completed so far. */
  drain(): Buffer[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Appends the CRC-64 of everything written (little-endian) and returns the last chunks. */
  end(): Buffer[] {
    this.room(8);
    const body = this.chunk.subarray(0, this.used);
    this.crc.update(body);
    this.chunk.set(this.crc.toBytes(), this.used);
    this.used += 8;
    this.bytes += this.used;
    this.ready.push(this.chunk.subarray(0, this.used));
    this.used = 0;
    return this.drain();
  }

  private room(bytes: number): void {
    if (this.used + bytes > CHUNK_BYTES) this.flush();
  }

  private flush(): void {
    if (this.used === 0) return;
    const full = this.chunk.subarray(0, this.used);
    this.crc.update(full);
    this.bytes += full.length;
    this.ready.push(full);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }
}
