/**
 * Runs one mirror cycle alone in a fresh process, as the mirror function does
 * it: the production RedisMirror (default options) from one redis-server into
 * another. Prints one JSON line: duration, the pass, peak RSS.
 *
 * argv: <source port> <target port>
 */
import { RedisMirror } from '../functions/adapters/redis-mirror';

async function main(): Promise<void> {
  const [source, target] = process.argv.slice(2, 4).map(Number);
  if (!source || !target) throw new Error('usage: mirror-child <source port> <target port>');
  const started = performance.now();
  const pass = await new RedisMirror().mirror(
    {
      source: { host: '127.0.0.1', port: source, tls: false },
      target: { host: '127.0.0.1', port: target, tls: false },
    },
    { deadline: new Date(Date.now() + 600_000) },
  );
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ms, pass, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
