/** Fresh redis-server processes and the `redis-cli --pipe` reference loader. */
import { spawn } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startRedis, type RedisProcess } from '../local/elasticache';
import { REDIS_SERVER_BINARY } from '../local/elasticache/redis-process';
import { RespError, infoField, redisCommand, redisCommands } from '../local/elasticache/resp';

export const REDIS_CLI_BINARY = process.env.REDIS_CLI_BINARY ?? 'redis-cli';

export interface FreshRedis {
  port: number;
  dir: string;
  process: RedisProcess;
  stop(): Promise<void>;
}

/** An empty redis-server in its own directory (no persistence), removed on stop. */
export async function freshRedis(): Promise<FreshRedis> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-redis-'));
  const redis = await startRedis({ dir, dbfilename: 'dump.rdb' });
  return {
    port: redis.port,
    dir,
    process: redis,
    async stop() {
      await redis.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function dbsize(port: number): Promise<number> {
  const reply = await redisCommand(port, ['DBSIZE'], { timeoutMs: 10_000 });
  if (typeof reply !== 'number') throw new Error(`DBSIZE answered ${String(reply)}`);
  return reply;
}

/** Loads a RESP file with `redis-cli --pipe`; milliseconds from spawn to exit. */
export async function pipeFile(port: number, file: string): Promise<{ ms: number; replies: number; errors: number }> {
  const fd = openSync(file, 'r');
  try {
    const started = performance.now();
    const child = spawn(REDIS_CLI_BINARY, ['-h', '127.0.0.1', '-p', String(port), '--pipe'], {
      stdio: [fd, 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    const ms = performance.now() - started;
    const m = /errors:\s*(\d+),\s*replies:\s*(\d+)/.exec(out);
    if (code !== 0 || !m) throw new Error(`redis-cli --pipe failed (exit ${String(code)}): ${out.trim()}`);
    return { ms, errors: Number(m[1]), replies: Number(m[2]) };
  } finally {
    closeSync(fd);
  }
}

/** Saves the dataset of a running server and returns the RDB file's path (in the server's directory). */
export async function saveRdb(server: FreshRedis): Promise<string> {
  const reply = await redisCommand(server.port, ['SAVE'], { timeoutMs: 600_000 });
  if (reply instanceof RespError) throw new Error(`SAVE failed: ${reply.message}`);
  return path.join(server.dir, 'dump.rdb');
}

/**
 * The physical limit of a restore: a bare redis-server started on a copy of
 * the RDB file; milliseconds from spawn until PING answers with loading:0.
 */
export async function bareLoad(rdbFile: string, pollMs = 2): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-bare-'));
  try {
    await fs.copyFile(rdbFile, path.join(dir, 'dump.rdb'));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb'];
    args.push('--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--logfile', path.join(dir, 'redis.log'));
    const started = performance.now();
    const child = spawn(REDIS_SERVER_BINARY, args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error('redis-server exited while loading the RDB');
        const replies = await redisCommands(port, [['PING'], ['INFO', 'persistence']], { timeoutMs: 1000 }).catch(
          () => undefined,
        );
        const [pong, info] = replies ?? [];
        if (pong === 'PONG' && typeof info === 'string' && infoField(info, 'loading') === '0')
          return performance.now() - started;
        await sleep(pollMs);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
