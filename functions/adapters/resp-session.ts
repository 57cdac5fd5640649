/**
 * One connection to a cache, read on demand: bytes are pulled from the socket
 * only when the caller asks for the next reply or chunk, so a slow consumer
 * holds the cache back (TCP flow control) instead of filling memory. Every wait
 * is bounded: by the connect limit until `ready()`, then by the silence limit.
 */
import type { Endpoint } from '../domain/caches';
import { BackupFailedError, TransientDependencyError } from '../domain/errors';
import { describeSocketError, openSocket, type TlsOptions } from './resp';
import { describeReply, encodeArgs, INCOMPLETE, RespReader, type Reply } from './resp-reader';

export interface SessionOptions {
  /** Time allowed to connect (TCP, TLS) and for each reply until `ready()`. */
  connectTimeoutMs: number;
  /** Time allowed without a byte while a reply or chunk is awaited. */
  silenceTimeoutMs: number;
  tlsOptions: TlsOptions;
}

export class RespSession {
  readonly reader: RespReader;
  private ended = false;
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private waitMs: number;
  /** The most bytes held at once, in the reader and in the socket's receive buffer. */
  peakBufferedBytes = 0;
  /** When the newest chunk arrived (ms since the epoch): the replies in it were sent no later. */
  receivedAtMs = 0;

  private constructor(
    private readonly socket: ReturnType<typeof openSocket>,
    readonly label: string,
    private readonly opts: SessionOptions,
    private readonly now: () => number,
  ) {
    this.reader = new RespReader(label);
    this.waitMs = opts.connectTimeoutMs;
    socket.on('readable', () => this.wakeUp());
    const onEnd = (): void => {
      this.ended = true;
      this.wakeUp();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', (err) => {
      this.failure ??= new TransientDependencyError(`connection to ${label} failed: ${describeSocketError(err)}`, {
        cause: err,
      });
      this.wakeUp();
    });
  }

  /** Connects (TLS when the endpoint says so) and authenticates; throws BackupFailedError when AUTH is refused. */
  static async open(
    endpoint: Endpoint,
    authToken: string | undefined,
    opts: SessionOptions,
    now: () => number = Date.now,
  ): Promise<RespSession> {
    const label = `${endpoint.host}:${endpoint.port}`;
    let connected = false;
    const session: RespSession = new RespSession(
      openSocket(
        endpoint,
        () => {
          connected = true;
          session.wakeUp();
        },
        opts.tlsOptions,
      ),
      label,
      opts,
      now,
    );
    try {
      while (!connected) {
        if (session.ended) throw new TransientDependencyError(`${label} closed the connection while connecting`);
        await session.nextEvent(`could not connect to ${label} within ${opts.connectTimeoutMs} ms`);
      }
      if (authToken !== undefined) {
        const reply = await session.call(['AUTH', authToken]);
        if (reply !== 'OK') throw new BackupFailedError(`AUTH was refused by ${label}: ${describeReply(reply)}`);
      }
    } catch (err) {
      session.close();
      throw err;
    }
    return session;
  }

  /** From now on, waits are bounded by the silence limit. */
  ready(): void {
    this.waitMs = this.opts.silenceTimeoutMs;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async call(args: readonly (string | Buffer)[]): Promise<Reply> {
    this.socket.write(encodeArgs(args));
    return this.reply();
  }

  async reply(): Promise<Reply> {
    let r = this.reader.tryReply();
    while (r === INCOMPLETE) {
      await this.fill();
      r = this.reader.tryReply();
    }
    return r;
  }

  /** The next line, keep-alive newlines skipped (the answer to SYNC is not a RESP reply). */
  async line(): Promise<string> {
    let r = this.reader.tryLine();
    while (r === INCOMPLETE) {
      await this.fill();
      r = this.reader.tryLine();
    }
    return r;
  }

  /** Reads until the reader holds the bytes it needs to retry what was INCOMPLETE. */
  async fill(): Promise<void> {
    const parts: Buffer[] = [];
    let have = this.reader.buffered;
    while (have < this.reader.need) {
      const chunk = await this.chunk();
      if (chunk === null) throw new TransientDependencyError(`${this.label} closed the connection`);
      parts.push(chunk);
      have += chunk.length;
    }
    this.observe(have + this.socket.readableLength);
    this.reader.append(parts);
  }

  /** Takes the bytes the connection already delivered, without waiting; true when some came. */
  pull(): boolean {
    if (this.failure) throw this.failure;
    const parts: Buffer[] = [];
    for (let chunk = this.socket.read() as Buffer | null; chunk !== null; chunk = this.socket.read() as Buffer | null)
      parts.push(chunk);
    if (parts.length === 0) return false;
    this.receivedAtMs = this.now();
    this.reader.append(parts);
    this.observe(this.reader.buffered + this.socket.readableLength);
    return true;
  }

  /** The next bytes the connection delivers; null once it ended. */
  async chunk(): Promise<Buffer | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.socket.read() as Buffer | null;
      if (chunk !== null) {
        this.receivedAtMs = this.now();
        this.observe(this.reader.buffered + chunk.length + this.socket.readableLength);
        return chunk;
      }
      if (this.ended || this.closed) return null;
      await this.nextEvent(`no data from ${this.label} for ${this.waitMs} ms`);
    }
  }

  /** True when the cache closed the connection (rather than it failing or being closed here). */
  get closedByPeer(): boolean {
    return this.ended && this.failure === undefined && !this.closed;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private observe(held: number): void {
    if (held > this.peakBufferedBytes) this.peakBufferedBytes = held;
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits for the socket's next event (data, end, error), at most `waitMs`; throws the connection's failure. */
  private async nextEvent(timeoutMessage: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.wake = resolve;
        timer = setTimeout(() => reject(new TransientDependencyError(`timeout: ${timeoutMessage}`)), this.waitMs);
      });
    } finally {
      this.wake = undefined;
      clearTimeout(timer);
    }
    if (this.failure) throw this.failure;
  }
}
