/**
 * BackupSource on raw connections (node:net / node:tls): `sync` (./redis-sync)
 * and `scan-dump` (./redis-scan-dump), both reading through ./resp-session.
 *
 * Not ioredis: SYNC's answer is not a RESP reply (keep-alives, then a payload
 * of any size, possibly ended by a mark), which a client library cannot
 * stream; and for scan-dump a client library keeps a promise and a command
 * object per DUMP and PTTL and reads the socket as fast as it can, whereas
 * here replies are parsed only as the consumer pulls entries (TCP flow
 * control holds the cache back) and a page of commands goes out as one write.
 */
import type { Endpoint } from '../domain/caches';
import { systemClock, type BackupSource, type BackupSourceOptions, type Clock } from '../ports';
import type { KeyspaceDump, RdbSnapshot } from '../ports';
import type { TlsOptions } from './resp';
import { openKeyspaceDump, type ScanDumpSettings } from './redis-scan-dump';
import { openRdbSync } from './redis-sync';

export interface RedisBackupSourceOptions {
  /** Time allowed to connect, authenticate and read INFO. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Time allowed without a byte while the next reply or chunk is awaited.
   * Default 30 s (a cache preparing the RDB file sends a keep-alive each second).
   */
  silenceTimeoutMs?: number;
  /** SCAN's COUNT hint: keys per page, and DUMP + PTTL pairs in flight. Default 1000. */
  scanCount?: number;
  tlsOptions?: TlsOptions;
  clock?: Clock;
}

export class RedisBackupSource implements BackupSource {
  private readonly settings: ScanDumpSettings;
  private readonly clock: Clock;

  constructor(options: RedisBackupSourceOptions = {}) {
    this.settings = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 30000,
      scanCount: Math.max(1, Math.floor(options.scanCount ?? 1000)),
      tlsOptions: options.tlsOptions ?? {},
    };
    this.clock = options.clock ?? systemClock;
  }

  sync(endpoint: Endpoint, options: BackupSourceOptions): Promise<RdbSnapshot> {
    return openRdbSync(endpoint, options.authToken, this.settings, this.clock);
  }

  scanDump(endpoint: Endpoint, options: BackupSourceOptions): Promise<KeyspaceDump> {
    return openKeyspaceDump(endpoint, options.authToken, this.settings, this.clock);
  }
}
