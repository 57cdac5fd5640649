/**
 * Pipelined `RESTORE key <abs-ms|0> <dump> REPLACE ABSTTL` into one cache, on a
 * RespSession. Commands are encoded straight into one reusable buffer and
 * written a chunk at a time; replies are read only when the unanswered bytes
 * exceed the in-flight budget (and at the end), so memory stays bounded
 * however many keys go through, and the cache is never waited on per key.
 * The first error reply stops the pass.
 */
import { BackupFailedError } from '../domain/errors';
import { refusal } from './redis-cache-info';
import { describeReply, encodeArgs, INCOMPLETE, RespError, type Reply } from './resp-reader';
import type { RespSession } from './resp-session';
import { decimalDigits, putBulkHeader, putDecimal } from './resp';

const RESTORE_HEAD = Buffer.from('*6\r\n$7\r\nRESTORE\r\n', 'latin1');
const RESTORE_TAIL = Buffer.from('$7\r\nREPLACE\r\n$6\r\nABSTTL\r\n', 'latin1');

export interface RestorePipeLimits {
  /** Bytes encoded before they are written to the socket in one piece. */
  chunkBytes: number;
  /** Unanswered request bytes allowed before replies are read. */
  maxInFlightBytes: number;
}

export class RestorePipe {
  private chunk: Buffer;
  private used = 0;
  private commands = 0;
  /** Unanswered commands and their bytes, one entry per chunk written. */
  private readonly inFlight: { commands: number; bytes: number }[] = [];
  private inFlightBytes = 0;
  /** RESTOREs answered `+OK`. */
  restored = 0;

  constructor(
    private readonly session: RespSession,
    private readonly limits: RestorePipeLimits,
  ) {
    this.chunk = Buffer.allocUnsafe(limits.chunkBytes + 1024);
  }

  /** Waits for every reply, then selects `db` (a SELECT inside the stream would split the accounting). */
  async select(db: number): Promise<void> {
    await this.drain();
    const reply = await this.session.call(['SELECT', String(db)]);
    if (reply instanceof RespError) throw refusal('scan-dump', `SELECT ${db}`, this.session.label, reply.message);
  }

  /**
   * Queues one RESTORE, its DUMP payload copied as the source encoded it (returns a promise only when a
   * chunk went out and replies must be read first):
   * `bulk[start, end)` is the whole bulk string reply (`$<n>\r\n<payload>\r\n`).
   */
  restoreEncoded(
    key: Buffer,
    expiresAtMs: number,
    bulk: Buffer,
    start: number,
    end: number,
  ): Promise<void> | undefined {
    const o = this.head(key, expiresAtMs, end - start);
    return this.tail(o + bulk.copy(this.chunk, o, start, end));
  }

  /** Writes the command up to its payload, with room for `payloadBytes` after it; returns where the payload goes. */
  private head(key: Buffer, expiresAtMs: number, payloadBytes: number): number {
    const ttl = expiresAtMs > 0 ? expiresAtMs : 0;
    const size = RESTORE_HEAD.length + 2 * 24 + key.length + 4 + payloadBytes + RESTORE_TAIL.length;
    if (this.used + size > this.chunk.length) {
      this.send();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafe(size);
    }
    const out = this.chunk;
    let o = this.used + RESTORE_HEAD.copy(out, this.used);
    o = putBulkHeader(out, o, key.length);
    o += key.copy(out, o);
    out[o++] = 13;
    out[o++] = 10;
    o = putBulkHeader(out, o, decimalDigits(ttl));
    o = putDecimal(out, o, ttl);
    out[o++] = 13;
    out[o++] = 10;
    return o;
  }

  private tail(o: number): Promise<void> | undefined {
    this.used = o + RESTORE_TAIL.copy(this.chunk, o);
    this.commands++;
    if (this.used < this.limits.chunkBytes) return undefined;
    this.send();
    this.settle();
    return this.inFlightBytes > this.limits.maxInFlightBytes
      ? this.readReplies(this.limits.maxInFlightBytes / 2)
      : undefined;
  }

  /** Sends what is queued and waits for every reply. */
  async drain(): Promise<void> {
    this.send();
    await this.readReplies(0);
  }

  private send(): void {
    if (this.commands === 0) return;
    // The socket may hold the bytes after write() returns: the chunk is handed over and a new one taken.
    this.session.write(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(this.chunk.length);
    this.inFlight.push({ commands: this.commands, bytes: this.used });
    this.inFlightBytes += this.used;
    this.used = 0;
    this.commands = 0;
  }

  /** Counts the replies that already arrived, without waiting. */
  private settle(): void {
    this.session.pull();
    const reader = this.session.reader;
    while (this.inFlight.length > 0) {
      const head = this.inFlight[0] as { commands: number; bytes: number };
      const oks = reader.skipOks(head.commands);
      head.commands -= oks;
      this.restored += oks;
      if (head.commands > 0) return;
      this.inFlight.shift();
      this.inFlightBytes -= head.bytes;
    }
  }

  /** Reads replies until at most `bytes` of requests are unanswered; throws at the first error reply. */
  private async readReplies(bytes: number): Promise<void> {
    const reader = this.session.reader;
    while (this.inFlight.length > 0 && this.inFlightBytes > bytes) {
      const head = this.inFlight[0] as { commands: number; bytes: number };
      while (head.commands > 0) {
        const oks = reader.skipOks(head.commands);
        if (oks > 0) {
          head.commands -= oks;
          this.restored += oks;
          continue;
        }
        let reply: Reply | typeof INCOMPLETE = reader.tryReply();
        if (reply === INCOMPLETE) reply = await this.session.reply();
        if (reply !== 'OK') throw this.failed(reply);
        head.commands--;
        this.restored++;
      }
      this.inFlight.shift();
      this.inFlightBytes -= head.bytes;
    }
  }

  private failed(reply: Reply): Error {
    const label = this.session.label;
    return reply instanceof RespError
      ? refusal('scan-dump', 'RESTORE', label, reply.message)
      : new BackupFailedError(`${label} answered RESTORE with ${describeReply(reply)}`);
  }
}

/** `SCAN <cursor> COUNT <n>` as bytes. */
export const scanCommand = (cursor: string, count: number): Buffer =>
  encodeArgs(['SCAN', cursor, 'COUNT', String(count)]);
