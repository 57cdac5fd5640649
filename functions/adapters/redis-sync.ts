/**
 * The `sync` backup method: the replication handshake as `redis-cli --rdb`
 * does it (`REPLCONF capa eof`, `REPLCONF rdb-only 1`, `SYNC`), then the RDB
 * payload, streamed chunk by chunk as the consumer pulls it.
 *
 * The cache answers SYNC with `$<length>\r\n` and that many bytes (it wrote
 * the file to disk first), or, diskless, with `$EOF:<40-byte mark>\r\n`, the
 * file, then the mark. Before either it may send bare `\n` keep-alives.
 */
import type { Endpoint } from '../domain/caches';
import { BackupMethodRefusedError, TransientDependencyError } from '../domain/errors';
import type { Clock, RdbSnapshot } from '../ports';
import { readCacheInfo, refusal } from './redis-cache-info';
import { RespSession, type SessionOptions } from './resp-session';

const MARK_BYTES = 40;
const EMPTY = Buffer.alloc(0);

/** Separates a payload from what follows it: `feed` returns the payload bytes of each chunk. */
export interface PayloadFramer {
  readonly done: boolean;
  feed(chunk: Buffer): Buffer[];
}

/** A payload of an announced length. */
export class LengthFramer implements PayloadFramer {
  private remaining: number;

  constructor(length: number) {
    this.remaining = length;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  feed(chunk: Buffer): Buffer[] {
    if (this.remaining === 0 || chunk.length === 0) return [];
    const piece = chunk.length > this.remaining ? chunk.subarray(0, this.remaining) : chunk;
    this.remaining -= piece.length;
    return [piece];
  }
}

/**
 * A payload ended by a 40-byte mark, found even when it is split across
 * chunks. Holds back at most 39 bytes (a possible start of the mark).
 */
export class EofMarkFramer implements PayloadFramer {
  private held: Buffer = EMPTY;
  done = false;

  constructor(private readonly mark: Buffer) {}

  feed(chunk: Buffer): Buffer[] {
    if (this.done || chunk.length === 0) return [];
    const held = this.held;
    const keep = this.mark.length - 1;
    if (held.length > 0) {
      const probe = Buffer.concat([held, chunk.subarray(0, keep)]);
      const at = probe.indexOf(this.mark);
      if (at !== -1) return this.finish(at > 0 ? [held.subarray(0, at)] : []);
    }
    const at = chunk.indexOf(this.mark);
    if (at !== -1) return this.finish([held, chunk.subarray(0, at)].filter((b) => b.length > 0));
    const emit = Math.max(0, held.length + chunk.length - keep);
    if (emit <= held.length) {
      this.held = Buffer.concat([held.subarray(emit), chunk]);
      return emit > 0 ? [held.subarray(0, emit)] : [];
    }
    const fromChunk = emit - held.length;
    this.held = Buffer.from(chunk.subarray(fromChunk));
    return [held, chunk.subarray(0, fromChunk)].filter((b) => b.length > 0);
  }

  private finish(pieces: Buffer[]): Buffer[] {
    this.done = true;
    this.held = EMPTY;
    return pieces;
  }
}

/** The framer for the cache's answer to SYNC; a refusal for an error or anything else. */
export function framerFor(header: string, label: string): { framer: PayloadFramer; announcedBytes?: number } {
  if (header.startsWith('-')) throw refusal('sync', 'SYNC', label, header.slice(1));
  if (header.startsWith('$EOF:') && header.length === 5 + MARK_BYTES) {
    return { framer: new EofMarkFramer(Buffer.from(header.slice(5), 'latin1')) };
  }
  const length = /^\$(\d+)$/.exec(header);
  if (length) return { framer: new LengthFramer(Number(length[1])), announcedBytes: Number(length[1]) };
  throw new BackupMethodRefusedError('sync', 'SYNC', `unexpected answer ${JSON.stringify(header.slice(0, 80))}`);
}

export async function openRdbSync(
  endpoint: Endpoint,
  authToken: string | undefined,
  opts: SessionOptions,
  clock: Clock,
): Promise<RdbSnapshot> {
  const session = await RespSession.open(endpoint, authToken, opts, () => clock.now().getTime());
  const label = session.label;
  let header: string;
  let engine: RdbSnapshot['engine'];
  let watermark: Date;
  try {
    ({ engine } = await readCacheInfo(session, 'sync'));
    // Errors are ignored: a cache that cannot stream diskless writes the file
    // first; one that does not know rdb-only keeps the link open after the file.
    await session.call(['REPLCONF', 'capa', 'eof']);
    await session.call(['REPLCONF', 'rdb-only', '1']);
    session.ready();
    watermark = clock.now();
    session.write(Buffer.from('*1\r\n$4\r\nSYNC\r\n', 'latin1'));
    try {
      header = await session.line();
    } catch (err) {
      if (session.closedByPeer) {
        throw new BackupMethodRefusedError('sync', 'SYNC', 'the connection was closed without an answer', {
          cause: err,
        });
      }
      throw err;
    }
  } catch (err) {
    session.close();
    throw err;
  }
  let framing: ReturnType<typeof framerFor>;
  try {
    framing = framerFor(header, label);
  } catch (err) {
    session.close();
    throw err;
  }
  const { framer, announcedBytes } = framing;
  let bytesRead = 0;
  async function* payload(): AsyncGenerator<Buffer> {
    try {
      let chunk: Buffer | null = session.reader.takeBuffered();
      for (;;) {
        for (const piece of framer.feed(chunk)) {
          bytesRead += piece.length;
          yield piece;
        }
        if (framer.done) return;
        chunk = await session.chunk();
        if (chunk === null) {
          const of = announcedBytes === undefined ? '' : ` of ${announcedBytes}`;
          throw new TransientDependencyError(`${label} closed the connection after ${bytesRead}${of} RDB bytes`);
        }
      }
    } finally {
      session.close();
    }
  }
  return {
    method: 'sync',
    pointInTime: true,
    watermark,
    engine,
    transfer: announcedBytes === undefined ? 'diskless' : 'disk',
    ...(announcedBytes === undefined ? {} : { announcedBytes }),
    chunks: payload(),
    get bytesRead() {
      return bytesRead;
    },
    get peakBufferedBytes() {
      return session.peakBufferedBytes + MARK_BYTES - 1;
    },
    close: () => session.close(),
  };
}
