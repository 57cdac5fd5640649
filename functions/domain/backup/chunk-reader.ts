import { Buffer } from 'node:buffer';
import { InvalidBackupError } from '../errors';
import { Crc64 } from './crc64';

/**
 * Reads a byte stream that arrives in chunks, keeping only what the current
 * read needs: `ensure(n)` pulls chunks until n bytes are buffered, `skip(n)`
 * passes over n bytes one chunk at a time. So memory stays at about one
 * chunk plus the largest single read, whatever the stream's size.
 *
 * It keeps the CRC-64 of every byte consumed until `stopChecksum()`, and the
 * most bytes of the stream it ever held (`peakBufferedBytes`).
 */
export class ChunkReader {
  private readonly source: AsyncIterator<Uint8Array>;
  private readonly chunks: Buffer[] = [];
  /** Read position in chunks[0]. */
  private head = 0;
  private hashing = true;
  private buffered = 0;
  private ended = false;
  private readonly crc = new Crc64();
  /** Offset in the stream of the next byte to read. */
  offset = 0;
  peakBufferedBytes = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** An error about the byte at `offset` (the next one by default). */
  error(message: string, offset = this.offset): InvalidBackupError {
    return new InvalidBackupError(`${message} at byte ${offset}`, { offset });
  }

  /**
   * Makes sure n bytes can be read synchronously; fails when the stream ends
   * first. Returns nothing when they already are, sparing the caller a wait.
   */
  ensure(n: number): Promise<void> | undefined {
    return this.buffered >= n ? undefined : this.fill(n);
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n) if (!(await this.pull())) throw this.truncated(n - this.buffered);
  }

  /** Whether the stream has no byte left. */
  async atEnd(): Promise<boolean> {
    while (this.buffered === 0) if (!(await this.pull())) return true;
    return false;
  }

  /** One byte (after `ensure`). */
  u8(): number {
    const chunk = this.chunks[0] as Buffer;
    const byte = chunk[this.head] as number;
    this.advance(1);
    return byte;
  }

  /** n bytes (after `ensure(n)`): a view when they lie in one chunk, else a copy. */
  take(n: number): Buffer {
    const chunk = this.chunks[0] as Buffer;
    if (chunk.length - this.head >= n) {
      const view = chunk.subarray(this.head, this.head + n);
      this.advance(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const current = this.chunks[0] as Buffer;
      const part = Math.min(n - filled, current.length - this.head);
      current.copy(out, filled, this.head, this.head + part);
      filled += part;
      this.advance(part);
    }
    return out;
  }

  /** Passes over n bytes without keeping them (without waiting when they are buffered). */
  skip(n: number): Promise<void> | undefined {
    if (this.buffered < n) return this.skipStreaming(n);
    for (let left = n; left > 0;) {
      const part = Math.min(left, (this.chunks[0] as Buffer).length - this.head);
      this.advance(part);
      left -= part;
    }
    return undefined;
  }

  private async skipStreaming(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) throw this.truncated(left);
      const part = Math.min(left, (this.chunks[0] as Buffer).length - this.head);
      this.advance(part);
      left -= part;
    }
  }

  private truncated(missing: number): InvalidBackupError {
    const end = this.offset + this.buffered;
    return new InvalidBackupError(
      `the file is truncated: it ends at byte ${end} with at least ${missing} bytes missing`,
      {
        offset: end,
      },
    );
  }

  /** Stops the CRC-64 at the current offset and returns it (the stored checksum follows). */
  stopChecksum(): Crc64 {
    const chunk = this.chunks[0];
    if (this.hashing && chunk) this.crc.update(chunk.subarray(0, this.head));
    this.hashing = false;
    return this.crc;
  }

  private advance(n: number): void {
    this.head += n;
    this.offset += n;
    this.buffered -= n;
    const chunk = this.chunks[0] as Buffer;
    if (this.head === chunk.length) {
      if (this.hashing) this.crc.update(chunk);
      this.chunks.shift();
      this.head = 0;
    }
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const bytes = next.value;
      if (bytes.byteLength === 0) continue;
      this.chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.buffered += bytes.byteLength;
      // Held: what is still to read, and the part of the first chunk already read.
      this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.buffered + this.head);
      return true;
    }
  }
}
