/**
 * Bulk write-back into Redis at `redis-cli --pipe` speed.
 *
 * A client library spends most of its time per command (objects, promises,
 * reply parsing). Here SET commands are encoded as RESP text, converted to
 * bytes once per chunk of a few hundred KiB and written on a raw socket; replies are only counted (every SET
 * answers with one `+OK` or `-ERR …` line). At most `maxInFlightBytes` of
 * unanswered requests are outstanding per connection, and the record stream is
 * consumed page by page, so memory stays bounded whatever the data size.
 */
import Redis from 'ioredis';
import type { Endpoint } from '../domain/caches';
import { RehydrationFailedError, TransientDependencyError, VerificationFailedError } from '../domain/errors';
import { systemClock, type CacheWriter, type Clock, type SourceRecord } from '../ports';
import { describeSocketError, encodeCommand, openSocket, type TlsOptions } from './resp';

const LF = 10;
const PLUS = 43;
const MINUS = 45;

export interface RedisWriterOptions {
  /** Parallel connections; keys are spread by hash so repeated keys keep their order. Default 1. */
  connections?: number;
  /** Bytes encoded before they are written to the socket in one piece. Default 512 KiB. */
  chunkBytes?: number;
  /** Unanswered request bytes allowed per connection before encoding waits. Default 4 MiB. */
  maxInFlightBytes?: number;
  /** Time allowed to connect and authenticate. Default 5 s. */
  connectTimeoutMs?: number;
  /** Time without any reply while replies are outstanding before giving up. Default 30 s. */
  replyTimeoutMs?: number;
  tlsOptions?: TlsOptions;
  clock?: Clock;
}

/** Stable string hash (FNV-1a over UTF-16 units) to pin a key to one connection. */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class WriteFailure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** One pipelined connection: sends chunks, counts replies, applies back-pressure. */
class PipeConnection {
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
    private readonly opts: Required<Omit<RedisWriterOptions, 'clock' | 'tlsOptions' | 'connections'>> & {
      tlsOptions: TlsOptions;
    },
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

function toDomainError(err: unknown): Error {
  if (err instanceof WriteFailure) {
    return err.transient
      ? new TransientDependencyError(err.message, { cause: err })
      : new RehydrationFailedError(err.message, { cause: err });
  }
  return err as Error;
}

export class RedisWriter implements CacheWriter {
  private readonly opts: Required<Omit<RedisWriterOptions, 'clock' | 'tlsOptions'>> & { tlsOptions: TlsOptions };
  private readonly clock: Clock;

  constructor(options: RedisWriterOptions = {}) {
    this.opts = {
      connections: Math.max(1, Math.floor(options.connections ?? 1)),
      chunkBytes: options.chunkBytes ?? 512 * 1024,
      maxInFlightBytes: options.maxInFlightBytes ?? 4 * 1024 * 1024,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      replyTimeoutMs: options.replyTimeoutMs ?? 30000,
      tlsOptions: options.tlsOptions ?? {},
    };
    this.clock = options.clock ?? systemClock;
  }

  async write(
    endpoint: Endpoint,
    authToken: string | undefined,
    records: AsyncIterable<SourceRecord[]>,
  ): Promise<{ written: number; expiredSkipped: number }> {
    const conns: PipeConnection[] = [];
    for (let i = 0; i < this.opts.connections; i++) conns.push(new PipeConnection(endpoint, authToken, this.opts));
    let expiredSkipped = 0;
    try {
      await Promise.all(conns.map((c) => c.whenReady()));
      const single = conns.length === 1 ? conns[0] : undefined;
      for await (const page of records) {
        const nowSeconds = this.clock.now().getTime() / 1000;
        for (const r of page) {
          if (r.expiresAt !== undefined && r.expiresAt <= nowSeconds) {
            expiredSkipped++;
            continue;
          }
          const conn = single ?? (conns[keyHash(r.key) % conns.length] as PipeConnection);
          const full = conn.set(r.key, r.value, r.expiresAt);
          if (full) await full;
        }
        const broken = conns.find((c) => c.failed);
        if (broken) throw broken.failed;
      }
      await Promise.all(conns.map((c) => c.drain()));
    } catch (err) {
      throw toDomainError(err);
    } finally {
      for (const c of conns) c.close();
    }
    const written = conns.reduce((n, c) => n + c.ok, 0);
    const errors = conns.reduce((n, c) => n + c.errors, 0);
    if (errors > 0) {
      const first = conns.find((c) => c.firstError !== undefined)?.firstError ?? 'unknown error';
      throw new RehydrationFailedError(
        `${errors} of ${written + errors} writes were refused by ${endpoint.host}:${endpoint.port}; first: ${first}`,
      );
    }
    return { written, expiredSkipped };
  }

  async read(endpoint: Endpoint, authToken: string | undefined, keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    const redis = new Redis({
      host: endpoint.host,
      port: endpoint.port,
      ...(authToken !== undefined ? { password: authToken } : {}),
      ...(endpoint.tls ? { tls: { ...this.opts.tlsOptions, servername: endpoint.host } } : {}),
      lazyConnect: true,
      connectTimeout: this.opts.connectTimeoutMs,
      commandTimeout: this.opts.replyTimeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const out: (string | null)[] = [];
      for (let i = 0; i < keys.length; i += 1000) {
        out.push(...(await redis.mget(...keys.slice(i, i + 1000))));
      }
      return out;
    } catch (err) {
      const e = err as Error;
      if (e.name === 'ReplyError')
        throw new VerificationFailedError(`reading from ${endpoint.host}:${endpoint.port} failed: ${e.message}`, {
          cause: err,
        });
      throw new TransientDependencyError(
        `reading from ${endpoint.host}:${endpoint.port} failed: ${describeSocketError(err)}`,
        { cause: err },
      );
    } finally {
      redis.disconnect();
    }
  }
}
