/**
 * Global Datastores: a primary replication group in one region and secondaries
 * in others, each a group of its own region's fleet. "Replication across AWS
 * Regions using global datastores" (ElastiCache User Guide): the primary
 * cluster accepts writes and replicates to the secondaries, which only serve
 * reads. FailoverGlobalReplicationGroup (ElastiCache API Reference) makes the
 * secondary named by PrimaryRegion and PrimaryReplicationGroupId the primary,
 * and every other cluster a secondary.
 */
import { ElastiCacheError, globalReplicationGroupNotFound, invalidParameterValue } from './errors';
import type { Fleet, ReplicationGroup } from './fleet';
import { xmlList } from './xml';
import type { XmlStruct } from './xml';

export interface GlobalMemberRef {
  readonly region: string;
  readonly replicationGroupId: string;
}

interface GlobalMember extends GlobalMemberRef {
  role: 'PRIMARY' | 'SECONDARY';
}

interface GlobalDatastore {
  readonly id: string;
  readonly members: GlobalMember[];
  status: 'available' | 'modifying';
}

export const invalidGlobalReplicationGroupState = (message: string): ElastiCacheError =>
  new ElastiCacheError('InvalidGlobalReplicationGroupState', message);

export class GlobalDatastores {
  private readonly datastores = new Map<string, GlobalDatastore>();

  constructor(
    private readonly fleetIn: (region: string) => Fleet,
    private readonly accountId: string,
  ) {}

  /**
   * What CreateGlobalReplicationGroup on the primary and CreateReplicationGroup with
   * GlobalReplicationGroupId in each secondary region produce: the secondaries replicate
   * from the primary cluster. Every group must exist and be available.
   */
  async create(input: {
    globalReplicationGroupId: string;
    primary: GlobalMemberRef;
    secondaries: readonly GlobalMemberRef[];
  }): Promise<void> {
    const id = input.globalReplicationGroupId;
    if (this.datastores.has(id))
      throw new ElastiCacheError('GlobalReplicationGroupAlreadyExistsFault', `Global datastore ${id} already exists.`);
    const member = (ref: GlobalMemberRef, role: GlobalMember['role']): GlobalMember => ({
      region: ref.region,
      replicationGroupId: ref.replicationGroupId.toLowerCase(),
      role,
    });
    const members = [member(input.primary, 'PRIMARY'), ...input.secondaries.map((s) => member(s, 'SECONDARY'))];
    const regions = new Set(members.map((m) => m.region));
    if (regions.size !== members.length)
      throw invalidParameterValue('Each member of a global datastore must be in its own region.');
    for (const m of members) this.groupOf(m);
    const source = this.fleetIn(input.primary.region).primaryPort(input.primary.replicationGroupId);
    if (source === undefined)
      throw invalidGlobalReplicationGroupState(
        `The primary cluster ${input.primary.replicationGroupId} is not running.`,
      );
    for (const secondary of input.secondaries) {
      await this.fleetIn(secondary.region).replicateFrom(secondary.replicationGroupId, { port: source });
    }
    const datastore: GlobalDatastore = { id, members, status: 'available' };
    this.datastores.set(id, datastore);
    for (const m of members) this.groupOf(m).globalReplicationGroup = { id, role: m.role };
  }

  /** A region's API knows the global datastores that have a member in that region. */
  visibleFrom(region: string, id: string): GlobalDatastore {
    const datastore = this.datastores.get(id);
    if (!datastore || !datastore.members.some((m) => m.region === region)) throw globalReplicationGroupNotFound(id);
    return datastore;
  }

  listFrom(region: string): GlobalDatastore[] {
    return [...this.datastores.values()].filter((d) => d.members.some((m) => m.region === region));
  }

  failover(region: string, id: string, primaryRegion: string, primaryReplicationGroupId: string): GlobalDatastore {
    const datastore = this.visibleFrom(region, id);
    if (datastore.status !== 'available')
      throw invalidGlobalReplicationGroupState(`Global datastore ${id} is not available (${datastore.status}).`);
    const next = datastore.members.find(
      (m) => m.region === primaryRegion && m.replicationGroupId === primaryReplicationGroupId.toLowerCase(),
    );
    if (!next)
      throw invalidParameterValue(
        `Replication group ${primaryReplicationGroupId} in ${primaryRegion} is not a member of global datastore ${id}.`,
      );
    if (next.role === 'PRIMARY')
      throw invalidParameterValue(`Replication group ${primaryReplicationGroupId} is already the primary of ${id}.`);
    datastore.status = 'modifying';
    const fleet = this.fleetIn(next.region);
    fleet.promoteGlobalSecondary(next.replicationGroupId, async () => {
      for (const member of datastore.members) {
        member.role = member === next ? 'PRIMARY' : 'SECONDARY';
        const group = this.findGroup(member);
        if (group) group.globalReplicationGroup = { id, role: member.role };
      }
      // The old primary and the other secondaries follow the new primary when they still run.
      const source = fleet.primaryPort(next.replicationGroupId);
      for (const member of datastore.members) {
        if (member === next || source === undefined) continue;
        const other = this.fleetIn(member.region);
        if (this.findGroup(member) && other.primaryPort(member.replicationGroupId) !== undefined) {
          await other.replicateFrom(member.replicationGroupId, { port: source }).catch(() => undefined);
        }
      }
      datastore.status = 'available';
    });
    return datastore;
  }

  render(datastore: GlobalDatastore, showMembers: boolean): XmlStruct {
    const primary = datastore.members.find((m) => m.role === 'PRIMARY');
    const group = primary ? this.findGroup(primary) : undefined;
    return {
      GlobalReplicationGroupId: datastore.id,
      GlobalReplicationGroupDescription: datastore.id,
      Status: datastore.status,
      CacheNodeType: group?.spec.cacheNodeType,
      Engine: group?.spec.engine,
      EngineVersion: group?.spec.engineVersion,
      Members: showMembers
        ? xmlList(
            'GlobalReplicationGroupMember',
            datastore.members.map((m) => ({
              ReplicationGroupId: m.replicationGroupId,
              ReplicationGroupRegion: m.region,
              Role: m.role,
              AutomaticFailover: this.findGroup(m)?.automaticFailover ? 'enabled' : 'disabled',
              Status: 'associated',
            })),
          )
        : undefined,
      ClusterEnabled: false,
      AuthTokenEnabled: group ? group.spec.authToken !== undefined : undefined,
      TransitEncryptionEnabled: group?.spec.transitEncryption,
      AtRestEncryptionEnabled: group?.spec.atRestEncryption,
      // Global datastores are not regional: their ARNs have an empty region.
      ARN: `arn:aws:elasticache::${this.accountId}:globalreplicationgroup:${datastore.id}`,
    };
  }

  private groupOf(member: GlobalMemberRef): ReplicationGroup {
    const group = this.fleetIn(member.region).group(member.replicationGroupId);
    if (group.status !== 'available')
      throw invalidParameterValue(
        `Replication group ${member.replicationGroupId} in ${member.region} is not available.`,
      );
    return group;
  }

  private findGroup(member: GlobalMemberRef): ReplicationGroup | undefined {
    try {
      return this.fleetIn(member.region).group(member.replicationGroupId);
    } catch {
      return undefined;
    }
  }
}
