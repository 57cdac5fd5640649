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
export async function writeRespFile(
  file: string,
  source: Iterable<SourceRecord>,
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
  for (const r of source) {
    chunk += setCommand(r);
    commands += 1;
    if (chunk.length >= 1 << 20) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { commands, bytes };
}
