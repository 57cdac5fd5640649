/**
 * The mirror's copy pass, as one stream from the source into the target: for
 * each SCAN page, one pipelined write of `PEXPIRETIME` (or `PTTL` before Redis
 * 7.0) then `DUMP` per key, with the next SCAN ahead of them (at most two pages
 * unanswered, as in ./redis-scan-dump). The replies are parsed where they lie
 * in the read buffer: the expiry first, so that each DUMP bulk string, as the
 * source encoded it, is copied straight into its `RESTORE … REPLACE ABSTTL`
 * after the key and the expiry (./redis-restore-pipe), with no object or wait
 * per key. Replies are read only as fast as the target takes the RESTOREs, so
 * memory stays bounded whatever the number of keys.
 */
import type { Endpoint } from '../domain/caches';
import { BackupFailedError } from '../domain/errors';
import type { MirrorPass } from '../ports';
import { KeyFingerprints } from './key-fingerprints';
import { readCacheInfo, refusal } from './redis-cache-info';
import { scanCommand, type RestorePipe } from './redis-restore-pipe';
import { expiryCommandFor, type ExpiryCommand, type ScanDumpSettings } from './redis-scan-dump';
import { describeReply, INCOMPLETE, RespError, type Reply } from './resp-reader';
import { RespSession } from './resp-session';
import { putBulkHeader } from './resp';

const EXPIRY_HEADS: Record<ExpiryCommand, Buffer> = {
  PTTL: Buffer.from('*2\r\n$4\r\nPTTL\r\n', 'latin1'),
  PEXPIRETIME: Buffer.from('*2\r\n$11\r\nPEXPIRETIME\r\n', 'latin1'),
};
const DUMP_HEAD = Buffer.from('*2\r\n$4\r\nDUMP\r\n', 'latin1');

/** Keys copied between two looks at the clock (deadline, expiry). */
const CLOCK_EVERY = 256;

/** The next SCAN (unless the scan is over), then the expiry command and DUMP for each key, as one buffer. */
export function encodeCopyPage(keys: readonly Buffer[], nextScan: Buffer | undefined, expiry: ExpiryCommand): Buffer {
  const expiryHead = EXPIRY_HEADS[expiry];
  let size = nextScan?.length ?? 0;
  for (const k of keys) size += expiryHead.length + DUMP_HEAD.length + 2 * (k.length + 24);
  const out = Buffer.allocUnsafe(size);
  let o = nextScan ? nextScan.copy(out, 0) : 0;
  const put = (head: Buffer, key: Buffer): void => {
    o += head.copy(out, o);
    o = putBulkHeader(out, o, key.length);
    o += key.copy(out, o);
    out[o++] = 13;
    out[o++] = 10;
  };
  for (const k of keys) {
    put(expiryHead, k);
    put(DUMP_HEAD, k);
  }
  return out.subarray(0, o);
}

export interface CopySource {
  session: RespSession;
  databases: number[];
  keysAtStart: number;
  expiry: ExpiryCommand;
  /** Taken after INFO and before the first SCAN. */
  watermark: Date;
}

/**
 * Connects to the source, reads INFO, and checks every database in use can be
 * selected (cluster-mode engines, proxies and ACLs refuse SELECT) before
 * anything is read; the watermark is taken last.
 */
export async function openCopySource(
  endpoint: Endpoint,
  authToken: string | undefined,
  settings: ScanDumpSettings,
  now: () => number,
): Promise<CopySource> {
  const session = await RespSession.open(endpoint, authToken, settings, now);
  try {
    const info = await readCacheInfo(session, 'scan-dump');
    let current = 0;
    for (const { db } of info.databases) {
      if (db === current) continue;
      await select(session, db);
      current = db;
    }
    if (current !== 0) await select(session, 0);
    session.ready();
    return {
      session,
      databases: info.databases.map((d) => d.db),
      keysAtStart: info.databases.reduce((n, d) => n + d.keys, 0),
      expiry: expiryCommandFor(info.engine),
      watermark: new Date(now()),
    };
  } catch (err) {
    session.close();
    throw err;
  }
}

async function select(session: RespSession, db: number): Promise<void> {
  const reply = await session.call(['SELECT', String(db)]);
  if (reply instanceof RespError) throw refusal('scan-dump', `SELECT ${db}`, session.label, reply.message);
}

function failed(session: RespSession, command: string, reply: Reply): Error {
  return reply instanceof RespError
    ? refusal('scan-dump', command, session.label, reply.message)
    : new BackupFailedError(`${session.label} answered ${command} with ${describeReply(reply)}`);
}

/**
 * Copies every database of the source into the target through `pipe`.
 * `checkDeadline` throws once the deadline passed and otherwise returns the time.
 */
export async function copyKeyspace(
  source: CopySource,
  pipe: RestorePipe,
  scanCount: number,
  checkDeadline: () => number,
): Promise<Omit<MirrorPass, 'deleted' | 'watermark' | 'databases'>> {
  const { session, expiry } = source;
  const reader = session.reader;
  const seen = new KeyFingerprints();
  const pexpiretime = expiry === 'PEXPIRETIME';
  let vanished = 0;
  let bytes = 0;
  let nowMs = checkDeadline();
  let sinceClock = 0;

  /** The next reply, its bulk strings left in place (a SCAN page's keys are only copied into commands). */
  const next = async (): Promise<Reply> => {
    for (;;) {
      const r = reader.tryReplyInPlace();
      if (r !== INCOMPLETE) return r;
      await session.fill();
    }
  };
  /** The next SCAN reply: the cursor, and its keys not seen before in this database. */
  const readPage = async (): Promise<{ more: string | undefined; keys: Buffer[] }> => {
    const page = await next();
    if (!Array.isArray(page) || !Buffer.isBuffer(page[0]) || !Array.isArray(page[1]))
      throw failed(session, 'SCAN', page);
    const cursor = page[0].toString('latin1');
    const keys: Buffer[] = [];
    for (const key of page[1]) {
      if (!Buffer.isBuffer(key)) throw failed(session, 'SCAN', page);
      if (seen.add(key)) keys.push(key);
    }
    return { more: cursor === '0' ? undefined : cursor, keys };
  };
  const send = (page: { more: string | undefined; keys: Buffer[] }): void =>
    session.write(
      encodeCopyPage(page.keys, page.more === undefined ? undefined : scanCommand(page.more, scanCount), expiry),
    );

  let current = 0;
  for (const db of source.databases) {
    if (db !== current) await select(session, db);
    current = db;
    await pipe.select(db);
    seen.clear();
    session.write(scanCommand('0', scanCount));
    let page = await readPage();
    send(page);
    for (;;) {
      const sent = page;
      if (sent.more !== undefined) {
        page = await readPage();
        send(page);
      }
      for (const key of sent.keys) {
        if (++sinceClock === CLOCK_EVERY) {
          sinceClock = 0;
          nowMs = checkDeadline();
        }
        let ttl = reader.tryReply();
        if (ttl === INCOMPLETE) ttl = await session.reply();
        if (typeof ttl !== 'number') throw failed(session, expiry, ttl);
        let dump = reader.tryBulkInPlace();
        while (dump === INCOMPLETE) {
          await session.fill();
          dump = reader.tryBulkInPlace();
        }
        if (dump !== true && dump !== null) throw failed(session, 'DUMP', dump);
        if (dump === null || ttl === -2) {
          vanished++;
          continue;
        }
        const expiresAtMs = ttl < 0 ? 0 : pexpiretime ? ttl : session.receivedAtMs + ttl;
        if (expiresAtMs > 0 && expiresAtMs <= nowMs) {
          vanished++;
          continue;
        }
        bytes += reader.inPlaceLength;
        const full = pipe.restoreEncoded(key, expiresAtMs, reader.inPlaceBytes, reader.inPlaceStart, reader.inPlaceEnd);
        if (full) await full;
      }
      if (sent.more === undefined) break;
    }
  }
  await pipe.drain();
  return { copied: pipe.restored, vanished, bytes };
}
