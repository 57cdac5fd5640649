/** The RDB backups in S3 the restore path seeds a replacement from, and reading a cache's data to make one. */
import type { Endpoint } from '../domain/caches';

export interface BackupObject {
  bucket: string;
  key: string;
  lastModified: string;
  sizeBytes: number;
}

export interface BackupCatalog {
  /** Newest first. */
  list(bucket: string, prefix: string): Promise<BackupObject[]>;
  readHeader(bucket: string, key: string, bytes: number): Promise<Uint8Array>;
}

/**
 * Lets ElastiCache read a backup object: a read grant to ElastiCache's canonical
 * user on the object's ACL, added to the grants the object already has.
 */
export interface BackupReadGrant {
  /**
   * Idempotent: `alreadyGranted` when the ACL already let `canonicalId` read the
   * object. Throws CacheProvisioningFailedError when S3 refuses ACLs on the bucket.
   */
  grantRead(bucket: string, key: string, canonicalId: string): Promise<{ alreadyGranted: boolean }>;
}

/** How to reach a cache to read its data. */
export interface BackupSourceOptions {
  authToken?: string;
}

/**
 * A whole RDB file as the cache's replication handshake sends it (`SYNC`, as
 * `redis-cli --rdb` does): a point-in-time snapshot, taken when the cache
 * forks after `SYNC`.
 */
export interface RdbSnapshot {
  readonly method: 'sync';
  readonly pointInTime: true;
  /** When SYNC was sent: the snapshot holds the writes the cache had applied by then. */
  readonly watermark: Date;
  /** `redis` or `valkey`, and its version, from INFO server. */
  readonly engine: { name: string; version: string };
  /** `disk`: the cache announced the length first; `diskless`: the payload ends at a mark. */
  readonly transfer: 'disk' | 'diskless';
  /** The length the cache announced (disk transfers only). */
  readonly announcedBytes?: number;
  /**
   * The payload, chunk by chunk, read from the connection only as fast as it
   * is consumed; can be iterated once. Throws TransientDependencyError when
   * the connection fails or falls silent before the end.
   */
  readonly chunks: AsyncIterable<Buffer>;
  /** Payload bytes yielded so far: the payload's length once `chunks` ended. */
  readonly bytesRead: number;
  /** The most bytes held at once between the connection and the consumer. */
  readonly peakBufferedBytes: number;
  /** Closes the connection; for a caller that stops before the end. Idempotent. */
  close(): void;
}

/** One key as `DUMP` serializes it (its value in RDB format), with its absolute expiry. */
export interface KeyDump {
  db: number;
  key: Buffer;
  dump: Buffer;
  /** Unix time in ms; absent when the key does not expire. */
  expiresAtMs?: number;
}

/**
 * Every key of every database the cache uses, read by `SCAN` with `DUMP` and
 * `PTTL`. Not a point-in-time snapshot: each key is read when the scan reaches
 * it, so writes made during the scan may or may not be in it, and rehydration
 * must start from the watermark.
 */
export interface KeyspaceDump {
  readonly method: 'scan-dump';
  readonly pointInTime: false;
  /** Taken before the first SCAN: every write the dump may lack is at or after it. */
  readonly watermark: Date;
  /** `redis` or `valkey`, and its version, from INFO server. */
  readonly engine: { name: string; version: string };
  /** Databases that held keys when the scan started (INFO keyspace), ascending. */
  readonly databases: number[];
  /** Keys INFO keyspace counted at the start; keys come and go during the scan. */
  readonly keysAtStart: number;
  /** Keys in scan order, database after database; can be iterated once. */
  readonly entries: AsyncIterable<KeyDump>;
  /**
   * Updated as entries are read. `vanished`: keys SCAN returned that were gone
   * (deleted or expired) by the time of their DUMP; `duplicates`: keys SCAN
   * returned twice (it may), yielded once.
   */
  readonly counts: { readonly dumped: number; readonly vanished: number; readonly duplicates: number };
  /** The most bytes held at once between the connection and the consumer. */
  readonly peakBufferedBytes: number;
  /** Closes the connection; for a caller that stops before the end. Idempotent. */
  close(): void;
}

/**
 * Reads a cache's data for a backup. Both methods throw
 * BackupMethodRefusedError when the cache refuses a command they need (the
 * caller may try the other) and for a cluster-mode cache (one node holds only
 * its own hash slots), BackupFailedError when credentials are refused, and
 * TransientDependencyError when the connection fails or falls silent.
 */
export interface BackupSource {
  /** Resolves once the cache started sending the RDB payload. */
  sync(endpoint: Endpoint, options: BackupSourceOptions): Promise<RdbSnapshot>;
  /** Resolves once the databases are known and each one can be selected. */
  scanDump(endpoint: Endpoint, options: BackupSourceOptions): Promise<KeyspaceDump>;
}
