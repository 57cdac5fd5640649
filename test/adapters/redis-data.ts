import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { startRedis, type RedisServer } from './redis-server';

export function client(server: RedisServer, password?: string): Redis {
  return new Redis({
    host: '127.0.0.1',
    port: server.port,
    ...(password !== undefined ? { password } : {}),
    ...(server.certificate ? { tls: { ca: server.certificate } } : {}),
    maxRetriesPerRequest: 0,
  });
}

/** Keys that are not valid UTF-8 or hold protocol bytes. */
export const BINARY_KEYS = [
  Buffer.from([0x00, 0xff, 0x0d, 0x0a]),
  Buffer.from('$3\r\n*1\r\n', 'latin1'),
  Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
  Buffer.alloc(0),
];

/**
 * Data of every type in databases 0, 1 and 5, with binary keys and values and
 * TTLs. Returns each key's absolute expiry (ms) where it has one, by db and key (hex).
 */
export async function seed(redis: Redis, nowMs: number): Promise<Map<string, number>> {
  const expiries = new Map<string, number>();
  for (const db of [0, 1, 5]) {
    await redis.select(db);
    const p = redis.pipeline();
    for (let i = 0; i < 300; i++) p.set(`db${db}:string:${i}`, `välue ${i}\r\n`.repeat(i % 7));
    BINARY_KEYS.forEach((key, i) => p.set(key, Buffer.from([i, 0, 0xff, 13, 10])));
    p.hset(`db${db}:hash`, { field: 'v', other: Buffer.from([0, 1, 2]) });
    p.rpush(`db${db}:list`, 'a', 'b', Buffer.from([0xfe]));
    p.sadd(`db${db}:set`, 'x', 'y', '1', '2');
    p.zadd(`db${db}:zset`, 1.5, 'one', 2, 'two');
    p.xadd(`db${db}:stream`, '*', 'event', 'opened');
    for (let i = 0; i < 50; i++) {
      const at = nowMs + 3_600_000 + i * 1000;
      p.set(`db${db}:ttl:${i}`, String(i), 'PXAT', at);
      expiries.set(`${db}/${Buffer.from(`db${db}:ttl:${i}`).toString('hex')}`, at);
    }
    await p.exec();
  }
  await redis.select(0);
  return expiries;
}

/** DEBUG DIGEST: one hash of every key, value and expiry of the server. */
export async function digest(redis: Redis): Promise<string> {
  return String(await redis.call('DEBUG', 'DIGEST'));
}

/** A server started from an RDB file (`--enable-debug-command local` for DEBUG DIGEST). */
export async function serverFrom(rdb: Buffer): Promise<RedisServer & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rdb-load-'));
  writeFileSync(join(dir, 'dump.rdb'), rdb);
  const server = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb', '--enable-debug-command', 'local']);
  return {
    ...server,
    dir,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** redis-check-rdb's verdict and key count for an RDB file. */
export function checkRdb(rdb: Buffer): { ok: boolean; keys: number } {
  const dir = mkdtempSync(join(tmpdir(), 'rdb-check-'));
  try {
    const file = join(dir, 'dump.rdb');
    writeFileSync(file, rdb);
    const out = execFileSync('redis-check-rdb', [file], { encoding: 'utf8' });
    const keys = /\[info\] (\d+) keys read/.exec(out);
    return { ok: out.includes('RDB looks OK'), keys: keys ? Number(keys[1]) : -1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
