import { PromotionFailedError } from '../../functions/domain/errors';
import { promote } from '../../functions/usecases/promote';
import { assessment, CACHE_ID, INCIDENT_ID, worldWithIncident } from './support';

const replica = {
  replicationGroupId: 'sessions',
  cacheClusterId: 'sessions-002',
  endpoint: { host: 'r2.example', port: 6379, tls: true },
};
const promoteInput = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  assessment: assessment({ plan: 'PROMOTE_REPLICA', replica, backup: undefined, requiresApproval: false }),
};

function worldWithGroup(automaticFailover = false) {
  const world = worldWithIncident({ replicationGroupId: 'sessions' });
  world.fleet.addGroup({
    replicationGroupId: 'sessions',
    status: 'available',
    automaticFailover,
    members: [
      { cacheClusterId: 'sessions-001', role: 'primary' },
      { cacheClusterId: 'sessions-002', role: 'replica', endpoint: replica.endpoint },
    ],
  });
  return world;
}

describe('promote', () => {
  it('promotes the assessed replica and starts polling its group', async () => {
    const world = worldWithGroup();

    const out = await promote(world, promoteInput);

    expect(world.fleet.callsOf('promote')).toEqual([['sessions', 'sessions-002']]);
    expect(out).toEqual({
      plan: 'PROMOTE_REPLICA',
      replicationGroupId: 'sessions',
      startedAt: world.clock.iso(),
      polls: 0,
      ready: false,
      status: 'modifying',
    });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['RECOVERY_STARTED']);
  });

  it('does not promote again when a retry finds the replica already primary', async () => {
    const world = worldWithGroup();

    await promote(world, promoteInput);
    const again = await promote(world, promoteInput);

    expect(world.fleet.callsOf('promote')).toHaveLength(1);
    expect(again.ready).toBe(false);
  });

  // "Promoting a read replica to primary, for Valkey or Redis OSS (cluster mode disabled) replication groups"
  // (ElastiCache User Guide): a replica can't be promoted while Multi-AZ with automatic failover is enabled;
  // "Minimizing downtime in ElastiCache by using Multi-AZ with Valkey and Redis OSS": with it enabled,
  // ElastiCache promotes a replica by itself.
  it('waits for ElastiCache to fail over by itself when the group has automatic failover enabled', async () => {
    const world = worldWithGroup(true);
    const input = {
      ...promoteInput,
      assessment: { ...promoteInput.assessment, replica: { ...replica, primaryClusterId: 'sessions-001' } },
    };

    const out = await promote(world, input);

    expect(world.fleet.callsOf('promote')).toEqual([]);
    expect(out).toMatchObject({
      plan: 'PROMOTE_REPLICA',
      replicationGroupId: 'sessions',
      awaiting: 'automatic-failover',
      ready: false,
    });
    const started = (await world.store.timeline(INCIDENT_ID)).find((e) => e.type === 'RECOVERY_STARTED');
    expect(started?.message).toContain('automatic failover');
  });

  it('does nothing more when ElastiCache already failed over to another replica', async () => {
    const world = worldWithGroup(true);
    world.fleet.addGroup({
      replicationGroupId: 'sessions',
      status: 'available',
      automaticFailover: true,
      members: [
        { cacheClusterId: 'sessions-001', role: 'replica' },
        { cacheClusterId: 'sessions-002', role: 'replica', endpoint: replica.endpoint },
        { cacheClusterId: 'sessions-003', role: 'primary' },
      ],
    });
    const input = {
      ...promoteInput,
      assessment: { ...promoteInput.assessment, replica: { ...replica, primaryClusterId: 'sessions-001' } },
    };

    const out = await promote(world, input);

    expect(world.fleet.callsOf('promote')).toEqual([]);
    expect(out.awaiting).toBeUndefined();
    const started = (await world.store.timeline(INCIDENT_ID)).find((e) => e.type === 'RECOVERY_STARTED');
    expect(started?.detail).toMatchObject({ alreadyDone: true });
    expect(started?.message).toContain('sessions-003');
  });

  // A retry after ModifyReplicationGroup was accepted but before ElastiCache applied it: asking again would be
  // refused (InvalidReplicationGroupState, the group is modifying), so the pending promotion counts as done.
  it('does not ask again while ElastiCache is applying the promotion it accepted', async () => {
    const world = worldWithGroup();
    world.fleet.addGroup({
      ...world.fleet.group('sessions')!,
      status: 'modifying',
      pendingPrimaryClusterId: 'sessions-002',
    });

    const out = await promote(world, promoteInput);

    expect(world.fleet.callsOf('promote')).toEqual([]);
    expect(out).toMatchObject({ replicationGroupId: 'sessions', ready: false });
    const started = (await world.store.timeline(INCIDENT_ID)).find((e) => e.type === 'RECOVERY_STARTED');
    expect(started?.detail).toMatchObject({ alreadyDone: true });
  });

  it('fails the Global Datastore over to the secondary, once', async () => {
    const world = worldWithIncident({ globalReplicationGroupId: 'ldgnf-sessions' });
    world.fleet.addGlobal('ldgnf-sessions', {
      primary: { replicationGroupId: 'sessions', region: 'us-east-1' },
      secondary: { replicationGroupId: 'sessions-west', region: 'us-west-2' },
    });
    const globalSecondary = {
      globalReplicationGroupId: 'ldgnf-sessions',
      replicationGroupId: 'sessions-west',
      region: 'us-west-2',
    };
    const input = {
      ...promoteInput,
      assessment: assessment({ plan: 'GLOBAL_FAILOVER', globalSecondary, backup: undefined }),
    };

    const out = await promote(world, input);
    await promote(world, input);

    expect(world.fleet.callsOf('failoverGlobal')).toEqual([['ldgnf-sessions', 'us-west-2', 'sessions-west']]);
    expect(out.replicationGroupId).toBe('sessions-west');
    // The following steps look for the group in the secondary's region, through that region's API.
    expect(out.region).toBe('us-west-2');
    expect(world.fleet.callsOf('describeGlobalSecondary')).toEqual([
      ['ldgnf-sessions', 'us-west-2'],
      ['ldgnf-sessions', 'us-west-2'],
    ]);
  });

  it('refuses a promotion the assessment does not support', async () => {
    const world = worldWithGroup();

    await expect(
      promote(world, { ...promoteInput, assessment: assessment({ plan: 'PROMOTE_REPLICA', backup: undefined }) }),
    ).rejects.toBeInstanceOf(PromotionFailedError);
    await expect(promote(world, { ...promoteInput, assessment: assessment() })).rejects.toBeInstanceOf(
      PromotionFailedError,
    );
    world.fleet.removeGroup('sessions');
    await expect(promote(world, promoteInput)).rejects.toThrow('no longer exists');
    expect(world.fleet.callsOf('promote')).toHaveLength(0);
  });
});
