/**
 * One pipelined connection for bulk writes at `redis-cli --pipe` speed.
 *
 * A client library spends most of its time per command (objects, promises,
 * reply parsing). Here SET commands are encoded as RESP text, converted to
 * bytes once per chunk of a few hundred KiB and written on a raw socket; replies are only counted (every SET
 * answers with one `+OK` or `-ERR …` line). At most `maxInFlightBytes` of
 * unanswered requests are outstanding per connection, so memory stays bounded
 * whatever the data size.
 */
import type { Endpoint } from '../domain/caches';
import { describeSocketError, encodeCommand, openSocket, type TlsOptions } from './resp';

const LF = 10;
const PLUS = 43;
const MINUS = 45;

/** Limits of one connection (see RedisWriterOptions). */
export interface PipeOptions {
  chunkBytes: number;
  maxInFlightBytes: number;
  connectTimeoutMs: number;
  replyTimeoutMs: number;
  tlsOptions: TlsOptions;
}

export class WriteFailure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** One pipelined connection: sends chunks, counts replies, applies back-pressure. */
export class PipeConnection {
  private readonly socket: ReturnType<typeof openSocket>;
  private ready = false;
  private closing = false;
  private failure: WriteFailure | undefined;
  private waiter: { resolve: () => void; reject: (e: Error) => void; until: () => boolean } | undefined;

  /** Commands encoded since the last write, as one string (converted to bytes once per chunk). */
  private pending = '';
  private pendingBytes = 0;
  private pendingCommands = 0;

  private sent = 0;
  private replies = 0;
  ok = 0;
  errors = 0;
  firstError: string | undefined;

  private readonly inFlight: { end: number; bytes: number }[] = [];
  private inFlightHead = 0;
  private inFlightBytes = 0;

  private atLineStart = true;
  private lineKind = 0;
  private errorParts: Buffer[] | undefined;
  private authPending: boolean;
  private authLine: Buffer[] = [];

  constructor(
    endpoint: Endpoint,
    private readonly authToken: string | undefined,
    private readonly opts: PipeOptions,
  ) {
    this.authPending = authToken !== undefined;
    this.socket = openSocket(
      endpoint,
      () => {
        if (this.authToken !== undefined) this.socket.write(encodeCommand(['AUTH', this.authToken]));
        else this.markReady();
      },
      opts.tlsOptions,
    );
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) =>
      this.fail(
        new WriteFailure(`connection to ${endpoint.host}:${endpoint.port} failed: ${describeSocketError(err)}`, true),
      ),
    );
    this.socket.on('close', () => {
      if (this.closing) return;
      const outstanding = this.sent - this.replies;
      this.fail(
        new WriteFailure(
          `connection to ${endpoint.host}:${endpoint.port} closed ${this.ready ? `with ${outstanding} replies outstanding` : 'before it was ready'}`,
          true,
        ),
      );
    });
    this.socket.on('timeout', () => {
      if (!this.ready || this.sent > this.replies) {
        this.fail(
          new WriteFailure(
            this.ready
              ? `no reply from ${endpoint.host}:${endpoint.port} for ${opts.replyTimeoutMs} ms with ${this.sent - this.replies} replies outstanding`
              : `timeout: could not connect to ${endpoint.host}:${endpoint.port} within ${opts.connectTimeoutMs} ms`,
            true,
          ),
        );
      }
    });
    this.socket.setTimeout(opts.connectTimeoutMs);
  }

  private markReady(): void {
    this.ready = true;
    this.socket.setTimeout(this.opts.replyTimeoutMs);
    this.wake();
  }

  /** Resolves when connected (and authenticated). */
  whenReady(): Promise<void> {
    return this.wait(() => this.ready);
  }

  private wait(until: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (until()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject, until };
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (w && w.until()) {
      this.waiter = undefined;
      w.resolve();
    }
  }

  private fail(failure: WriteFailure): void {
    if (this.failure) return;
    this.failure = failure;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(failure);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    if (this.authPending) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.authLine.push(chunk);
        return;
      }
      this.authLine.push(chunk.subarray(0, nl + 1));
      const line = Buffer.concat(this.authLine).toString('utf8').trimEnd();
      this.authPending = false;
      this.authLine = [];
      if (line !== '+OK') {
        this.fail(new WriteFailure(`AUTH was refused: ${line.replace(/^-/, '')}`, false));
        return;
      }
      this.markReady();
      pos = nl + 1;
    }
    const len = chunk.length;
    while (pos < len) {
      if (this.atLineStart) {
        this.lineKind = chunk[pos] as number;
        this.atLineStart = false;
        if (this.lineKind !== PLUS && this.firstError === undefined) this.errorParts = [];
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl === -1) {
        this.errorParts?.push(chunk.subarray(pos));
        break;
      }
      if (this.errorParts) {
        this.errorParts.push(chunk.subarray(pos, nl));
        const text = Buffer.concat(this.errorParts).toString('utf8').trimEnd();
        this.firstError = this.lineKind === MINUS ? text.slice(1) : `unexpected reply ${text.slice(0, 200)}`;
        this.errorParts = undefined;
      }
      if (this.lineKind === PLUS) this.ok++;
      else this.errors++;
      this.replies++;
      this.atLineStart = true;
      pos = nl + 1;
    }
    this.acknowledge();
  }

  private acknowledge(): void {
    while (this.inFlightHead < this.inFlight.length) {
      const head = this.inFlight[this.inFlightHead] as { end: number; bytes: number };
      if (head.end > this.replies) break;
      this.inFlightBytes -= head.bytes;
      this.inFlightHead++;
    }
    if (this.inFlightHead > 1024) {
      this.inFlight.splice(0, this.inFlightHead);
      this.inFlightHead = 0;
    }
    this.wake();
  }

  /**
   * Appends one SET to the current chunk. Returns a promise only when the
   * chunk is full and is being sent (the caller awaits it then), so the common
   * path costs two length computations and a string append per record.
   */
  set(key: string, value: string, expiresAt: number | undefined): Promise<void> | undefined {
    const keyBytes = Buffer.byteLength(key, 'utf8');
    const valueBytes = Buffer.byteLength(value, 'utf8');
    let command: string;
    if (expiresAt === undefined) {
      command = `*3\r\n$3\r\nSET\r\n$${keyBytes}\r\n${key}\r\n$${valueBytes}\r\n${value}\r\n`;
    } else {
      const whole = Number.isInteger(expiresAt);
      const at = whole ? String(expiresAt) : String(Math.round(expiresAt * 1000));
      command = `*5\r\n$3\r\nSET\r\n$${keyBytes}\r\n${key}\r\n$${valueBytes}\r\n${value}\r\n$4\r\n${whole ? 'EXAT' : 'PXAT'}\r\n$${at.length}\r\n${at}\r\n`;
    }
    this.pending += command;
    // Everything but key and value is ASCII: one byte per character.
    this.pendingBytes += command.length - key.length - value.length + keyBytes + valueBytes;
    this.pendingCommands++;
    return this.pendingBytes >= this.opts.chunkBytes ? this.flush() : undefined;
  }

  /** Sends the current chunk, after waiting until unanswered requests fit the in-flight budget. */
  async flush(): Promise<void> {
    if (this.pendingCommands === 0) return;
    const text = this.pending;
    const bytes = this.pendingBytes;
    const commands = this.pendingCommands;
    this.pending = '';
    this.pendingBytes = 0;
    this.pendingCommands = 0;
    await this.wait(() => this.inFlightBytes === 0 || this.inFlightBytes + bytes <= this.opts.maxInFlightBytes);
    const chunk = Buffer.from(text, 'utf8');
    this.sent += commands;
    this.inFlight.push({ end: this.sent, bytes: chunk.length });
    this.inFlightBytes += chunk.length;
    this.socket.write(chunk);
  }

  /** Flushes and waits for every reply. */
  async drain(): Promise<void> {
    await this.flush();
    await this.wait(() => this.replies >= this.sent);
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  get failed(): WriteFailure | undefined {
    return this.failure;
  }
}
