/**
 * The `scan-dump` backup method, for caches that refuse SYNC (most managed
 * providers): `SCAN` over each database in use, and for each page of keys one
 * pipelined write of `DUMP` + `PEXPIRETIME` per key (`PTTL` on engines before
 * Redis 7.0, which lack it; its relative TTL is then anchored to the moment the
 * reply arrived, within a few milliseconds), with the next `SCAN` ahead of
 * them. At most two pages are unanswered at a time, and replies are read
 * only as fast as the consumer takes the entries, so memory stays bounded
 * whatever the number of keys (a single value is held whole, as DUMP returns it).
 */
import type { Endpoint } from '../domain/caches';
import { BackupFailedError } from '../domain/errors';
import type { Clock, KeyDump, KeyspaceDump } from '../ports';
import { KeyFingerprints } from './key-fingerprints';
import { readCacheInfo, refusal } from './redis-cache-info';
import { describeReply, encodeArgs, INCOMPLETE, RespError, type Reply } from './resp-reader';
import { RespSession, type SessionOptions } from './resp-session';

const DUMP_HEAD = '*2\r\n$4\r\nDUMP\r\n';
const EXPIRY_HEADS = {
  PTTL: '*2\r\n$4\r\nPTTL\r\n',
  PEXPIRETIME: '*2\r\n$11\r\nPEXPIRETIME\r\n',
} as const;
export type ExpiryCommand = keyof typeof EXPIRY_HEADS;

/**
 * `PEXPIRETIME` (the absolute expiry, exact) where the engine has it: Redis OSS
 * 7.0 and later, every Valkey; `PTTL` before.
 */
export function expiryCommandFor(engine: { name: string; version: string }): ExpiryCommand {
  const major = Number(engine.version.split('.')[0]);
  return engine.name === 'valkey' || (Number.isFinite(major) && major >= 7) ? 'PEXPIRETIME' : 'PTTL';
}

/** The next SCAN (unless the scan is over), then DUMP + the expiry command for each key, as one buffer. */
export function encodePage(
  keys: readonly Buffer[],
  nextScan: Buffer | undefined,
  expiry: ExpiryCommand = 'PTTL',
): Buffer {
  const expiryHead = EXPIRY_HEADS[expiry];
  const lengths = keys.map((k) => `$${k.length}\r\n`);
  let size = nextScan?.length ?? 0;
  keys.forEach(
    (k, i) => (size += DUMP_HEAD.length + expiryHead.length + 2 * ((lengths[i] as string).length + k.length + 2)),
  );
  const out = Buffer.allocUnsafe(size);
  let o = nextScan ? nextScan.copy(out, 0) : 0;
  keys.forEach((k, i) => {
    for (const head of [DUMP_HEAD, expiryHead]) {
      o += out.write(head, o, 'latin1');
      o += out.write(lengths[i] as string, o, 'latin1');
      o += k.copy(out, o);
      o += out.write('\r\n', o, 'latin1');
    }
  });
  return out;
}

export interface ScanDumpSettings extends SessionOptions {
  /** The COUNT hint of each SCAN: about as many keys per page. */
  scanCount: number;
}

export async function openKeyspaceDump(
  endpoint: Endpoint,
  authToken: string | undefined,
  opts: ScanDumpSettings,
  clock: Clock,
): Promise<KeyspaceDump> {
  const session = await RespSession.open(endpoint, authToken, opts, () => clock.now().getTime());
  const label = session.label;
  let current = 0;
  const select = async (db: number): Promise<void> => {
    const reply = await session.call(['SELECT', String(db)]);
    if (reply instanceof RespError) throw refusal('scan-dump', `SELECT ${db}`, label, reply.message);
    current = db;
  };
  let info: Awaited<ReturnType<typeof readCacheInfo>>;
  try {
    info = await readCacheInfo(session, 'scan-dump');
    // Every database must be selectable before anything is read (cluster-mode
    // engines, proxies and ACLs refuse SELECT): refuse now rather than halfway.
    for (const { db } of info.databases) if (db !== current) await select(db);
    session.ready();
  } catch (err) {
    session.close();
    throw err;
  }
  const databases = info.databases.map((d) => d.db);
  const counts = { dumped: 0, vanished: 0, duplicates: 0 };
  let peakPageBytes = 0;
  const watermark = clock.now();
  const scan = (cursor: string): Buffer => encodeArgs(['SCAN', cursor, 'COUNT', String(opts.scanCount)]);
  const next = async (): Promise<Reply> => {
    const r = session.reader.tryReply();
    return r === INCOMPLETE ? session.reply() : r;
  };
  const failed = (command: string, reply: Reply): Error =>
    reply instanceof RespError
      ? refusal('scan-dump', command, label, reply.message)
      : new BackupFailedError(`${label} answered ${command} with ${describeReply(reply)}`);

  /** The next SCAN reply: the cursor, and its keys not seen before in this database. */
  const readPage = async (seen: KeyFingerprints): Promise<{ more: string | undefined; keys: Buffer[] }> => {
    const page = await next();
    if (!Array.isArray(page) || !Buffer.isBuffer(page[0]) || !Array.isArray(page[1])) throw failed('SCAN', page);
    const cursor = page[0].toString('latin1');
    const keys: Buffer[] = [];
    let pageBytes = 0;
    for (const key of page[1]) {
      if (!Buffer.isBuffer(key)) throw failed('SCAN', page);
      pageBytes += key.length;
      if (seen.add(key)) keys.push(key);
      else counts.duplicates++;
    }
    if (pageBytes > peakPageBytes) peakPageBytes = pageBytes;
    return { more: cursor === '0' ? undefined : cursor, keys };
  };

  /**
   * Each write is the next SCAN, then DUMP + PTTL for the page just read; its
   * SCAN reply arrives before the DUMP replies of the page before, so the page
   * after can go out while this one is read: at most two pages are in flight.
   */
  const expiry = expiryCommandFor(info.engine);
  async function* entries(): AsyncGenerator<KeyDump> {
    const seen = new KeyFingerprints();
    try {
      for (const db of databases) {
        if (db !== current) await select(db);
        seen.clear();
        session.write(scan('0'));
        let page = await readPage(seen);
        session.write(encodePage(page.keys, page.more === undefined ? undefined : scan(page.more), expiry));
        for (;;) {
          const sent = page;
          if (sent.more !== undefined) {
            page = await readPage(seen);
            session.write(encodePage(page.keys, page.more === undefined ? undefined : scan(page.more), expiry));
          }
          for (const key of sent.keys) {
            const dump = await next();
            const ttl = await next();
            if (dump !== null && !Buffer.isBuffer(dump)) throw failed('DUMP', dump);
            if (typeof ttl !== 'number') throw failed(expiry, ttl);
            if (dump === null || ttl === -2) {
              counts.vanished++;
              continue;
            }
            counts.dumped++;
            if (ttl < 0) yield { db, key, dump };
            else yield { db, key, dump, expiresAtMs: expiry === 'PEXPIRETIME' ? ttl : session.receivedAtMs + ttl };
          }
          if (sent.more === undefined) break;
        }
      }
    } finally {
      session.close();
    }
  }

  return {
    method: 'scan-dump',
    pointInTime: false,
    watermark,
    engine: info.engine,
    databases,
    keysAtStart: info.databases.reduce((n, d) => n + d.keys, 0),
    entries: entries(),
    counts,
    get peakBufferedBytes() {
      return session.peakBufferedBytes + 2 * peakPageBytes;
    },
    close: () => session.close(),
  };
}
