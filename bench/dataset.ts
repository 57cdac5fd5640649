/**
 * The records the rehydration and restore benchmarks load: the drill's
 * realistic account flags and customizations (a few with a TTL), streamed
 * from a generator so no benchmark holds all of them, and the same SET
 * commands the cache writer sends, as the RESP text `redis-cli --pipe` reads.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { drillRecord } from '../local/drill/dataset';
import type { SourceRecord } from '../functions/ports';

export function* records(count: number, nowSeconds: number): Generator<SourceRecord> {
  for (let i = 0; i < count; i += 1) {
    const r = drillRecord(i, 0, nowSeconds);
    yield {
      key: r.key,
      value: r.value,
      kind: r.kind,
      updatedAt: 0,
      ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
    };
  }
}

export async function* pages(source: Iterable<SourceRecord>, size = 1000): AsyncGenerator<SourceRecord[]> {
  let page: SourceRecord[] = [];
  for (const r of source) {
    page.push(r);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

function bulk(s: string): string {
  return `$${Buffer.byteLength(s, 'utf8')}\r\n${s}\r\n`;
}

/** `SET key value [EXAT s | PXAT ms]` in RESP, as the cache writer encodes it. */
export function setCommand(r: Pick<SourceRecord, 'key' | 'value' | 'expiresAt'>): string {
  if (r.expiresAt === undefined) return `*3\r\n$3\r\nSET\r\n${bulk(r.key)}${bulk(r.value)}`;
  const whole = Number.isInteger(r.expiresAt);
  const at = whole ? String(r.expiresAt) : String(Math.round(r.expiresAt * 1000));
  return `*5\r\n$3\r\nSET\r\n${bulk(r.key)}${bulk(r.value)}$4\r\n${whole ? 'EXAT' : 'PXAT'}\r\n${bulk(at)}`;
}

/** Writes the SET commands of `source` to `file`; returns the number of commands and bytes. */
export function writeRespFile(
  file: string,
  source: Iterable<SourceRecord>,
): Promise<{ commands: number; bytes: number }> {
  return writeCommands(
    file,
    (function* () {
      for (const r of source) yield setCommand(r);
    })(),
  );
}

function command(args: string[]): string {
  return `*${args.length}\r\n${args.map(bulk).join('')}`;
}

/**
 * The commands that load the backup benchmark's cache: `count` keys, the
 * drill's strings (with their TTLs) for 18 in 20, a hash of four fields and a
 * set of four members for one in 20 each, one hash or set in 50 expiring.
 */
export function* backupDatasetCommands(count: number, nowSeconds: number): Generator<string> {
  for (let i = 0; i < count; i += 1) {
    const kind = i % 20;
    if (kind === 0) {
      const key = `acct:${i}:limits`;
      yield command([
        'HSET',
        key,
        'seats',
        String(5 + (i % 200)),
        'api',
        String(i % 1000),
        'plan',
        'team',
        'region',
        'eu-west-1',
      ]);
      if (i % 1000 === 0) yield command(['EXPIREAT', key, String(nowSeconds + 7 * 24 * 3600)]);
    } else if (kind === 1) {
      const key = `acct:${i}:features`;
      yield command(['SADD', key, 'sso', 'audit-log', `beta-${i % 7}`, `tier-${i % 3}`]);
      if (i % 1000 === 1) yield command(['EXPIREAT', key, String(nowSeconds + 7 * 24 * 3600)]);
    } else {
      const r = drillRecord(i, 0, nowSeconds);
      yield setCommand({ key: r.key, value: r.value, ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}) });
    }
  }
}

/** Writes RESP commands to `file` for `redis-cli --pipe`; returns how many. */
export async function writeCommands(
  file: string,
  source: Iterable<string>,
): Promise<{ commands: number; bytes: number }> {
  const out = createWriteStream(file);
  let commands = 0;
  let bytes = 0;
  let chunk = '';
  const flush = async () => {
    const buffer = Buffer.from(chunk, 'utf8');
    chunk = '';
    bytes += buffer.length;
    if (!out.write(buffer)) await once(out, 'drain');
  };
  for (const c of source) {
    chunk += c;
    commands += 1;
    if (chunk.length >= 1 << 20) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { commands, bytes };
}
