import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ElastiCacheError,
  invalidCacheClusterState,
  invalidParameterCombination,
  invalidParameterValue,
  invalidReplicationGroupState,
  replicationGroupAlreadyExists,
  replicationGroupNotFound,
} from './errors';
import { emulatorConnection, nodeAcl } from './engine-access';
import { EventLog } from './events';
import type { EventFilter, CacheEvent } from './events';
import type { Tag } from './params';
import { RedisStartError, startRedis } from './redis-process';
import type { RedisProcess } from './redis-process';
import { infoField, redisCommand } from './resp';
import type { RedisCommandOptions } from './resp';
import { maxRdbVersionLoadedBy } from '../../functions/domain/rdb';
import { fileHeader, rdbHeaderProblem } from './snapshot';
import type { SnapshotFetcher } from './snapshot';
import type { TlsMaterial } from './tls';

/**
 * `restore-failed`: the backup's data does not fit the node ("Tutorial: Seeding a new
 * node-based cluster with an externally created backup": "If the backup is too large,
 * the resulting cluster has a status of restore-failed").
 */
export type GroupStatus = 'creating' | 'available' | 'modifying' | 'deleting' | 'create-failed' | 'restore-failed';
/** Cache cluster (member) status; a node whose process died is reported as `restore-failed`. */
export type ClusterStatus = 'creating' | 'available' | 'modifying' | 'deleting' | 'restore-failed';
export type NodeRole = 'primary' | 'replica';

export const NODE_GROUP_ID = '0001';
export const CACHE_NODE_ID = '0001';
export const LOCAL_HOST = '127.0.0.1';

export interface CacheNode {
  readonly cacheClusterId: string;
  readonly availabilityZone: string;
  readonly dir: string;
  readonly createdAt: Date;
  role: NodeRole;
  status: ClusterStatus;
  process: RedisProcess | undefined;
}

/** A validated CreateReplicationGroup request. */
export interface ReplicationGroupSpec {
  readonly id: string;
  readonly description: string;
  readonly numCacheClusters: number;
  readonly availabilityZones: readonly string[];
  readonly engine: 'redis' | 'valkey';
  readonly engineVersion: string;
  readonly cacheNodeType: string;
  readonly cacheParameterGroupName: string;
  readonly automaticFailover: boolean;
  readonly multiAz: boolean;
  readonly transitEncryption: boolean;
  readonly atRestEncryption: boolean;
  readonly authToken: string | undefined;
  readonly snapshotArn: string | undefined;
  readonly snapshotRetentionLimit: number;
  readonly snapshotWindow: string;
  readonly preferredMaintenanceWindow: string;
  readonly cacheSubnetGroupName: string | undefined;
  readonly securityGroupIds: readonly string[];
  readonly tags: readonly Tag[];
}

export interface ReplicationGroup {
  readonly spec: ReplicationGroupSpec;
  readonly arn: string;
  readonly createdAt: Date;
  readonly dir: string;
  readonly nodes: readonly CacheNode[];
  status: GroupStatus;
  description: string;
  automaticFailover: boolean;
  multiAz: boolean;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  pendingPrimaryClusterId: string | undefined;
  /** Set while the group is a member of a Global Datastore (see global.ts). */
  globalReplicationGroup?: { readonly id: string; role: 'PRIMARY' | 'SECONDARY' };
}

export interface ReplicationGroupChanges {
  readonly description?: string;
  readonly primaryClusterId?: string;
  readonly automaticFailover?: boolean;
  readonly multiAz?: boolean;
  readonly snapshotRetentionLimit?: number;
  readonly snapshotWindow?: string;
}

export interface NodeProcessInfo {
  readonly cacheClusterId: string;
  readonly role: NodeRole;
  readonly port: number;
  readonly pid: number;
  readonly alive: boolean;
}

/**
 * ElastiCache's account quotas, per region. AWS refuses a CreateReplicationGroup that would exceed one:
 * `NodeQuotaForCustomerExceeded` ("…the allowed number of cache nodes per customer"),
 * `ClusterQuotaForCustomerExceeded` ("…the allowed number of clusters per customer"); ElastiCache API
 * Reference, CreateReplicationGroup, Errors. In a cluster-mode-disabled group each node is a cluster.
 */
export interface ElastiCacheQuotas {
  readonly nodesPerRegion?: number;
  readonly clustersPerCustomer?: number;
}

export interface FleetOptions {
  readonly region: string;
  readonly accountId: string;
  readonly dataDir: string;
  readonly snapshots: SnapshotFetcher;
  readonly creationDelayMs: number;
  readonly failoverDelayMs: number;
  /** Certificate for groups created with TransitEncryptionEnabled; undefined serves them in plaintext. */
  readonly tls: TlsMaterial | undefined;
  /** Memory of a node of the type; undefined when unknown (no restore is then too large). */
  readonly nodeMemoryBytes: (cacheNodeType: string) => number | undefined;
  readonly quotas: ElastiCacheQuotas;
}

const SYNC_TIMEOUT_MS = 15_000;

export function primaryOf(group: ReplicationGroup): CacheNode | undefined {
  return group.nodes.find((node) => node.role === 'primary');
}

export function isLive(node: CacheNode): node is CacheNode & { process: RedisProcess } {
  return node.process?.isAlive() === true;
}

function describeError(error: unknown): string {
  if (error instanceof RedisStartError) {
    const lastWarning = error.logTail
      .split('\n')
      .filter((line) => line.includes(' # '))
      .pop();
    return lastWarning ? lastWarning.slice(lastWarning.indexOf(' # ') + 3) : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** State of every replication group plus the redis-server processes backing them. */
export class Fleet {
  private readonly groups = new Map<string, ReplicationGroup>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  readonly events = new EventLog();

  constructor(private readonly options: FleetOptions) {}

  // ---- queries -------------------------------------------------------------------------------

  group(id: string): ReplicationGroup {
    const group = this.groups.get(id.toLowerCase());
    if (!group) throw replicationGroupNotFound(id);
    return group;
  }

  allGroups(): ReplicationGroup[] {
    return [...this.groups.values()];
  }

  clusters(): { group: ReplicationGroup; node: CacheNode }[] {
    return this.allGroups().flatMap((group) => group.nodes.map((node) => ({ group, node })));
  }

  queryEvents(filter: EventFilter): CacheEvent[] {
    return this.events.query(filter);
  }

  nodeProcesses(replicationGroupId: string): NodeProcessInfo[] {
    return this.group(replicationGroupId).nodes.flatMap((node) =>
      node.process
        ? [
            {
              cacheClusterId: node.cacheClusterId,
              role: node.role,
              port: node.process.port,
              pid: node.process.pid,
              alive: node.process.isAlive(),
            },
          ]
        : [],
    );
  }

  // ---- create ----------------------------------------------------------------------------------

  async create(spec: ReplicationGroupSpec): Promise<ReplicationGroup> {
    this.assertRunning();
    if (this.groups.has(spec.id)) throw replicationGroupAlreadyExists(spec.id);
    if (spec.snapshotArn !== undefined) await this.options.snapshots.check(spec.snapshotArn, this.options.region);
    if (this.groups.has(spec.id)) throw replicationGroupAlreadyExists(spec.id);
    // Counted synchronously, just before the group is added: concurrent creates cannot both fit.
    this.assertQuotas(spec.numCacheClusters);
    const group = this.newGroup(spec);
    this.groups.set(spec.id, group);
    this.runTask(
      group,
      this.provision(group, spec.snapshotArn).catch((error: unknown) =>
        this.failCreation(group, `Creation failed: ${describeError(error)}`),
      ),
    );
    return group;
  }

  private assertQuotas(newNodes: number): void {
    const { nodesPerRegion, clustersPerCustomer } = this.options.quotas;
    const inUse = this.allGroups()
      .filter((group) => group.status !== 'deleting')
      .reduce((nodes, group) => nodes + group.nodes.length, 0);
    if (nodesPerRegion !== undefined && inUse + newNodes > nodesPerRegion) {
      throw new ElastiCacheError(
        'NodeQuotaForCustomerExceeded',
        'The request cannot be processed because it would exceed the allowed number of cache nodes per customer.',
      );
    }
    if (clustersPerCustomer !== undefined && inUse + newNodes > clustersPerCustomer) {
      throw new ElastiCacheError(
        'ClusterQuotaForCustomerExceeded',
        'The request cannot be processed because it would exceed the allowed number of clusters per customer.',
      );
    }
  }

  private newGroup(spec: ReplicationGroupSpec): ReplicationGroup {
    const dir = path.join(this.options.dataDir, spec.id);
    const createdAt = new Date();
    const nodes = Array.from({ length: spec.numCacheClusters }, (_, index): CacheNode => {
      const cacheClusterId = `${spec.id}-${String(index + 1).padStart(3, '0')}`;
      const availabilityZone = spec.availabilityZones[index] ?? `${this.options.region}${'abc'[index % 3] ?? 'a'}`;
      const role: NodeRole = index === 0 ? 'primary' : 'replica';
      return {
        cacheClusterId,
        availabilityZone,
        dir: path.join(dir, cacheClusterId),
        createdAt,
        role,
        status: 'creating',
        process: undefined,
      };
    });
    return {
      spec,
      arn: `arn:aws:elasticache:${this.options.region}:${this.options.accountId}:replicationgroup:${spec.id}`,
      createdAt,
      dir,
      nodes,
      status: 'creating',
      description: spec.description,
      automaticFailover: spec.automaticFailover,
      multiAz: spec.multiAz,
      snapshotRetentionLimit: spec.snapshotRetentionLimit,
      snapshotWindow: spec.snapshotWindow,
      pendingPrimaryClusterId: undefined,
    };
  }

  private async provision(group: ReplicationGroup, snapshotArn: string | undefined): Promise<void> {
    await this.pause(this.options.creationDelayMs);
    if (this.stopped) return;
    const [primary, ...replicas] = group.nodes;
    if (!primary) return;
    await this.prepareDirectories(group);
    const rdb = snapshotArn === undefined ? undefined : path.join(primary.dir, 'dump.rdb');
    if (snapshotArn !== undefined && rdb !== undefined) {
      await this.options.snapshots.download(snapshotArn, rdb);
      const header = await fileHeader(rdb);
      const headerProblem = rdbHeaderProblem(header) ?? this.rdbVersionProblem(group.spec, header);
      if (headerProblem !== undefined)
        return this.failCreation(
          group,
          `Restore from snapshot failed for node group ${NODE_GROUP_ID}: ${headerProblem}`,
        );
    }
    try {
      await this.startNode(group, primary);
    } catch (error) {
      const reason = describeError(error);
      const prefix =
        rdb === undefined
          ? 'Failed to start primary node'
          : `Restore from snapshot failed for node group ${NODE_GROUP_ID}`;
      return this.failCreation(group, `${prefix}: ${reason}`);
    }
    if (rdb !== undefined) {
      const tooLarge = await this.dataTooLarge(group, primary);
      if (tooLarge !== undefined) return this.failRestore(group, tooLarge);
    }
    const primaryPort = primary.process?.port ?? 0;
    const started = await Promise.allSettled(replicas.map((replica) => this.startNode(group, replica, primaryPort)));
    const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) return this.failCreation(group, `Failed to start replica node: ${describeError(failure.reason)}`);
    if (this.stopped) return;
    this.markAvailable(group, rdb !== undefined);
  }

  /** An engine refuses an RDB file newer than it knows ("Can't handle RDB format version N"). */
  private rdbVersionProblem(spec: ReplicationGroupSpec, header: Buffer): string | undefined {
    const version = Number(header.toString('latin1', 5, 9));
    const max = maxRdbVersionLoadedBy(spec.engine, spec.engineVersion);
    if (max === undefined || version <= max) return undefined;
    return `Can't handle RDB format version ${version}: ${spec.engine} ${spec.engineVersion} loads RDB format versions up to ${max}`;
  }

  /** The memory the restored data takes on the primary, when it is more than a node of the group's type has. */
  private async dataTooLarge(group: ReplicationGroup, primary: CacheNode): Promise<string | undefined> {
    const memory = this.options.nodeMemoryBytes(group.spec.cacheNodeType);
    if (memory === undefined || !isLive(primary)) return undefined;
    const info = await redisCommand(primary.process.port, ['INFO', 'memory'], this.connection(group));
    const used = typeof info === 'string' ? Number(infoField(info, 'used_memory')) : NaN;
    if (!(used > memory)) return undefined;
    return `the data (${used} bytes in memory) does not fit a ${group.spec.cacheNodeType} node (${memory} bytes)`;
  }

  private async failRestore(group: ReplicationGroup, reason: string): Promise<void> {
    await Promise.all(group.nodes.map((node) => node.process?.stop()));
    group.status = 'restore-failed';
    for (const node of group.nodes) node.status = 'restore-failed';
    this.events.record(
      'replication-group',
      group.spec.id,
      `Restore from snapshot failed for node group ${NODE_GROUP_ID}: ${reason}`,
    );
  }

  private async prepareDirectories(group: ReplicationGroup): Promise<void> {
    await fs.rm(group.dir, { recursive: true, force: true });
    for (const node of group.nodes) await fs.mkdir(node.dir, { recursive: true });
  }

  private tlsFor(group: ReplicationGroup): TlsMaterial | undefined {
    return group.spec.transitEncryption ? this.options.tls : undefined;
  }

  /** The emulator's own access to the group's nodes: clients are refused the restricted commands, it is not. */
  private connection(group: ReplicationGroup): RedisCommandOptions {
    return emulatorConnection(this.tlsFor(group)?.caPem);
  }

  private async startNode(group: ReplicationGroup, node: CacheNode, primaryPort?: number): Promise<void> {
    const replicaOf = primaryPort === undefined ? undefined : { host: LOCAL_HOST, port: primaryPort };
    const redis = await startRedis({
      dir: node.dir,
      dbfilename: 'dump.rdb',
      requirePass: group.spec.authToken,
      acl: nodeAcl(),
      replicaOf,
      tls: this.tlsFor(group),
    });
    node.process = redis;
    void redis.exited.then(() => this.onProcessExit(group, node, redis));
  }

  private markAvailable(group: ReplicationGroup, restored: boolean): void {
    group.status = 'available';
    for (const node of group.nodes) {
      node.status = 'available';
      this.events.record('cache-cluster', node.cacheClusterId, 'Cache cluster created');
    }
    if (restored)
      this.events.record(
        'replication-group',
        group.spec.id,
        `Restored from snapshot ${group.spec.snapshotArn ?? ''} for node group ${NODE_GROUP_ID}`,
      );
    this.events.record('replication-group', group.spec.id, `Replication group ${group.spec.id} created`);
  }

  private async failCreation(group: ReplicationGroup, message: string): Promise<void> {
    await Promise.all(group.nodes.map((node) => node.process?.stop()));
    group.status = 'create-failed';
    for (const node of group.nodes) node.status = 'restore-failed';
    this.events.record('replication-group', group.spec.id, message);
  }

  // ---- failures and failover -------------------------------------------------------------------

  private onProcessExit(group: ReplicationGroup, node: CacheNode, redis: RedisProcess): void {
    if (redis.stopping || node.process !== redis || this.stopped) return;
    if (['creating', 'deleting', 'create-failed', 'restore-failed'].includes(group.status)) return;
    node.status = 'restore-failed';
    this.events.record(
      'cache-cluster',
      node.cacheClusterId,
      `Cache node ${CACHE_NODE_ID} failed in cluster ${node.cacheClusterId}`,
    );
    if (node.role === 'primary' && group.automaticFailover) this.runTask(group, this.autoFailover(group, node));
  }

  private async autoFailover(group: ReplicationGroup, failedPrimary: CacheNode): Promise<void> {
    await this.pause(this.options.failoverDelayMs);
    if (this.stopped || group.status !== 'available' || primaryOf(group) !== failedPrimary) return;
    const replica = group.nodes.find((node) => node.role === 'replica' && isLive(node));
    if (!replica) {
      this.events.record(
        'replication-group',
        group.spec.id,
        `Failover failed: no healthy replica in node group ${NODE_GROUP_ID}`,
      );
      return;
    }
    await this.failover(group, failedPrimary, replica);
  }

  /**
   * The events TestFailover's API reference lists, in that order: on the cache cluster, then on the
   * replication group, "Failover from primary node <primary-node-id> to replica node <node-id> completed".
   */
  private async failover(group: ReplicationGroup, from: CacheNode, to: CacheNode): Promise<void> {
    group.status = 'modifying';
    await this.switchPrimary(group, to);
    const message = `Failover from primary node ${from.cacheClusterId} to replica node ${to.cacheClusterId} completed`;
    this.events.record('cache-cluster', from.cacheClusterId, message);
    this.events.record('replication-group', group.spec.id, message);
    this.finishModification(group);
  }

  /** REPLICAOF NO ONE on the target, REPLICAOF target on every other live node, then wait for the links. */
  private async switchPrimary(group: ReplicationGroup, target: CacheNode): Promise<void> {
    const connection = this.connection(group);
    const others = group.nodes.filter((node) => node !== target && isLive(node));
    try {
      if (!isLive(target)) throw new Error(`cache cluster ${target.cacheClusterId} is not running`);
      const port = target.process.port;
      await redisCommand(port, ['REPLICAOF', 'NO', 'ONE'], connection);
      await Promise.all(
        others.map((node) =>
          redisCommand(node.process?.port ?? 0, ['REPLICAOF', LOCAL_HOST, String(port)], connection),
        ),
      );
      for (const node of group.nodes) node.role = node === target ? 'primary' : 'replica';
      await Promise.all(others.map((node) => this.waitForLink(node, connection)));
    } catch (error) {
      this.events.record(
        'replication-group',
        group.spec.id,
        `Promotion of ${target.cacheClusterId} did not complete: ${describeError(error)}`,
      );
    }
  }

  private async waitForLink(node: CacheNode, connection: RedisCommandOptions): Promise<void> {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (Date.now() < deadline && isLive(node) && !this.stopped) {
      const info = await redisCommand(node.process.port, ['INFO', 'replication'], connection).catch(() => '');
      if (typeof info === 'string' && infoField(info, 'master_link_status') === 'up') return;
      await this.pause(50);
    }
  }

  private finishModification(group: ReplicationGroup): void {
    group.pendingPrimaryClusterId = undefined;
    if (group.status === 'modifying') group.status = 'available';
  }

  // ---- snapshots (see snapshots.ts) ----------------------------------------------------------------

  /**
   * SAVE on the group's primary node, then copies its RDB file to `file`: the data set a snapshot of the
   * group holds. Resolves with the moment SAVE was sent (the data set is the primary's at that moment).
   */
  async savePrimaryTo(id: string, file: string): Promise<Date> {
    const group = this.group(id);
    const primary = primaryOf(group);
    if (!primary || !isLive(primary))
      throw invalidReplicationGroupState(`Replication group ${id} has no running primary.`);
    // SAVE is refused while a fork is at work (a replica's full sync, say): wait for it, as ElastiCache's
    // snapshot would.
    for (let attempt = 0; ; attempt += 1) {
      const takenAt = new Date();
      try {
        await redisCommand(primary.process.port, ['SAVE'], this.connection(group));
        await fs.copyFile(path.join(primary.dir, 'dump.rdb'), file);
        return takenAt;
      } catch (error) {
        const busy = error instanceof Error && /in progress/i.test(error.message);
        if (!busy || attempt >= 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  // ---- Global Datastore membership (see global.ts) ------------------------------------------------

  /** The port clients and secondaries reach the group's primary node on, when it runs. */
  primaryPort(id: string): number | undefined {
    const primary = primaryOf(this.group(id));
    return primary && isLive(primary) ? primary.process.port : undefined;
  }

  /** A Global Datastore secondary: the group's primary node replicates from `source` (the primary cluster's primary). */
  async replicateFrom(id: string, source: { port: number }): Promise<void> {
    const group = this.group(id);
    const primary = primaryOf(group);
    if (!primary || !isLive(primary))
      throw invalidReplicationGroupState(`Replication group ${id} has no running primary.`);
    const connection = this.connection(group);
    await redisCommand(primary.process.port, ['REPLICAOF', LOCAL_HOST, String(source.port)], connection);
    await this.waitForLink(primary, connection);
  }

  /**
   * The group becomes the primary cluster of its Global Datastore: its primary node stops replicating and
   * accepts writes. The group is `modifying` until then; `then` runs afterwards (the other members follow it).
   */
  promoteGlobalSecondary(id: string, then: () => Promise<void>): ReplicationGroup {
    const group = this.group(id);
    const primary = primaryOf(group);
    if (!primary || !isLive(primary))
      throw invalidReplicationGroupState(`Replication group ${id} has no running primary.`);
    group.status = 'modifying';
    this.runTask(
      group,
      (async () => {
        await this.pause(0);
        await redisCommand(primary.process?.port ?? 0, ['REPLICAOF', 'NO', 'ONE'], this.connection(group));
        await then();
        this.finishModification(group);
      })(),
    );
    return group;
  }

  // ---- modify, test failover, delete --------------------------------------------------------------

  modify(id: string, changes: ReplicationGroupChanges): ReplicationGroup {
    const group = this.group(id);
    if (group.status !== 'available')
      throw invalidReplicationGroupState(
        `Replication group ${group.spec.id} is not in available state (${group.status}).`,
      );
    const automaticFailover = changes.automaticFailover ?? group.automaticFailover;
    const multiAz = changes.multiAz ?? (changes.automaticFailover === false ? false : group.multiAz);
    this.validateFailoverSettings(group, automaticFailover, multiAz);
    const target =
      changes.primaryClusterId === undefined
        ? undefined
        : this.promotionTarget(group, changes.primaryClusterId, automaticFailover);
    group.automaticFailover = automaticFailover;
    group.multiAz = multiAz;
    group.description = changes.description ?? group.description;
    group.snapshotRetentionLimit = changes.snapshotRetentionLimit ?? group.snapshotRetentionLimit;
    group.snapshotWindow = changes.snapshotWindow ?? group.snapshotWindow;
    if (target && target !== primaryOf(group)) this.startPromotion(group, target);
    return group;
  }

  private validateFailoverSettings(group: ReplicationGroup, automaticFailover: boolean, multiAz: boolean): void {
    if (automaticFailover && group.nodes.length < 2) {
      throw invalidParameterCombination(
        'Automatic failover requires at least one read replica in the replication group.',
      );
    }
    if (multiAz && !automaticFailover)
      throw invalidParameterCombination('Multi-AZ can only be enabled when automatic failover is enabled.');
  }

  /**
   * "Promoting a read replica to primary, for Valkey or Redis OSS (cluster mode disabled) replication
   * groups" (ElastiCache User Guide): a read replica can't be promoted while Multi-AZ with automatic
   * failover is enabled; the guide disables Multi-AZ in a modification before the promotion. Refused
   * with InvalidParameterCombination, the ModifyReplicationGroup error for incompatible parameters.
   */
  private promotionTarget(group: ReplicationGroup, primaryClusterId: string, automaticFailover: boolean): CacheNode {
    if (automaticFailover || group.automaticFailover) {
      throw invalidParameterCombination(
        `Cannot promote cache cluster ${primaryClusterId} to primary of replication group ${group.spec.id} while automatic failover is enabled. Disable Multi-AZ and automatic failover first.`,
      );
    }
    const target = group.nodes.find((node) => node.cacheClusterId === primaryClusterId.toLowerCase());
    if (!target)
      throw invalidParameterValue(
        `Cache cluster ${primaryClusterId} is not a member of replication group ${group.spec.id}.`,
      );
    if (!isLive(target))
      throw invalidCacheClusterState(
        `Cache cluster ${target.cacheClusterId} is not in available state (${target.status}).`,
      );
    return target;
  }

  private startPromotion(group: ReplicationGroup, target: CacheNode): void {
    group.status = 'modifying';
    group.pendingPrimaryClusterId = target.cacheClusterId;
    this.runTask(
      group,
      (async () => {
        await this.pause(0);
        await this.switchPrimary(group, target);
        this.events.record(
          'replication-group',
          group.spec.id,
          `Promoted cache cluster ${target.cacheClusterId} to primary`,
        );
        this.finishModification(group);
      })(),
    );
  }

  delete(id: string): ReplicationGroup {
    const group = this.group(id);
    if (group.status !== 'available' && group.status !== 'create-failed' && group.status !== 'restore-failed') {
      throw invalidReplicationGroupState(
        `Replication group ${group.spec.id} is not in available state (${group.status}).`,
      );
    }
    group.status = 'deleting';
    for (const node of group.nodes) node.status = 'deleting';
    this.runTask(group, this.teardown(group));
    return group;
  }

  private async teardown(group: ReplicationGroup): Promise<void> {
    await Promise.all(group.nodes.map((node) => node.process?.stop()));
    await fs.rm(group.dir, { recursive: true, force: true });
    this.groups.delete(group.spec.id);
    this.events.record('replication-group', group.spec.id, `Replication group ${group.spec.id} deleted`);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  private get stopped(): boolean {
    return this.shutdown.signal.aborted;
  }

  private assertRunning(): void {
    if (this.stopped)
      throw new ElastiCacheError('ServiceUnavailable', 'The service is shutting down.', 503, 'Receiver');
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.shutdown.signal }).catch(() => undefined);
  }

  /** Tracks background work so stop() can await it; an unexpected failure becomes an event on the group. */
  private runTask(group: ReplicationGroup, task: Promise<void>): void {
    const tracked = task.catch((error: unknown) => {
      if (!this.stopped)
        this.events.record('replication-group', group.spec.id, `Internal error: ${describeError(error)}`);
    });
    this.tasks.add(tracked);
    void tracked.then(() => this.tasks.delete(tracked));
  }

  /** Stops every redis-server and waits for background work; the fleet accepts no new groups afterwards. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.tasks]);
    const processes = this.clusters().flatMap(({ node }) => (node.process ? [node.process] : []));
    await Promise.all(processes.map((redis) => redis.stop()));
    await Promise.all(this.allGroups().map((group) => fs.rm(group.dir, { recursive: true, force: true })));
    this.groups.clear();
  }
}
