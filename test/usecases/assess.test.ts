import { assess } from '../../functions/usecases/assess';
import { rdbBytes } from '../fakes';
import { AUTH_TOKEN, CACHE_ID, INCIDENT_ID, OPENED_AT, TOKEN_PARAM, worldWithIncident } from './support';

const CONFIGURED = { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const FOLLOWED = { host: 'sessions-v2.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const REPLICA = { host: 'sessions-002.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const GiB = 1024 ** 3;
const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, openedAt: OPENED_AT };
const backupConfig = { backup: { bucket: 'acme-backups', prefix: 'backups/', maxAgeHours: 24 } };

function withGroup(world: ReturnType<typeof worldWithIncident>): void {
  world.fleet.addGroup({
    replicationGroupId: 'sessions',
    status: 'available',
    primaryEndpoint: CONFIGURED,
    automaticFailover: true,
    members: [
      {
        cacheClusterId: 'sessions-001',
        role: 'primary',
        endpoint: { ...CONFIGURED, host: 'sessions-001.abc123.use1.cache.amazonaws.com' },
      },
      { cacheClusterId: 'sessions-002', role: 'replica', endpoint: REPLICA },
    ],
  });
}

describe('assess', () => {
  it('reports RECOVERED when the endpoint clients follow answers PING again', async () => {
    const world = worldWithIncident();
    world.endpoints.set('/cache/sessions/endpoint', FOLLOWED);
    world.probe.up(FOLLOWED).down(CONFIGURED);

    const out = await assess(world, input);

    expect(out).toMatchObject({ plan: 'RECOVERED', primaryReachable: true, requiresApproval: false, etaMinutes: 0 });
    expect(out.rehydrateSince).toBeUndefined();
    expect(world.store.incident(INCIDENT_ID)?.plan).toBe('RECOVERED');
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['ASSESSED']);
  });

  it('probes the configured endpoint when there is no endpoint record, and tries twice', async () => {
    const world = worldWithIncident();
    world.probe.script(CONFIGURED, [false, true]);

    const out = await assess(world, input);

    expect(out.plan).toBe('RECOVERED');
    expect(world.probe.pingsTo(CONFIGURED)).toBe(2);
  });

  it('probes with the AUTH token from the configured parameter', async () => {
    const world = worldWithIncident({ authTokenParameter: TOKEN_PARAM });
    world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
    world.probe.up(CONFIGURED).requireAuth(CONFIGURED, AUTH_TOKEN);

    expect((await assess(world, input)).plan).toBe('RECOVERED');
    expect(world.probe.calls.every((c) => c.authToken === AUTH_TOKEN)).toBe(true);
  });

  it('prefers a healthy replica over a valid backup', async () => {
    const world = worldWithIncident({ replicationGroupId: 'sessions', ...backupConfig });
    withGroup(world);
    world.probe.up(REPLICA);
    world.backups.add({
      bucket: 'acme-backups',
      key: 'backups/sessions-0001.rdb',
      lastModified: '2025-03-01T11:00:00Z',
    });

    const out = await assess(world, input);

    expect(out.plan).toBe('PROMOTE_REPLICA');
    expect(out.replica).toEqual({
      replicationGroupId: 'sessions',
      cacheClusterId: 'sessions-002',
      endpoint: REPLICA,
      primaryClusterId: 'sessions-001',
    });
    expect(out.requiresApproval).toBe(false);
    expect(out.etaMinutes).toBe(2);
    expect(out.rehydrateSince).toBe('2025-03-01T11:50:00.000Z');
    const [assessed] = await world.store.timeline(INCIDENT_ID);
    expect(assessed?.detail).toMatchObject({ primaryMember: 'sessions-001', replica: 'sessions-002' });
  });

  it('does not promote a replica that does not answer, and restores the newest valid backup instead', async () => {
    const world = worldWithIncident({ replicationGroupId: 'sessions', ...backupConfig });
    withGroup(world);
    world.backups.add({
      bucket: 'acme-backups',
      key: 'backups/sessions-0001.rdb',
      lastModified: '2025-03-01T11:30:00Z',
      sizeBytes: 2 * GiB,
    });

    const out = await assess(world, input);

    expect(out.plan).toBe('PROVISION_FROM_BACKUP');
    expect(out.replica).toBeUndefined();
    expect(out.backup).toEqual({
      bucket: 'acme-backups',
      key: 'backups/sessions-0001.rdb',
      snapshotArn: 'arn:aws:s3:::acme-backups/backups/sessions-0001.rdb',
      lastModified: '2025-03-01T11:30:00.000Z',
      sizeBytes: 2 * GiB,
      ageMinutes: 30,
      rdbVersion: 11,
    });
    expect(out.requiresApproval).toBe(true);
    expect(out.etaMinutes).toBe(15);
    expect(out.rehydrateSince).toBe('2025-03-01T11:29:00.000Z');
  });

  it('rejects backups with a bad header or too big for the node, with reasons, and takes the next one', async () => {
    const world = worldWithIncident(backupConfig);
    world.backups
      .add({
        bucket: 'acme-backups',
        key: 'backups/c-corrupt.rdb',
        lastModified: '2025-03-01T11:50:00Z',
        body: 'GARBAGE-NOT-RDB',
      })
      .add({
        bucket: 'acme-backups',
        key: 'backups/b-huge.rdb',
        lastModified: '2025-03-01T11:40:00Z',
        sizeBytes: 40 * GiB,
      })
      .add({
        bucket: 'acme-backups',
        key: 'backups/a-good.rdb',
        lastModified: '2025-03-01T11:30:00Z',
        body: rdbBytes(10),
      })
      .add({ bucket: 'acme-backups', key: 'backups/manifest.json', lastModified: '2025-03-01T11:59:00Z', body: '{}' });

    const out = await assess(world, input);

    expect(out.plan).toBe('PROVISION_FROM_BACKUP');
    expect(out.backup).toMatchObject({ key: 'backups/a-good.rdb', rdbVersion: 10 });
    expect(out.rejectedBackups).toEqual([
      { key: 'backups/c-corrupt.rdb', reason: expect.stringContaining('RDB magic') },
      { key: 'backups/b-huge.rdb', reason: expect.stringContaining('does not fit') },
    ]);
    expect(world.backups.headerReads.map((r) => r.key)).toEqual(['backups/c-corrupt.rdb', 'backups/a-good.rdb']);
  });

  // Valkey 7.2 refuses RDB 12 (written by Redis 7.4) at load: "Can't handle RDB format version 12";
  // a restore from it would end in a failed group.
  it('rejects a backup in an RDB format newer than the replacement engine loads, and takes the next one', async () => {
    const world = worldWithIncident({
      ...backupConfig,
      replacement: {
        engine: 'valkey',
        engineVersion: '7.2',
        nodeType: 'cache.r7g.large',
        numCacheClusters: 2,
        securityGroupIds: [],
        port: 6379,
      },
    });
    world.backups
      .add({
        bucket: 'acme-backups',
        key: 'backups/b-redis74.rdb',
        lastModified: '2025-03-01T11:40:00Z',
        body: rdbBytes(12),
      })
      .add({
        bucket: 'acme-backups',
        key: 'backups/a-valkey.rdb',
        lastModified: '2025-03-01T11:30:00Z',
        body: rdbBytes(11),
      });

    const out = await assess(world, input);

    expect(out.backup).toMatchObject({ key: 'backups/a-valkey.rdb', rdbVersion: 11 });
    expect(out.rejectedBackups).toEqual([
      {
        key: 'backups/b-redis74.rdb',
        reason: 'RDB format version 12 is newer than the replacement engine loads (up to 11)',
      },
    ]);
  });

  it('escalates when there is no replica and the only backup is too old', async () => {
    const world = worldWithIncident(backupConfig);
    world.backups.add({ bucket: 'acme-backups', key: 'backups/old.rdb', lastModified: '2025-02-27T12:00:00Z' });

    const out = await assess(world, input);

    expect(out.plan).toBe('ESCALATE');
    expect(out.rejectedBackups).toEqual([
      { key: 'backups/old.rdb', reason: expect.stringContaining('older than the 24 h limit') },
    ]);
    expect(out.reason).toContain('backups/old.rdb');
    expect(out.etaMinutes).toBe(0);
    expect(world.store.incident(INCIDENT_ID)?.plan).toBe('ESCALATE');
  });

  it('escalates when there is nothing at all to recover from', async () => {
    const world = worldWithIncident();

    const out = await assess(world, input);

    expect(out).toMatchObject({
      plan: 'ESCALATE',
      reason: 'no healthy replica and no backup found',
      rejectedBackups: [],
    });
  });

  // "Minimizing downtime in ElastiCache by using Multi-AZ with Valkey and Redis OSS": with automatic failover,
  // ElastiCache promotes a replica by itself; the node endpoint clients used is gone, the group's new primary answers.
  it('takes the primary ElastiCache already failed over to', async () => {
    const world = worldWithIncident({ replicationGroupId: 'sessions', ...backupConfig });
    const node1 = { ...CONFIGURED, host: 'sessions-001.abc123.use1.cache.amazonaws.com' };
    world.endpoints.set('/cache/sessions/endpoint', node1);
    world.fleet.addGroup({
      replicationGroupId: 'sessions',
      status: 'available',
      automaticFailover: true,
      members: [
        { cacheClusterId: 'sessions-001', role: 'replica', endpoint: node1 },
        { cacheClusterId: 'sessions-002', role: 'primary', endpoint: REPLICA },
      ],
    });
    world.probe.down(node1).up(REPLICA);

    const out = await assess(world, input);

    expect(out.plan).toBe('PROMOTE_REPLICA');
    expect(out.replica).toMatchObject({ cacheClusterId: 'sessions-002', endpoint: REPLICA, alreadyPrimary: true });
    expect(out.reason).toBe('ElastiCache already failed sessions over to sessions-002, which answers');
  });

  it('names the primary that failed next to the replica to promote', async () => {
    const world = worldWithIncident({ replicationGroupId: 'sessions' });
    withGroup(world);
    world.probe.up(REPLICA);

    const out = await assess(world, input);

    expect(out.replica).toMatchObject({ cacheClusterId: 'sessions-002', primaryClusterId: 'sessions-001' });
  });

  it('fails the Global Datastore over when its secondary is the best option', async () => {
    const world = worldWithIncident({ globalReplicationGroupId: 'ldgnf-sessions-global' });
    world.fleet.addGlobal('ldgnf-sessions-global', {
      primary: { replicationGroupId: 'sessions', region: 'us-east-1' },
      secondary: { replicationGroupId: 'sessions-west', region: 'us-west-2' },
    });

    const out = await assess(world, input);

    expect(out.plan).toBe('GLOBAL_FAILOVER');
    expect(out.globalSecondary).toEqual({
      globalReplicationGroupId: 'ldgnf-sessions-global',
      replicationGroupId: 'sessions-west',
      region: 'us-west-2',
    });
    expect(out.requiresApproval).toBe(true);
  });

  it('estimates from measured recoveries of the same plan', async () => {
    const world = worldWithIncident({ replicationGroupId: 'sessions' });
    withGroup(world);
    world.probe.up(REPLICA);
    for (const [i, seconds] of [200, 240, 260].entries()) {
      await world.store.recordRecovery({
        plan: 'PROMOTE_REPLICA',
        seconds,
        incidentId: `old-${i}`,
        at: `2025-02-0${i + 1}T00:00:00Z`,
      });
    }

    expect((await assess(world, input)).etaMinutes).toBe(4);
  });
});
