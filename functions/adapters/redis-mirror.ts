/**
 * KeyspaceMirror on raw connections: the copy pass (./redis-mirror-copy: SCAN,
 * pipelined PEXPIRETIME + DUMP, or PTTL before Redis 7) writes each key into
 * the target with a pipelined `RESTORE … REPLACE ABSTTL`
 * (./redis-restore-pipe), database by database.
 *
 * The deletion pass runs alongside it, on connections of its own: it SCANs
 * each database the target holds and asks the source, one pipelined `EXISTS`
 * per key of the page, which of them it still has; the others are `UNLINK`ed
 * from the target. It holds one page of keys at a time whatever the number of
 * keys, where remembering the keys copied (even as 64-bit fingerprints) would
 * grow with the keyspace, and it judges each key by the source's state when it
 * is looked at, so a key the source gained is kept, and one it lost is
 * deleted. A key the source deletes while the pass runs may stay in the target
 * until the next cycle (its RESTORE can land after the sweep passed it): that
 * deletion came after the watermark, like any write the pass may miss.
 */
import type { Endpoint } from '../domain/caches';
import { BackupFailedError, CacheWaitTimeoutError, MirrorRefusedError } from '../domain/errors';
import { systemClock, type Clock, type KeyspaceMirror, type MirrorEnds, type MirrorPass } from '../ports';
import { putBulkHeader, type TlsOptions } from './resp';
import { readCacheInfo, refusal } from './redis-cache-info';
import { RestorePipe, scanCommand } from './redis-restore-pipe';
import { copyKeyspace, openCopySource } from './redis-mirror-copy';
import type { ScanDumpSettings } from './redis-scan-dump';
import { describeReply, encodeArgs, INCOMPLETE, RespError, type Reply } from './resp-reader';
import { RespSession } from './resp-session';

export interface RedisMirrorOptions {
  /** Time allowed to connect, authenticate and read INFO. Default 5 s. */
  connectTimeoutMs?: number;
  /** Time allowed without a byte while a reply is awaited. Default 30 s. */
  silenceTimeoutMs?: number;
  /** SCAN's COUNT hint: keys per page on both ends. Default 1000. */
  scanCount?: number;
  /** RESTORE bytes written to the target in one piece. Default 256 KiB. */
  chunkBytes?: number;
  /** Unanswered RESTORE bytes allowed before the target's replies are read. Default 8 MiB. */
  maxInFlightBytes?: number;
  tlsOptions?: TlsOptions;
  clock?: Clock;
}

const EXISTS_HEAD = Buffer.from('*2\r\n$6\r\nEXISTS\r\n', 'latin1');

/** One `EXISTS key` per key, as one buffer. */
function encodeExists(keys: readonly Buffer[]): Buffer {
  let size = 0;
  for (const k of keys) size += EXISTS_HEAD.length + 24 + k.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const k of keys) {
    o += EXISTS_HEAD.copy(out, o);
    o = putBulkHeader(out, o, k.length);
    o += k.copy(out, o);
    out[o++] = 13;
    out[o++] = 10;
  }
  return out.subarray(0, o);
}

/** The next reply; bulk strings are left in the read buffer (the keys of a SCAN page are only copied into commands). */
async function next(session: RespSession): Promise<Reply> {
  for (;;) {
    const r = session.reader.tryReplyInPlace();
    if (r !== INCOMPLETE) return r;
    await session.fill();
  }
}

function failed(session: RespSession, command: string, reply: Reply): Error {
  return reply instanceof RespError
    ? refusal('scan-dump', command, session.label, reply.message)
    : new BackupFailedError(`${session.label} answered ${command} with ${describeReply(reply)}`);
}

export class RedisMirror implements KeyspaceMirror {
  private readonly settings: ScanDumpSettings;
  private readonly limits: { chunkBytes: number; maxInFlightBytes: number };
  private readonly clock: Clock;

  constructor(options: RedisMirrorOptions = {}) {
    this.settings = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 30000,
      scanCount: Math.max(1, Math.floor(options.scanCount ?? 1000)),
      tlsOptions: options.tlsOptions ?? {},
    };
    this.limits = {
      chunkBytes: options.chunkBytes ?? 256 * 1024,
      maxInFlightBytes: options.maxInFlightBytes ?? 8 * 1024 * 1024,
    };
    this.clock = options.clock ?? systemClock;
  }

  async mirror(
    ends: MirrorEnds,
    options: { deadline: Date; refuse?: (keys: { source: number; target: number }) => string | undefined },
  ): Promise<MirrorPass> {
    const deadline = options.deadline;
    this.checkDeadline(deadline);
    const sessions: RespSession[] = [];
    const open = async (endpoint: Endpoint, authToken: string | undefined): Promise<RespSession> => {
      const session = await RespSession.open(endpoint, authToken, this.settings, () => this.clock.now().getTime());
      sessions.push(session);
      return session;
    };
    try {
      const target = await open(ends.target, ends.targetAuthToken);
      const targetInfo = await readCacheInfo(target, 'scan-dump');
      target.ready();
      const source = await openCopySource(ends.source, ends.sourceAuthToken, this.settings, () =>
        this.clock.now().getTime(),
      );
      sessions.push(source.session);
      const reason = options.refuse?.({
        source: source.keysAtStart,
        target: targetInfo.databases.reduce((n, d) => n + d.keys, 0),
      });
      if (reason !== undefined) throw new MirrorRefusedError(reason);
      // The deletion pass runs alongside the copy, on connections of its own.
      const asked = await open(ends.source, ends.sourceAuthToken);
      const swept = await open(ends.target, ends.targetAuthToken);
      asked.ready();
      swept.ready();
      const databases = [...new Set([...source.databases, ...targetInfo.databases.map((d) => d.db)])];
      const [copy, deleted] = await Promise.all([
        copyKeyspace(source, new RestorePipe(target, this.limits), this.settings.scanCount, () =>
          this.checkDeadline(deadline),
        ),
        this.deleteAll(
          asked,
          swept,
          databases.sort((a, b) => a - b),
          deadline,
        ),
      ]);
      return { ...copy, watermark: source.watermark, databases: source.databases, deleted };
    } finally {
      for (const session of sessions) session.close();
    }
  }

  private async deleteAll(source: RespSession, target: RespSession, databases: number[], deadline: Date) {
    let deleted = 0;
    for (const db of databases) deleted += await this.deleteGone(source, target, db, deadline);
    return deleted;
  }

  /**
   * The deletion pass over one database: each SCAN page of the target goes to
   * the source as EXISTS, and the keys it lacks are UNLINKed in one command;
   * the next SCAN goes out with the EXISTS. Returns the keys deleted.
   */
  private async deleteGone(source: RespSession, target: RespSession, db: number, deadline: Date): Promise<number> {
    for (const [session, end] of [
      [source, 'source'],
      [target, 'target'],
    ] as const) {
      const reply = await session.call(['SELECT', String(db)]);
      if (reply instanceof RespError) throw failed(session, `SELECT ${db} (${end})`, reply);
    }
    const count = this.settings.scanCount;
    let deleted = 0;
    let unlinking = false;
    target.write(scanCommand('0', count));
    for (;;) {
      this.checkDeadline(deadline);
      const page = await next(target);
      // The UNLINK of the page before went out after this page's SCAN.
      if (unlinking) deleted += await this.unlinked(target);
      if (!Array.isArray(page) || !Buffer.isBuffer(page[0]) || !Array.isArray(page[1])) {
        throw failed(target, 'SCAN', page);
      }
      const cursor = page[0].toString('latin1');
      const keys = page[1] as Reply[];
      if (!keys.every((k) => Buffer.isBuffer(k))) throw failed(target, 'SCAN', page);
      if (keys.length > 0) source.write(encodeExists(keys as Buffer[]));
      if (cursor !== '0') target.write(scanCommand(cursor, count));
      const gone: Buffer[] = [];
      for (const key of keys as Buffer[]) {
        let exists = source.reader.tryReply();
        while (exists === INCOMPLETE) {
          await source.fill();
          exists = source.reader.tryReply();
        }
        if (typeof exists !== 'number') throw failed(source, 'EXISTS', exists);
        if (exists === 0) gone.push(key);
      }
      unlinking = gone.length > 0;
      if (unlinking) target.write(encodeArgs(['UNLINK', ...gone]));
      if (cursor === '0') return unlinking ? deleted + (await this.unlinked(target)) : deleted;
    }
  }

  private async unlinked(target: RespSession): Promise<number> {
    const reply = await next(target);
    if (typeof reply !== 'number') throw failed(target, 'UNLINK', reply);
    return reply;
  }

  /** Throws CacheWaitTimeoutError once the deadline passed; otherwise returns the time. */
  private checkDeadline(deadline: Date): number {
    const now = this.clock.now().getTime();
    if (now > deadline.getTime()) {
      throw new CacheWaitTimeoutError(`the mirror pass did not finish by ${deadline.toISOString()}`);
    }
    return now;
  }
}
