/**
 * ElastiCache's own export of a replication group to S3 ("Exporting a backup",
 * ElastiCache User Guide): CreateSnapshot, wait until the snapshot is
 * `available`, CopySnapshot with TargetBucket, wait until the export is
 * written, then DeleteSnapshot of the snapshot, whatever happened.
 *
 * ElastiCache writes one object per node group, `<TargetSnapshotName>-<node
 * group id>.rdb` ("my-exported-backup" gives `my-exported-backup-0001.rdb`).
 * The export is complete when the snapshot is `available` again and every one
 * of those objects is in the bucket.
 */
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BackupFailedError, CacheWaitTimeoutError } from '../domain/errors';
import type { BackupLocation, SnapshotExporter } from '../ports';
import { errorName, isTransient, rethrowAws } from './aws-errors';

/** Every snapshot this adapter makes starts with it, so a role can be limited to them. */
export const EXPORT_SNAPSHOT_PREFIX = 'cache-outage-export-';

const DEFAULT_POLL_MS = 10_000;

type ExportResult = Awaited<ReturnType<SnapshotExporter['exportToS3']>>;

export interface ElastiCacheSnapshotExportOptions {
  client: ElastiCacheClient;
  /** Reads back, with HeadObject, the objects ElastiCache writes. */
  s3: S3Client;
  /** Between two DescribeSnapshots. Default 10 s. */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/** `cache-outage-export-<group>-<yyyymmddhhmmssSSS>`: unique per group and millisecond. */
export function exportSnapshotName(replicationGroupId: string, at: Date): string {
  return `${EXPORT_SNAPSHOT_PREFIX}${replicationGroupId}-${at.toISOString().replace(/\D/g, '')}`;
}

/** Transient failures become TransientDependencyError; ElastiCache's refusals (client faults) BackupFailedError. */
function translate(err: unknown, what: string): never {
  if (isTransient(err)) rethrowAws(err, what);
  const fault = (err as { $fault?: unknown } | null)?.$fault;
  if (fault === 'client') {
    const message = err instanceof Error ? err.message : String(err);
    throw new BackupFailedError(`ElastiCache refused ${what}: ${errorName(err)}: ${message}`, { cause: err });
  }
  throw err;
}

function earliest(times: (Date | undefined)[]): Date | undefined {
  const known = times.filter((t): t is Date => t instanceof Date && !Number.isNaN(t.getTime()));
  return known.length ? new Date(Math.min(...known.map((t) => t.getTime()))) : undefined;
}

export class ElastiCacheSnapshotExport implements SnapshotExporter {
  private readonly client: ElastiCacheClient;
  private readonly s3: S3Client;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(options: ElastiCacheSnapshotExportOptions) {
    this.client = options.client;
    this.s3 = options.s3;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => new Date());
  }

  async exportToS3(
    replicationGroupId: string,
    target: { bucket: string; snapshotName: string },
    deadline: Date,
  ): Promise<ExportResult> {
    const requestedAt = this.now();
    const name = exportSnapshotName(replicationGroupId, requestedAt);
    await this.call(`CreateSnapshot of ${replicationGroupId}`, () =>
      this.client.send(new CreateSnapshotCommand({ ReplicationGroupId: replicationGroupId, SnapshotName: name })),
    );
    let result: ExportResult;
    try {
      result = await this.exportSnapshot(name, target, deadline, requestedAt);
    } catch (err) {
      // ElastiCache refuses to delete a snapshot still creating or copying; it is then left behind.
      await this.deleteSnapshot(name).catch(() => undefined);
      throw err;
    }
    await this.deleteSnapshot(name);
    return result;
  }

  private async exportSnapshot(
    name: string,
    target: { bucket: string; snapshotName: string },
    deadline: Date,
    requestedAt: Date,
  ): Promise<ExportResult> {
    const snapshot = await this.waitFor(name, deadline, 'the snapshot to become available', async (s) => s);
    const objects = this.objectsOf(snapshot, target);
    await this.call(`CopySnapshot of ${name} to bucket ${target.bucket}`, () =>
      this.client.send(
        new CopySnapshotCommand({
          SourceSnapshotName: name,
          TargetSnapshotName: target.snapshotName,
          TargetBucket: target.bucket,
        }),
      ),
    );
    await this.waitFor(name, deadline, `the export to bucket ${target.bucket}`, async (s) =>
      (await this.allWritten(objects)) ? s : undefined,
    );
    return {
      objects,
      engine: { name: snapshot.Engine ?? 'redis', version: snapshot.EngineVersion ?? '' },
      // When the data set was taken, node group by node group: the earliest is the backup's watermark.
      snapshotCreatedAt: earliest((snapshot.NodeSnapshots ?? []).map((n) => n.SnapshotCreateTime)) ?? requestedAt,
    };
  }

  /**
   * Polls the snapshot until it is `available` and `done` returns a value. BackupFailedError when it
   * failed or vanished, CacheWaitTimeoutError when `deadline` passes first.
   */
  private async waitFor<T>(
    name: string,
    deadline: Date,
    what: string,
    done: (snapshot: Snapshot) => Promise<T | undefined>,
  ): Promise<T> {
    for (;;) {
      const snapshot = await this.describe(name);
      const status = snapshot.SnapshotStatus ?? 'unknown';
      if (status === 'failed')
        throw new BackupFailedError(`ElastiCache snapshot ${name} failed while waiting for ${what}`);
      if (status === 'available') {
        const result = await done(snapshot);
        if (result !== undefined) return result;
      }
      const left = deadline.getTime() - this.now().getTime();
      if (left <= 0)
        throw new CacheWaitTimeoutError(
          `Timed out waiting for ${what}: snapshot ${name} is ${status} at the deadline ${deadline.toISOString()}`,
        );
      await this.sleep(Math.min(this.pollIntervalMs, left));
    }
  }

  private async describe(name: string): Promise<Snapshot> {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = (await this.client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0];
    } catch (err) {
      if (errorName(err) !== 'SnapshotNotFoundFault') translate(err, `DescribeSnapshots of ${name}`);
    }
    if (!snapshot) throw new BackupFailedError(`ElastiCache snapshot ${name} no longer exists`);
    return snapshot;
  }

  /** One object per node group the snapshot holds. */
  private objectsOf(snapshot: Snapshot, target: { bucket: string; snapshotName: string }): BackupLocation[] {
    const groups = [...new Set((snapshot.NodeSnapshots ?? []).map((n) => n.NodeGroupId ?? '0001'))].sort();
    return (groups.length ? groups : ['0001']).map((group) => ({
      bucket: target.bucket,
      key: `${target.snapshotName}-${group}.rdb`,
    }));
  }

  private async allWritten(objects: BackupLocation[]): Promise<boolean> {
    for (const { bucket, key } of objects) {
      try {
        await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        const name = errorName(err);
        if (name === 'NotFound' || name === 'NoSuchKey') return false;
        if (isTransient(err)) rethrowAws(err, `S3 HeadObject of s3://${bucket}/${key}`);
        const message = err instanceof Error ? err.message : String(err);
        throw new BackupFailedError(`S3 refused HeadObject of s3://${bucket}/${key}: ${name}: ${message}`, {
          cause: err,
        });
      }
    }
    return true;
  }

  private async deleteSnapshot(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSnapshotCommand({ SnapshotName: name }));
    } catch (err) {
      if (errorName(err) === 'SnapshotNotFoundFault') return;
      translate(err, `DeleteSnapshot of ${name}`);
    }
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      translate(err, what);
    }
  }
}
