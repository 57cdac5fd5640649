/**
 * Incremental RESP parsing over bytes that arrive in chunks: a reply is parsed
 * only once it is wholly buffered, and a large bulk string is gathered in one
 * concatenation. Binary-safe: bulk strings stay Buffers. The socket side is
 * ./resp-session.
 */
import { BackupFailedError } from '../domain/errors';

const CR = 13;
const LF = 10;
const PLUS = 43;
const MINUS = 45;
const COLON = 58;
const DOLLAR = 36;
const STAR = 42;

/** An error reply (`-ERR …`), returned as a value so a pipeline's other replies can still be read. */
export class RespError {
  constructor(readonly message: string) {}
}

export type Reply = string | number | Buffer | null | RespError | Reply[];

/** Returned when the buffered bytes do not yet hold a whole reply or line. */
export const INCOMPLETE: unique symbol = Symbol('incomplete');

/** One command as a RESP array of bulk strings; strings are UTF-8, Buffers go as they are. */
export function encodeArgs(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const bytes = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** A reply in words, for error messages. */
export function describeReply(reply: Reply): string {
  if (reply instanceof RespError) return reply.message;
  if (Buffer.isBuffer(reply)) return `bulk string of ${reply.length} bytes`;
  if (Array.isArray(reply)) return `array of ${reply.length}`;
  return String(reply);
}

export class RespReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private next = 0;
  /** Bytes that must be buffered before parsing is worth another try. */
  need = 1;

  /** `label` names the peer in protocol errors. */
  constructor(private readonly label: string) {}

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /** Adds chunks after the unconsumed bytes, in one copy (none when a single chunk follows nothing). */
  append(parts: Buffer[]): void {
    const rest = this.pos < this.buf.length;
    this.buf =
      !rest && parts.length === 1
        ? (parts[0] as Buffer)
        : Buffer.concat(rest ? [this.buf.subarray(this.pos), ...parts] : parts);
    this.pos = 0;
  }

  /** The next reply if it is wholly buffered; otherwise INCOMPLETE, with `need` set. */
  tryReply(): Reply | typeof INCOMPLETE {
    if (this.buf.length - this.pos < this.need) return INCOMPLETE;
    const r = this.parse(this.pos);
    if (r === INCOMPLETE) return r;
    this.pos = this.next;
    this.need = 1;
    return r;
  }

  /** The bulk string `tryBulkInPlace` left in place: from its `$` to after its CRLF in `inPlaceBytes`. */
  inPlaceBytes: Buffer = Buffer.alloc(0);
  inPlaceStart = 0;
  inPlaceEnd = 0;
  /** Its payload's length. */
  inPlaceLength = 0;

  /**
   * The next reply, when it is a bulk string wholly buffered, without copying
   * it: returns true and describes it in the `inPlace…` fields (the bytes stay valid after
   * later reads). Any other reply is returned parsed; INCOMPLETE as for `tryReply`.
   */
  tryBulkInPlace(): true | Reply | typeof INCOMPLETE {
    const buf = this.buf;
    const p = this.pos;
    if (buf.length - p < this.need) return INCOMPLETE;
    if (buf[p] !== DOLLAR) return this.tryReply();
    const nl = buf.indexOf(LF, p);
    if (nl === -1) {
      this.need = buf.length - p + 1;
      return INCOMPLETE;
    }
    if (nl === p || buf[nl - 1] !== CR) throw this.protocolError(p);
    const length = this.integer(p + 1, nl - 1);
    if (length < 0) {
      this.pos = nl + 1;
      this.need = 1;
      return null;
    }
    const end = nl + 1 + length;
    if (end + 2 > buf.length) {
      this.need = end + 2 - p;
      return INCOMPLETE;
    }
    if (buf[end] !== CR || buf[end + 1] !== LF) throw this.protocolError(p);
    this.inPlaceBytes = buf;
    this.inPlaceStart = p;
    this.inPlaceEnd = end + 2;
    this.inPlaceLength = length;
    this.pos = end + 2;
    this.need = 1;
    return true;
  }

  /** Consumes up to `max` buffered `+OK` replies in a row; returns how many. */
  skipOks(max: number): number {
    const buf = this.buf;
    let p = this.pos;
    let n = 0;
    while (
      n < max &&
      p + 5 <= buf.length &&
      buf[p] === PLUS &&
      buf[p + 1] === 79 &&
      buf[p + 2] === 75 &&
      buf[p + 3] === CR &&
      buf[p + 4] === LF
    ) {
      p += 5;
      n++;
    }
    if (n > 0) {
      this.pos = p;
      this.need = 1;
    }
    return n;
  }

  private views = false;

  /**
   * As `tryReply`, but its bulk strings are views of the read buffer rather
   * than copies: they stay valid (later reads go into new buffers) and keep
   * that buffer alive as long as they are held.
   */
  tryReplyInPlace(): Reply | typeof INCOMPLETE {
    this.views = true;
    try {
      return this.tryReply();
    } finally {
      this.views = false;
    }
  }

  /** The next CRLF-terminated line, after any bare `\n` keep-alives; INCOMPLETE as for `tryReply`. */
  tryLine(): string | typeof INCOMPLETE {
    while (this.pos < this.buf.length && this.buf[this.pos] === LF) this.pos++;
    const nl = this.buf.indexOf(LF, this.pos);
    if (nl === -1) {
      this.need = this.buf.length - this.pos + 1;
      return INCOMPLETE;
    }
    const end = nl > this.pos && this.buf[nl - 1] === CR ? nl - 1 : nl;
    const line = this.buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    this.need = 1;
    return line;
  }

  /** Hands over the unconsumed bytes (the start of a payload that follows a reply). */
  takeBuffered(): Buffer {
    const rest = this.buf.subarray(this.pos);
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.need = 1;
    return rest;
  }

  private parse(p: number): Reply | typeof INCOMPLETE {
    const buf = this.buf;
    const nl = buf.indexOf(LF, p);
    if (nl === -1) {
      this.need = buf.length - this.pos + 1;
      return INCOMPLETE;
    }
    if (nl === p || buf[nl - 1] !== CR) throw this.protocolError(p);
    switch (buf[p]) {
      case PLUS:
        this.next = nl + 1;
        return buf.toString('utf8', p + 1, nl - 1);
      case MINUS:
        this.next = nl + 1;
        return new RespError(buf.toString('utf8', p + 1, nl - 1));
      case COLON:
        this.next = nl + 1;
        return this.integer(p + 1, nl - 1);
      case DOLLAR: {
        const length = this.integer(p + 1, nl - 1);
        this.next = nl + 1;
        if (length < 0) return null;
        const end = nl + 1 + length;
        if (end + 2 > buf.length) {
          this.need = end + 2 - this.pos;
          return INCOMPLETE;
        }
        if (buf[end] !== CR || buf[end + 1] !== LF) throw this.protocolError(p);
        this.next = end + 2;
        return this.views ? buf.subarray(nl + 1, end) : Buffer.from(buf.subarray(nl + 1, end));
      }
      case STAR: {
        const count = this.integer(p + 1, nl - 1);
        let q = nl + 1;
        if (count < 0) {
          this.next = q;
          return null;
        }
        const items: Reply[] = [];
        for (let i = 0; i < count; i++) {
          const item = this.parse(q);
          if (item === INCOMPLETE) return item;
          items.push(item);
          q = this.next;
        }
        this.next = q;
        return items;
      }
      default:
        throw this.protocolError(p);
    }
  }

  private integer(from: number, to: number): number {
    const buf = this.buf;
    let i = from;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    if (i >= to) throw this.protocolError(from - 1);
    let n = 0;
    for (; i < to; i++) {
      const digit = (buf[i] as number) - 48;
      if (digit < 0 || digit > 9) throw this.protocolError(from - 1);
      n = n * 10 + digit;
    }
    return negative ? -n : n;
  }

  private protocolError(at: number): BackupFailedError {
    const sample = JSON.stringify(this.buf.toString('latin1', at, Math.min(this.buf.length, at + 60)));
    return new BackupFailedError(`${this.label} did not answer in the Redis protocol: ${sample}`);
  }
}
