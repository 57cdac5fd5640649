/**
 * Manual snapshots of replication groups and their export to S3, as far as the workflow uses them:
 * CreateSnapshot, DescribeSnapshots, CopySnapshot with TargetBucket, DeleteSnapshot (ElastiCache API
 * Reference; "Taking manual backups", "Exporting a backup" and "Deleting a backup", ElastiCache User Guide).
 *
 * - CreateSnapshot of a group that is not `available`: InvalidReplicationGroupState; a name already taken:
 *   SnapshotAlreadyExistsFault. The snapshot is `creating` until the primary's data set is saved, then
 *   `available`; its node snapshot's SnapshotCreateTime is when the data set was taken.
 * - An unknown snapshot name: SnapshotNotFoundFault (DescribeSnapshots, CopySnapshot, DeleteSnapshot).
 * - CopySnapshot and DeleteSnapshot of a snapshot that is not `available`: InvalidSnapshotState.
 * - CopySnapshot with TargetBucket checks the bucket when called (see SnapshotFetcher.checkExport), then the
 *   source snapshot is `copying` while ElastiCache writes `<TargetSnapshotName>-<node group id>.rdb`
 *   (`my-exported-backup-0001.rdb` for a group without shards) and `available` again once it is written.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ElastiCacheError, invalidParameterValue } from './errors';
import { NODE_GROUP_ID, primaryOf } from './fleet';
import type { Fleet, ReplicationGroupSpec } from './fleet';
import type { SnapshotFetcher } from './snapshot';
import { xmlList } from './xml';
import type { XmlStruct } from './xml';

export type SnapshotStatus = 'creating' | 'available' | 'copying' | 'deleting' | 'failed';

export interface Snapshot {
  readonly name: string;
  readonly arn: string;
  readonly replicationGroupId: string;
  readonly spec: ReplicationGroupSpec;
  readonly cacheClusterId: string;
  readonly automaticFailover: boolean;
  readonly file: string;
  status: SnapshotStatus;
  /** When the primary's data set was taken; set once the snapshot is available. */
  takenAt?: Date;
  sizeBytes?: number;
}

export interface SnapshotStoreOptions {
  readonly region: string;
  readonly accountId: string;
  readonly dataDir: string;
  readonly s3: SnapshotFetcher;
  /** Extra time a snapshot spends in `creating`, and an export in `copying`. */
  readonly delayMs: number;
}

export const snapshotNotFound = (name: string): ElastiCacheError =>
  new ElastiCacheError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404);

const snapshotAlreadyExists = (name: string): ElastiCacheError =>
  new ElastiCacheError('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`);

const invalidSnapshotState = (snapshot: Snapshot): ElastiCacheError =>
  new ElastiCacheError(
    'InvalidSnapshotState',
    `Snapshot ${snapshot.name} is not in available state (${snapshot.status}).`,
  );

export class SnapshotStore {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();

  constructor(
    private readonly fleet: Fleet,
    private readonly options: SnapshotStoreOptions,
  ) {}

  get(name: string): Snapshot {
    const snapshot = this.snapshots.get(name);
    if (!snapshot) throw snapshotNotFound(name);
    return snapshot;
  }

  list(filter: { replicationGroupId?: string }): Snapshot[] {
    return [...this.snapshots.values()].filter(
      (s) => filter.replicationGroupId === undefined || s.replicationGroupId === filter.replicationGroupId,
    );
  }

  create(replicationGroupId: string, name: string): Snapshot {
    const group = this.fleet.group(replicationGroupId);
    if (group.status !== 'available')
      throw new ElastiCacheError(
        'InvalidReplicationGroupState',
        `Replication group ${group.spec.id} is not in available state (${group.status}).`,
      );
    if (this.snapshots.has(name)) throw snapshotAlreadyExists(name);
    const snapshot: Snapshot = {
      name,
      arn: `arn:aws:elasticache:${this.options.region}:${this.options.accountId}:snapshot:${name}`,
      replicationGroupId: group.spec.id,
      spec: group.spec,
      cacheClusterId: primaryOf(group)?.cacheClusterId ?? group.nodes[0]?.cacheClusterId ?? '',
      automaticFailover: group.automaticFailover,
      file: path.join(this.options.dataDir, 'snapshots', `${encodeURIComponent(name)}.rdb`),
      status: 'creating',
    };
    this.snapshots.set(name, snapshot);
    this.run(snapshot, async () => {
      await fs.mkdir(path.dirname(snapshot.file), { recursive: true });
      const takenAt = await this.fleet.savePrimaryTo(group.spec.id, snapshot.file);
      await this.pause();
      snapshot.takenAt = takenAt;
      snapshot.sizeBytes = (await fs.stat(snapshot.file)).size;
      snapshot.status = 'available';
      this.fleet.events.record('replication-group', group.spec.id, `Snapshot succeeded for snapshot with ID '${name}'`);
    });
    return snapshot;
  }

  async exportTo(sourceName: string, targetName: string, bucket: string): Promise<Snapshot> {
    const snapshot = this.get(sourceName);
    if (snapshot.status !== 'available') throw invalidSnapshotState(snapshot);
    if (targetName.length < 1 || targetName.length > 1000)
      throw invalidParameterValue('TargetSnapshotName must be between 1 and 1,000 characters.');
    const key = `${targetName}-${NODE_GROUP_ID}.rdb`;
    await this.options.s3.checkExport(bucket, key, this.options.region);
    if (snapshot.status !== 'available') throw invalidSnapshotState(snapshot);
    snapshot.status = 'copying';
    this.run(snapshot, async () => {
      let outcome: string;
      try {
        await this.pause();
        await this.options.s3.upload(snapshot.file, bucket, key);
        outcome = `Snapshot ${sourceName} exported to s3://${bucket}/${key}`;
      } catch (error) {
        if (this.shutdown.signal.aborted) return;
        outcome = `Export of snapshot ${sourceName} to s3://${bucket}/${key} failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      // The source snapshot is unchanged by an export, whatever its outcome.
      snapshot.status = 'available';
      this.fleet.events.record('replication-group', snapshot.replicationGroupId, outcome);
    });
    return snapshot;
  }

  delete(name: string): Snapshot {
    const snapshot = this.get(name);
    if (snapshot.status !== 'available' && snapshot.status !== 'failed') throw invalidSnapshotState(snapshot);
    snapshot.status = 'deleting';
    this.run(snapshot, async () => {
      await fs.rm(snapshot.file, { force: true });
      this.snapshots.delete(name);
    });
    return snapshot;
  }

  render(snapshot: Snapshot): XmlStruct {
    const { spec } = snapshot;
    return {
      SnapshotName: snapshot.name,
      ReplicationGroupId: snapshot.replicationGroupId,
      ReplicationGroupDescription: spec.description,
      SnapshotStatus: snapshot.status,
      SnapshotSource: 'manual',
      CacheNodeType: spec.cacheNodeType,
      Engine: spec.engine,
      EngineVersion: spec.engineVersion,
      CacheParameterGroupName: spec.cacheParameterGroupName,
      NumNodeGroups: 1,
      AutomaticFailover: snapshot.automaticFailover ? 'enabled' : 'disabled',
      NodeSnapshots: xmlList('NodeSnapshot', [
        {
          CacheClusterId: snapshot.cacheClusterId,
          NodeGroupId: NODE_GROUP_ID,
          CacheSize: snapshot.sizeBytes === undefined ? undefined : `${snapshot.sizeBytes} bytes`,
          SnapshotCreateTime: snapshot.takenAt,
        },
      ]),
      ARN: snapshot.arn,
    };
  }

  /** Background work on a snapshot; a failure marks it `failed` with an event, as ElastiCache reports one. */
  private run(snapshot: Snapshot, work: () => Promise<void>): void {
    const task = work().catch((error: unknown) => {
      if (this.shutdown.signal.aborted) return;
      snapshot.status = 'failed';
      const reason = error instanceof Error ? error.message : String(error);
      this.fleet.events.record(
        'replication-group',
        snapshot.replicationGroupId,
        `Snapshot failed for snapshot with ID '${snapshot.name}': ${reason}`,
      );
    });
    this.tasks.add(task);
    void task.then(() => this.tasks.delete(task));
  }

  private async pause(): Promise<void> {
    await sleep(this.options.delayMs, undefined, { signal: this.shutdown.signal });
  }

  async stop(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.tasks]);
    this.snapshots.clear();
  }
}
