/**
 * Making one backup by one method: the cache's data streamed into one S3
 * object, never held whole in memory.
 */
import type { Endpoint, ProtectedCache } from '../../domain/caches';
import { backupObjectKey, backupObjectMetadata, type BackupMethod } from '../../domain/backup/manifest';
import { RdbWriter } from '../../domain/backup/rdb-writer';
import { BackupMethodRefusedError, IncompatibleBackupError } from '../../domain/errors';
import { RDB_HEADER_BYTES, rdbVersionOf } from '../../domain/rdb';
import type { BackupLocation, BackupSource, BackupStore, Clock, SnapshotExporter } from '../../ports';

export interface MethodDeps {
  source: BackupSource;
  store: BackupStore;
  exporter: SnapshotExporter;
  clock: Clock;
}

/** What an upload left in S3, before it is read back. */
export interface MadeBackup extends BackupLocation {
  method: BackupMethod;
  pointInTime: boolean;
  watermark: Date;
  startedAt: Date;
  engine: { name: string; version: string };
  bytes: number;
  /** The keys written, when the writer counted them (scan-dump); the read-back must find as many. */
  keysWritten?: number;
}

export interface MethodContext {
  cache: ProtectedCache;
  location: NonNullable<ProtectedCache['backup']>;
  endpoint: Endpoint;
  authToken?: string | undefined;
  /** The newest RDB version the replacement's engine loads; undefined when it has no limit. */
  maxRdbVersion?: number | undefined;
  /** Lets ElastiCache read the object (default Regions); undefined where a bucket policy does. */
  readerCanonicalId?: string | undefined;
  deadline: Date;
}

export async function makeBackup(deps: MethodDeps, method: BackupMethod, ctx: MethodContext): Promise<MadeBackup> {
  if (method === 'sync') return viaSync(deps, ctx);
  if (method === 'scan-dump') return viaScanDump(deps, ctx);
  return viaExport(deps, ctx);
}

/** The replication handshake: the cache's own point-in-time RDB file, byte for byte. */
async function viaSync(deps: MethodDeps, ctx: MethodContext): Promise<MadeBackup> {
  const startedAt = deps.clock.now();
  const snapshot = await deps.source.sync(ctx.endpoint, authOf(ctx));
  try {
    const made = {
      method: 'sync' as const,
      pointInTime: true,
      watermark: snapshot.watermark,
      startedAt,
      engine: snapshot.engine,
    };
    const location = { bucket: ctx.location.bucket, key: backupObjectKey(ctx.location.prefix, made.watermark, 'sync') };
    const { bytes } = await deps.store.upload(location, loadableBy(snapshot.chunks, ctx.maxRdbVersion), {
      metadata: backupObjectMetadata({ cacheId: ctx.cache.id, ...made }),
      ...(ctx.readerCanonicalId ? { readerCanonicalId: ctx.readerCanonicalId } : {}),
    });
    return { ...location, ...made, bytes };
  } finally {
    snapshot.close();
  }
}

/** Key by key: an RDB file written from DUMP payloads, not point-in-time. */
async function viaScanDump(deps: MethodDeps, ctx: MethodContext): Promise<MadeBackup> {
  const startedAt = deps.clock.now();
  const dump = await deps.source.scanDump(ctx.endpoint, authOf(ctx));
  try {
    const made = {
      method: 'scan-dump' as const,
      pointInTime: false,
      watermark: dump.watermark,
      startedAt,
      engine: dump.engine,
    };
    const writer = new RdbWriter(dump.entries, {
      sourceVersion: dump.engine.version,
      createdAt: dump.watermark,
      ...(ctx.maxRdbVersion !== undefined ? { maxRdbVersion: ctx.maxRdbVersion } : {}),
      aux: { 'backup-method': 'scan-dump' },
    });
    const location = {
      bucket: ctx.location.bucket,
      key: backupObjectKey(ctx.location.prefix, made.watermark, 'scan-dump'),
    };
    const { bytes } = await deps.store.upload(location, writer, {
      metadata: backupObjectMetadata({ cacheId: ctx.cache.id, ...made }),
      ...(ctx.readerCanonicalId ? { readerCanonicalId: ctx.readerCanonicalId } : {}),
    });
    return { ...location, ...made, bytes, keysWritten: writer.summary.keys };
  } finally {
    dump.close();
  }
}

/** ElastiCache's own snapshot, copied to the bucket (replication groups only, one shard). */
async function viaExport(deps: MethodDeps, ctx: MethodContext): Promise<MadeBackup> {
  const group = ctx.cache.replicationGroupId;
  if (!group) {
    throw new BackupMethodRefusedError(
      'elasticache-export',
      'CreateSnapshot',
      'the cache is not an ElastiCache replication group (no replicationGroupId configured)',
    );
  }
  const startedAt = deps.clock.now();
  // ElastiCache writes `<TargetSnapshotName>-0001.rdb`: under the prefix, where Assess looks for backups.
  const snapshotName = `${ctx.location.prefix}${startedAt.toISOString().replace(/[:.]/g, '-').toLowerCase()}-elasticache-export`;
  const out = await deps.exporter.exportToS3(group, { bucket: ctx.location.bucket, snapshotName }, ctx.deadline);
  const [object, ...more] = out.objects;
  if (!object || more.length > 0) {
    throw new BackupMethodRefusedError(
      'elasticache-export',
      'CopySnapshot',
      `the export wrote ${out.objects.length} objects; one RDB file per backup (cluster mode disabled) is needed to seed a replacement`,
    );
  }
  const head = await deps.store.head(object);
  return {
    ...object,
    method: 'elasticache-export',
    pointInTime: true,
    watermark: out.snapshotCreatedAt,
    startedAt,
    engine: out.engine,
    bytes: head?.sizeBytes ?? 0,
  };
}

function authOf(ctx: MethodContext): { authToken?: string } {
  return ctx.authToken !== undefined ? { authToken: ctx.authToken } : {};
}

/**
 * Passes the chunks through, refusing (before more is uploaded) a file whose
 * RDB version the replacement's engine would not load.
 */
async function* loadableBy(chunks: AsyncIterable<Buffer>, maxRdbVersion: number | undefined): AsyncIterable<Buffer> {
  let head = Buffer.alloc(0);
  let checked = maxRdbVersion === undefined;
  for await (const chunk of chunks) {
    if (!checked) {
      head = Buffer.concat([head, chunk.subarray(0, RDB_HEADER_BYTES - head.length)]);
      if (head.length >= RDB_HEADER_BYTES) {
        const version = rdbVersionOf(head);
        if (maxRdbVersion !== undefined && version > maxRdbVersion) {
          throw new IncompatibleBackupError(
            `the cache sent RDB format version ${version}; the replacement engine loads up to ${maxRdbVersion}`,
          );
        }
        checked = true;
      }
    }
    yield chunk;
  }
}
