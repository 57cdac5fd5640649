/**
 * Runs the rehydration path alone in a fresh process: the production cache
 * writer (default options) fed page by page. Prints one JSON line: duration,
 * keys written, peak RSS.
 *
 * argv: <port> <keys> <nowSeconds> <stream|prepared>
 *   stream    records come from a generator, as from a paginated source: the
 *             memory figure (the duration includes making the records).
 *   prepared  the pages are made before the clock starts, as redis-cli's input
 *             file is: the speed figure (only encoding and writing are timed).
 */
import { RedisWriter } from '../functions/adapters/redis-writer';
import type { SourceRecord } from '../functions/ports';
import { pages, records } from './dataset';

async function main(): Promise<void> {
  const [port, keys, nowSeconds] = process.argv.slice(2, 5).map(Number);
  const mode = process.argv[5];
  if (!port || !keys || !nowSeconds || (mode !== 'stream' && mode !== 'prepared'))
    throw new Error('usage: rehydrate-child <port> <keys> <nowSeconds> <stream|prepared>');
  let source: AsyncIterable<SourceRecord[]>;
  if (mode === 'prepared') {
    const prepared: SourceRecord[][] = [];
    for await (const page of pages(records(keys, nowSeconds))) prepared.push(page);
    source = (async function* () {
      yield* prepared;
    })();
  } else source = pages(records(keys, nowSeconds));
  // Start the clock on a compact heap: collect what making the records left behind.
  (globalThis as { gc?: () => void }).gc?.();
  const writer = new RedisWriter();
  const started = performance.now();
  const result = await writer.write({ host: '127.0.0.1', port, tls: false }, undefined, source);
  const ms = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ ms, written: result.written, expiredSkipped: result.expiredSkipped, maxRssMb })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
