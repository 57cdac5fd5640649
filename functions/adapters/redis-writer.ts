/**
 * Bulk write-back into Redis at `redis-cli --pipe` speed, over one or more
 * pipelined connections (./redis-pipe). The record stream is consumed page by
 * page, so memory stays bounded whatever the data size.
 */
import Redis from 'ioredis';
import type { Endpoint } from '../domain/caches';
import { RehydrationFailedError, TransientDependencyError, VerificationFailedError } from '../domain/errors';
import { systemClock, type CacheWriter, type Clock, type SourceRecord } from '../ports';
import { PipeConnection, WriteFailure } from './redis-pipe';
import { describeSocketError, type TlsOptions } from './resp';

export interface RedisWriterOptions {
  /** Parallel connections; keys are spread by hash so repeated keys keep their order. Default 1. */
  connections?: number;
  /** Bytes encoded before they are written to the socket in one piece. Default 512 KiB. */
  chunkBytes?: number;
  /** Unanswered request bytes allowed per connection before encoding waits. Default 4 MiB. */
  maxInFlightBytes?: number;
  /** Time allowed to connect and authenticate. Default 5 s. */
  connectTimeoutMs?: number;
  /** Time without any reply while replies are outstanding before giving up. Default 30 s. */
  replyTimeoutMs?: number;
  tlsOptions?: TlsOptions;
  clock?: Clock;
}

/** Stable string hash (FNV-1a over UTF-16 units) to pin a key to one connection. */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function toDomainError(err: unknown): Error {
  if (err instanceof WriteFailure) {
    return err.transient
      ? new TransientDependencyError(err.message, { cause: err })
      : new RehydrationFailedError(err.message, { cause: err });
  }
  return err as Error;
}

export class RedisWriter implements CacheWriter {
  private readonly opts: Required<Omit<RedisWriterOptions, 'clock' | 'tlsOptions'>> & { tlsOptions: TlsOptions };
  private readonly clock: Clock;

  constructor(options: RedisWriterOptions = {}) {
    this.opts = {
      connections: Math.max(1, Math.floor(options.connections ?? 1)),
      chunkBytes: options.chunkBytes ?? 512 * 1024,
      maxInFlightBytes: options.maxInFlightBytes ?? 4 * 1024 * 1024,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      replyTimeoutMs: options.replyTimeoutMs ?? 30000,
      tlsOptions: options.tlsOptions ?? {},
    };
    this.clock = options.clock ?? systemClock;
  }

  async write(
    endpoint: Endpoint,
    authToken: string | undefined,
    records: AsyncIterable<SourceRecord[]>,
  ): Promise<{ written: number; expiredSkipped: number }> {
    const conns: PipeConnection[] = [];
    for (let i = 0; i < this.opts.connections; i++) conns.push(new PipeConnection(endpoint, authToken, this.opts));
    let expiredSkipped = 0;
    try {
      await Promise.all(conns.map((c) => c.whenReady()));
      const single = conns.length === 1 ? conns[0] : undefined;
      for await (const page of records) {
        const nowSeconds = this.clock.now().getTime() / 1000;
        for (const r of page) {
          if (r.expiresAt !== undefined && r.expiresAt <= nowSeconds) {
            expiredSkipped++;
            continue;
          }
          const conn = single ?? (conns[keyHash(r.key) % conns.length] as PipeConnection);
          const full = conn.set(r.key, r.value, r.expiresAt);
          if (full) await full;
        }
        const broken = conns.find((c) => c.failed);
        if (broken) throw broken.failed;
      }
      await Promise.all(conns.map((c) => c.drain()));
    } catch (err) {
      throw toDomainError(err);
    } finally {
      for (const c of conns) c.close();
    }
    const written = conns.reduce((n, c) => n + c.ok, 0);
    const errors = conns.reduce((n, c) => n + c.errors, 0);
    if (errors > 0) {
      const first = conns.find((c) => c.firstError !== undefined)?.firstError ?? 'unknown error';
      throw new RehydrationFailedError(
        `${errors} of ${written + errors} writes were refused by ${endpoint.host}:${endpoint.port}; first: ${first}`,
      );
    }
    return { written, expiredSkipped };
  }

  async read(endpoint: Endpoint, authToken: string | undefined, keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.withConnection(endpoint, authToken, async (redis) => {
      const out: (string | null)[] = [];
      for (let i = 0; i < keys.length; i += 1000) {
        out.push(...(await redis.mget(...keys.slice(i, i + 1000))));
      }
      return out;
    });
  }

  /** INFO keyspace: one `db<n>:keys=<count>,expires=…` line per database holding keys. */
  async keyCount(endpoint: Endpoint, authToken: string | undefined): Promise<number> {
    return this.withConnection(endpoint, authToken, async (redis) => {
      const info = await redis.info('keyspace');
      let keys = 0;
      for (const match of info.matchAll(/^db\d+:keys=(\d+)/gm)) keys += Number(match[1]);
      return keys;
    });
  }

  /** One short-lived connection for a few reads; a refused command is a failed verification. */
  private async withConnection<T>(
    endpoint: Endpoint,
    authToken: string | undefined,
    use: (redis: Redis) => Promise<T>,
  ): Promise<T> {
    const redis = new Redis({
      host: endpoint.host,
      port: endpoint.port,
      ...(authToken !== undefined ? { password: authToken } : {}),
      ...(endpoint.tls ? { tls: { ...this.opts.tlsOptions, servername: endpoint.host } } : {}),
      lazyConnect: true,
      connectTimeout: this.opts.connectTimeoutMs,
      commandTimeout: this.opts.replyTimeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await use(redis);
    } catch (err) {
      const e = err as Error;
      if (e.name === 'ReplyError')
        throw new VerificationFailedError(`reading from ${endpoint.host}:${endpoint.port} failed: ${e.message}`, {
          cause: err,
        });
      throw new TransientDependencyError(
        `reading from ${endpoint.host}:${endpoint.port} failed: ${describeSocketError(err)}`,
        { cause: err },
      );
    } finally {
      redis.disconnect();
    }
  }
}
