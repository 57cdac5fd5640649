/** The RDB backups in S3 the restore path seeds a replacement from, and reading a cache's data to make one. */
import type { BackupManifest, BackupMethod } from '../domain/backup/manifest';
import type { TestRestoreFacts } from '../domain/backup/test-restore';
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

/** Where one backup object lives. */
export interface BackupLocation {
  bucket: string;
  key: string;
}

/**
 * Writes and reads the backups the product makes (S3): objects encrypted
 * SSE-S3, the only encryption ElastiCache seeding reads, and a manifest
 * object beside each (`manifestKeyOf`).
 */
export interface BackupStore {
  /**
   * Streams `body` into one object as a multipart upload, holding only a few
   * parts in memory, with `metadata` as its user metadata and, when
   * `readerCanonicalId` is given, a read grant for it on the object's ACL (the
   * bucket owner keeps full control). Aborts the upload when `body` throws or
   * S3 refuses a part, so no partial object is ever listed. A bucket with ACLs
   * disabled still gets the object, without the grant: `readGrant` says which
   * (present only when a grant was asked for).
   */
  upload(
    location: BackupLocation,
    body: AsyncIterable<Uint8Array>,
    options: { metadata: Record<string, string>; readerCanonicalId?: string },
  ): Promise<{ bytes: number; readGrant?: 'granted' | 'acls-disabled' }>;
  /** The object's bytes as they arrive from S3. InvalidBackupError when there is no such object. */
  read(location: BackupLocation): Promise<AsyncIterable<Uint8Array>>;
  /** The object's size and user metadata; undefined when there is no such object. */
  head(location: BackupLocation): Promise<{ sizeBytes: number; metadata: Record<string, string> } | undefined>;
  writeManifest(location: BackupLocation, manifest: BackupManifest): Promise<void>;
  /** Undefined when the backup has no manifest; InvalidBackupError when it has one that does not parse. */
  readManifest(location: BackupLocation): Promise<BackupManifest | undefined>;
}

/**
 * ElastiCache's own export (for caches that are ElastiCache replication
 * groups): `CreateSnapshot`, then `CopySnapshot` to the bucket, then the
 * snapshot is deleted.
 */
export interface SnapshotExporter {
  /**
   * Resolves with the objects ElastiCache wrote (one RDB file per shard), once
   * the copy is complete, or throws BackupFailedError with ElastiCache's reason
   * (a bucket it may not write to, a snapshot that failed) and
   * CacheWaitTimeoutError when `deadline` passes first.
   */
  exportToS3(
    replicationGroupId: string,
    target: { bucket: string; snapshotName: string },
    deadline: Date,
  ): Promise<{ objects: BackupLocation[]; engine: { name: string; version: string }; snapshotCreatedAt: Date }>;
}

/** How one attempt of one method ended. */
export interface BackupAttempt {
  method: BackupMethod;
  outcome: 'ok' | 'refused' | 'failed';
  reason?: string;
}

/** One scheduled backup run of one cache. */
export interface BackupRun {
  cacheId: string;
  startedAt: string;
  finishedAt: string;
  outcome: 'ok' | 'failed';
  attempts: BackupAttempt[];
  /** Why the run failed (the last attempt's reason). */
  reason?: string;
  /** The backup made, when the run succeeded. */
  backup?: BackupLocation & {
    method: BackupMethod;
    watermark: string;
    pointInTime: boolean;
    keys: number;
    bytes: number;
    rdbVersion: number;
  };
}

/** A backup restored into a scratch cache and compared with what it should hold. */
export type TestRestore = TestRestoreFacts;

/** What the console and the CLI show about a cache's backups. */
export interface BackupStatus {
  cacheId: string;
  lastRun?: BackupRun;
  lastSuccess?: BackupRun;
  /** Runs that failed since the last success. */
  consecutiveFailures: number;
  lastTestRestore?: TestRestore;
}

/** The backup status of each cache, in the incidents table. */
export interface BackupRecords {
  /** Records the run and returns the status it leaves. */
  recordBackupRun(run: BackupRun): Promise<BackupStatus>;
  recordTestRestore(result: TestRestore): Promise<void>;
  backupStatus(cacheId: string): Promise<BackupStatus | undefined>;
}
