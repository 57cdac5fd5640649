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

  /** Queues one RESTORE; returns a promise only when a chunk went out and replies must be read first. */
  restore(key: Buffer, dump: Buffer, expiresAtMs: number): Promise<void> | undefined {
    const ttl = expiresAtMs > 0 ? String(expiresAtMs) : '0';
    const keyLen = `$${key.length}\r\n`;
    const ttlPart = `$${ttl.length}\r\n${ttl}\r\n`;
    const dumpLen = `$${dump.length}\r\n`;
    const size =
      RESTORE_HEAD.length +
      keyLen.length +
      key.length +
      2 +
      ttlPart.length +
      dumpLen.length +
      dump.length +
      2 +
      RESTORE_TAIL.length;
    if (this.used + size > this.chunk.length) {
      this.send();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafe(size);
    }
    const out = this.chunk;
    let o = this.used;
    o += RESTORE_HEAD.copy(out, o);
    o += out.write(keyLen, o, 'latin1');
    o += key.copy(out, o);
    out[o++] = 13;
    out[o++] = 10;
    o += out.write(ttlPart, o, 'latin1');
    o += out.write(dumpLen, o, 'latin1');
    o += dump.copy(out, o);
    out[o++] = 13;
    out[o++] = 10;
    o += RESTORE_TAIL.copy(out, o);
    this.used = o;
    this.commands++;
    if (this.used < this.limits.chunkBytes) return undefined;
    this.send();
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
    // The socket may hold the bytes after write() returns: they are copied out of the reused chunk.
    this.session.write(Buffer.from(this.chunk.subarray(0, this.used)));
    this.inFlight.push({ commands: this.commands, bytes: this.used });
    this.inFlightBytes += this.used;
    this.used = 0;
    this.commands = 0;
  }

  /** Reads replies until at most `bytes` of requests are unanswered; throws at the first error reply. */
  private async readReplies(bytes: number): Promise<void> {
    while (this.inFlight.length > 0 && this.inFlightBytes > bytes) {
      const head = this.inFlight[0] as { commands: number; bytes: number };
      while (head.commands > 0) {
        let reply: Reply | typeof INCOMPLETE = this.session.reader.tryReply();
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
