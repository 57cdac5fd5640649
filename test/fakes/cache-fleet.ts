import { PromotionFailedError } from '../../functions/domain/errors';
import type { CacheFleet, ReplicationGroupView } from '../../functions/ports';
import { Failures, copy } from './failures';

/** The region the fake's functions run in: groups and calls without a region live here. */
export const FAKE_REGION = 'us-east-1';

/** Statuses in which ElastiCache accepts DeleteReplicationGroup. */
const DELETABLE_STATUSES = ['available', 'create-failed', 'restore-failed'];

export type CreateRequest = Parameters<CacheFleet['createFromBackup']>[0];

interface GlobalDatastore {
  primary: { replicationGroupId: string; region: string };
  secondary: { replicationGroupId: string; region: string };
}

/**
 * ElastiCache in memory, one set of groups per region. `scriptStatuses(id, ['creating', 'available'])`
 * makes each describeGroup report the next status (the last one repeats).
 * createFromBackup is idempotent by id, like CreateReplicationGroup answering
 * ReplicationGroupAlreadyExists. Like ElastiCache, promote refuses a group
 * with automatic failover enabled ("Promoting a read replica to primary").
 */
export class FakeCacheFleet implements CacheFleet {
  readonly failures = new Failures<keyof CacheFleet>();
  readonly calls: { method: keyof CacheFleet; args: unknown[] }[] = [];
  /** Every createFromBackup request, including those that found the group already there. */
  readonly createRequests: CreateRequest[] = [];
  private readonly groups = new Map<string, ReplicationGroupView>();
  private readonly statusScripts = new Map<string, string[]>();
  private readonly globals = new Map<string, GlobalDatastore>();
  private readonly events = new Map<string, { at: string; message: string }[]>();

  addGroup(group: ReplicationGroupView, region = FAKE_REGION): this {
    this.groups.set(key(group.replicationGroupId, region), copy(group));
    return this;
  }

  group(id: string, region = FAKE_REGION): ReplicationGroupView | undefined {
    return copy(this.groups.get(key(id, region)));
  }

  removeGroup(id: string, region = FAKE_REGION): this {
    this.groups.delete(key(id, region));
    return this;
  }

  /** ElastiCache's own automatic failover: `cacheClusterId` becomes the primary. */
  failOver(id: string, cacheClusterId: string, region = FAKE_REGION): this {
    const group = this.groups.get(key(id, region));
    if (!group) throw new Error(`no group ${id} in ${region}`);
    for (const m of group.members) m.role = m.cacheClusterId === cacheClusterId ? 'primary' : 'replica';
    return this;
  }

  scriptStatuses(id: string, statuses: string[]): this {
    this.statusScripts.set(id, [...statuses]);
    return this;
  }

  addGlobal(globalReplicationGroupId: string, datastore: GlobalDatastore): this {
    this.globals.set(globalReplicationGroupId, copy(datastore));
    return this;
  }

  addEvents(id: string, events: { at: string; message: string }[]): this {
    this.events.set(id, [...(this.events.get(id) ?? []), ...events]);
    return this;
  }

  /** Groups that createFromBackup actually created. */
  createdGroups(): string[] {
    return this.calls
      .filter((c) => c.method === 'createFromBackup' && (c.args[1] as { created: boolean }).created)
      .map((c) => (c.args[0] as CreateRequest).replicationGroupId);
  }

  callsOf(method: keyof CacheFleet): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async describeGroup(replicationGroupId: string, region?: string): Promise<ReplicationGroupView | undefined> {
    this.record('describeGroup', replicationGroupId, ...(region ? [region] : []));
    const group = this.groups.get(key(replicationGroupId, region ?? FAKE_REGION));
    if (!group) return undefined;
    const script = this.statusScripts.get(replicationGroupId);
    if (script && script.length) group.status = (script.length > 1 ? script.shift() : script[0]) as string;
    return copy(group);
  }

  async promote(replicationGroupId: string, cacheClusterId: string): Promise<void> {
    this.record('promote', replicationGroupId, cacheClusterId);
    const group = this.groups.get(key(replicationGroupId, FAKE_REGION));
    if (!group) throw new Error(`ReplicationGroupNotFoundFault: ${replicationGroupId}`);
    if (group.automaticFailover) {
      throw new PromotionFailedError(
        `promoting ${cacheClusterId} in ${replicationGroupId} was refused: InvalidParameterCombination: automatic failover is enabled`,
      );
    }
    const target = group.members.find((m) => m.cacheClusterId === cacheClusterId);
    if (!target) throw new Error(`InvalidParameterValue: ${cacheClusterId} is not a member of ${replicationGroupId}`);
    for (const m of group.members) if (m.role === 'primary') m.role = 'replica';
    target.role = 'primary';
    group.status = 'modifying';
  }

  async failoverGlobal(
    globalReplicationGroupId: string,
    primaryRegion: string,
    primaryReplicationGroupId: string,
  ): Promise<void> {
    this.record('failoverGlobal', globalReplicationGroupId, primaryRegion, primaryReplicationGroupId);
    const g = this.globals.get(globalReplicationGroupId);
    if (!g) throw new Error(`GlobalReplicationGroupNotFoundFault: ${globalReplicationGroupId}`);
    if (g.secondary.replicationGroupId !== primaryReplicationGroupId || g.secondary.region !== primaryRegion) {
      throw new Error(`InvalidParameterValue: ${primaryReplicationGroupId} in ${primaryRegion} is not a secondary`);
    }
    this.globals.set(globalReplicationGroupId, { primary: g.secondary, secondary: g.primary });
  }

  async describeGlobalSecondary(
    globalReplicationGroupId: string,
    region?: string,
  ): Promise<{ replicationGroupId: string; region: string } | undefined> {
    this.record('describeGlobalSecondary', globalReplicationGroupId, ...(region ? [region] : []));
    return copy(this.globals.get(globalReplicationGroupId)?.secondary);
  }

  async createFromBackup(request: CreateRequest): Promise<{ alreadyExisted: boolean; status: string }> {
    this.failures.check('createFromBackup');
    this.createRequests.push(copy(request));
    const existing = this.groups.get(key(request.replicationGroupId, FAKE_REGION));
    this.calls.push({ method: 'createFromBackup', args: [copy(request), { created: !existing }] });
    if (existing) return { alreadyExisted: true, status: existing.status };
    const id = request.replicationGroupId;
    this.groups.set(key(id, FAKE_REGION), {
      replicationGroupId: id,
      status: 'creating',
      primaryEndpoint: { host: `master.${id}.fake.cache.amazonaws.com`, port: request.port, tls: true },
      members: Array.from({ length: request.numCacheClusters }, (_, i) => ({
        cacheClusterId: `${id}-${String(i + 1).padStart(3, '0')}`,
        role: i === 0 ? ('primary' as const) : ('replica' as const),
        endpoint: {
          host: `${id}-${String(i + 1).padStart(3, '0')}.fake.cache.amazonaws.com`,
          port: request.port,
          tls: true,
        },
      })),
      automaticFailover: request.numCacheClusters > 1,
    });
    return { alreadyExisted: false, status: 'creating' };
  }

  /**
   * Like DeleteReplicationGroup: refused (`busy`) unless the group is available
   * or failed; the fake then removes the group at once.
   */
  async deleteGroup(replicationGroupId: string): Promise<'deleting' | 'absent' | 'busy'> {
    this.record('deleteGroup', replicationGroupId);
    const group = this.groups.get(key(replicationGroupId, FAKE_REGION));
    if (!group) return 'absent';
    if (!DELETABLE_STATUSES.includes(group.status)) return 'busy';
    this.groups.delete(key(replicationGroupId, FAKE_REGION));
    return 'deleting';
  }

  async recentEvents(
    replicationGroupId: string,
    sinceMinutes: number,
    region?: string,
  ): Promise<{ at: string; message: string }[]> {
    this.record('recentEvents', replicationGroupId, sinceMinutes, ...(region ? [region] : []));
    return copy(this.events.get(replicationGroupId) ?? []);
  }

  private record(method: keyof CacheFleet, ...args: unknown[]): void {
    this.failures.check(method);
    this.calls.push({ method, args });
  }
}

function key(replicationGroupId: string, region: string): string {
  return `${region}/${replicationGroupId}`;
}
