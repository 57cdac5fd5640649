import { CacheProvisioningFailedError, CacheWaitTimeoutError } from '../../functions/domain/errors';
import { checkCache } from '../../functions/usecases/check-cache';
import { assessment, AUTH_TOKEN, CACHE_ID, INCIDENT_ID, TOKEN_PARAM, worldWithIncident } from './support';
import { provision } from '../../functions/usecases/provision';
import type { RecoveryProgress } from '../../functions/domain/steps';

async function provisioned(cacheOverrides: Record<string, unknown> = {}) {
  const world = worldWithIncident(cacheOverrides);
  world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
  const recovery = await provision(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, assessment: assessment() });
  const endpoint = world.fleet.group(recovery.replicationGroupId)!.primaryEndpoint!;
  return { world, recovery, endpoint, id: recovery.replicationGroupId };
}
const poll = (recovery: RecoveryProgress, maxPolls = 40) => ({
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  recovery,
  maxPolls,
});

describe('check cache', () => {
  it('is not ready while ElastiCache is still creating the group', async () => {
    const { world, recovery } = await provisioned();

    const out = await checkCache(world, poll(recovery));

    expect(out).toEqual({ ...recovery, polls: 1, status: 'creating', ready: false });
  });

  it('is ready once the group is available and its primary answers PING with the AUTH token', async () => {
    const { world, recovery, endpoint, id } = await provisioned({ authTokenParameter: TOKEN_PARAM });
    world.fleet.scriptStatuses(id, ['creating', 'modifying', 'available']);
    world.probe.up(endpoint).requireAuth(endpoint, AUTH_TOKEN);

    let progress = recovery;
    for (let i = 0; i < 3; i++) {
      world.clock.advance({ seconds: 30 });
      progress = await checkCache(world, poll(progress));
    }

    expect(progress).toMatchObject({
      ready: true,
      polls: 3,
      status: 'available',
      endpoint,
      availableAt: world.clock.iso(),
    });
    expect((await world.store.timelineTypes(INCIDENT_ID)).slice(-1)).toEqual(['CACHE_AVAILABLE']);
  });

  it('keeps waiting while the available group does not answer PING yet', async () => {
    const { world, recovery, id } = await provisioned();
    world.fleet.scriptStatuses(id, ['available']);

    const out = await checkCache(world, poll(recovery));

    expect(out).toMatchObject({ ready: false, status: 'available', polls: 1 });
    expect(out.endpoint).toBeUndefined();
  });

  it("fails with ElastiCache's last events when the restore failed", async () => {
    const { world, recovery, id } = await provisioned();
    world.fleet.scriptStatuses(id, ['restore-failed']).addEvents(id, [
      { at: '2025-03-01T12:01:00.000Z', message: 'Restore from snapshot started' },
      { at: '2025-03-01T12:04:00.000Z', message: 'Restore failed: RDB file version 80 is not supported' },
    ]);

    const err = await checkCache(world, poll(recovery)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CacheProvisioningFailedError);
    expect((err as Error).message).toContain('is restore-failed');
    expect((err as Error).message).toContain('RDB file version 80 is not supported');
  });

  it('fails when the group is gone', async () => {
    const { world, recovery, id } = await provisioned();
    world.fleet.removeGroup(id);

    await expect(checkCache(world, poll(recovery))).rejects.toThrow(CacheProvisioningFailedError);
  });

  it('gives up after maxPolls polls', async () => {
    const { world, recovery } = await provisioned();

    const second = await checkCache(world, poll({ ...recovery, polls: 1 }, 3));
    expect(second.polls).toBe(2);
    await expect(checkCache(world, poll(second, 3))).rejects.toBeInstanceOf(CacheWaitTimeoutError);
  });
});

describe('check cache in another region', () => {
  // FailoverGlobalReplicationGroup (ElastiCache API Reference) makes the secondary in PrimaryRegion the primary:
  // that group lives in the secondary's region, and only that region's API knows it.
  it("polls a Global Datastore secondary in its own region's API", async () => {
    const world = worldWithIncident({ globalReplicationGroupId: 'ldgnf-sessions' });
    const endpoint = { host: 'master.sessions-west.usw2.cache.amazonaws.com', port: 6379, tls: true };
    world.fleet.addGroup(
      {
        replicationGroupId: 'sessions-west',
        status: 'available',
        automaticFailover: true,
        primaryEndpoint: endpoint,
        members: [{ cacheClusterId: 'sessions-west-001', role: 'primary', endpoint }],
      },
      'us-west-2',
    );
    world.probe.up(endpoint);
    const recovery: RecoveryProgress = {
      plan: 'GLOBAL_FAILOVER',
      replicationGroupId: 'sessions-west',
      region: 'us-west-2',
      startedAt: world.clock.iso(),
      polls: 0,
      status: 'modifying',
      ready: false,
    };

    const out = await checkCache(world, poll(recovery));

    expect(out).toMatchObject({ ready: true, endpoint, region: 'us-west-2' });
    expect(world.fleet.callsOf('describeGroup')).toEqual([['sessions-west', 'us-west-2']]);
  });

  it('waits until ElastiCache has failed over by itself, then is ready on the new primary', async () => {
    const world = worldWithIncident({ replicationGroupId: 'sessions' });
    const dead = { host: 'sessions-001.use1.cache.amazonaws.com', port: 6379, tls: true };
    const promoted = { host: 'sessions-002.use1.cache.amazonaws.com', port: 6379, tls: true };
    world.fleet.addGroup({
      replicationGroupId: 'sessions',
      status: 'available',
      automaticFailover: true,
      primaryEndpoint: dead,
      members: [
        { cacheClusterId: 'sessions-001', role: 'primary', endpoint: dead },
        { cacheClusterId: 'sessions-002', role: 'replica', endpoint: promoted },
      ],
    });
    world.probe.up(promoted);
    const recovery: RecoveryProgress = {
      plan: 'PROMOTE_REPLICA',
      replicationGroupId: 'sessions',
      awaiting: 'automatic-failover',
      startedAt: world.clock.iso(),
      polls: 0,
      status: 'available',
      ready: false,
    };

    const first = await checkCache(world, poll(recovery));
    expect(first.ready).toBe(false);

    world.fleet.addGroup({ ...world.fleet.group('sessions')!, primaryEndpoint: promoted });
    world.fleet.failOver('sessions', 'sessions-002');
    const second = await checkCache(world, poll(first));
    expect(second).toMatchObject({ ready: true, endpoint: promoted, polls: 2 });
  });
});
