/**
 * Assess and the warm standby: when it is taken (PROMOTE_STANDBY), when it is
 * not and why, and where rehydration starts.
 */
import type { MirrorCycle } from '../../functions/ports';
import { assess } from '../../functions/usecases/assess';
import { FakeMirrorRecords } from '../fakes';
import { AUTH_TOKEN, CACHE_ID, INCIDENT_ID, OPENED_AT, TOKEN_PARAM, worldWithIncident } from './support';

const CONFIGURED = { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const STANDBY = { host: 'master.sessions-standby.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const REPLICA = { host: 'sessions-002.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, openedAt: OPENED_AT };
const standbyConfig = {
  authTokenParameter: TOKEN_PARAM,
  standby: { replicationGroupId: 'sessions-standby' },
  backup: { bucket: 'acme-backups', prefix: 'backups/', maxAgeHours: 24 },
};

function cycle(overrides: Partial<MirrorCycle> = {}): MirrorCycle {
  return {
    cacheId: CACHE_ID,
    standbyReplicationGroupId: 'sessions-standby',
    startedAt: '2025-03-01T11:54:00.000Z',
    finishedAt: '2025-03-01T11:54:20.000Z',
    outcome: 'ok',
    pass: {
      watermark: '2025-03-01T11:54:00.000Z',
      copied: 1000,
      vanished: 0,
      deleted: 0,
      bytes: 64_000,
      databases: [0],
    },
    ...overrides,
  };
}

/** A standby ElastiCache reports available, answering with the cache's AUTH token, mirrored at 11:54. */
async function worldWithStandby(cacheOverrides: Record<string, unknown> = {}) {
  const world = worldWithIncident({ ...standbyConfig, ...cacheOverrides });
  world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
  world.fleet.addGroup({
    replicationGroupId: 'sessions-standby',
    status: 'available',
    primaryEndpoint: STANDBY,
    automaticFailover: false,
    members: [{ cacheClusterId: 'sessions-standby-001', role: 'primary', endpoint: STANDBY }],
  });
  world.probe.up(STANDBY).requireAuth(STANDBY, AUTH_TOKEN);
  await world.mirrorRecords.recordMirrorCycle(cycle());
  // A valid backup too: the standby must win over it.
  world.backups.add({ bucket: 'acme-backups', key: 'backups/sessions-0001.rdb', lastModified: '2025-03-01T11:30:00Z' });
  return world;
}

describe('assess with a warm standby', () => {
  it('cuts over to a usable standby: no approval, an ETA of a minute, rehydration from its watermark', async () => {
    const world = await worldWithStandby();

    const out = await assess(world, input);

    expect(out.plan).toBe('PROMOTE_STANDBY');
    expect(out.standby).toEqual({
      replicationGroupId: 'sessions-standby',
      endpoint: STANDBY,
      watermark: '2025-03-01T11:54:00.000Z',
      lagSeconds: 360,
    });
    expect(out.rejectedStandby).toBeUndefined();
    expect(out.reason).toContain('6 min behind');
    expect(out.requiresApproval).toBe(false);
    expect(out.etaMinutes).toBe(1);
    // The watermark less the clock margin backups use.
    expect(out.rehydrateSince).toBe('2025-03-01T11:53:00.000Z');
    // The standby was asked with the cache's AUTH token.
    expect(world.probe.calls.filter((c) => c.endpoint.host === STANDBY.host).map((c) => c.authToken)).toEqual([
      AUTH_TOKEN,
    ]);
    expect(world.store.incident(INCIDENT_ID)?.plan).toBe('PROMOTE_STANDBY');
    const [assessed] = await world.store.timeline(INCIDENT_ID);
    expect(assessed?.message).toContain('Switch to the warm standby: ');
    expect(assessed?.detail).toMatchObject({ standby: { replicationGroupId: 'sessions-standby', lagSeconds: 360 } });
  });

  it('estimates from measured cut-overs to the standby', async () => {
    const world = await worldWithStandby();
    for (const [i, seconds] of [150, 170, 400].entries()) {
      await world.store.recordRecovery({
        plan: 'PROMOTE_STANDBY',
        seconds,
        incidentId: `sessions-2025020${i + 1}T000000Z`,
        at: `2025-02-0${i + 1}T00:10:00.000Z`,
      });
    }

    expect((await assess(world, input)).etaMinutes).toBe(3);
  });

  it('still prefers a healthy replica of the cache itself, and keeps the standby in the facts', async () => {
    const world = await worldWithStandby({ replicationGroupId: 'sessions' });
    world.fleet.addGroup({
      replicationGroupId: 'sessions',
      status: 'available',
      primaryEndpoint: CONFIGURED,
      automaticFailover: false,
      members: [
        { cacheClusterId: 'sessions-001', role: 'primary', endpoint: CONFIGURED },
        { cacheClusterId: 'sessions-002', role: 'replica', endpoint: REPLICA },
      ],
    });
    world.probe.up(REPLICA);

    const out = await assess(world, input);

    expect(out.plan).toBe('PROMOTE_REPLICA');
    expect(out.standby?.replicationGroupId).toBe('sessions-standby');
  });

  it('takes a standby the mirror stopped filling an hour ago, and says how far behind it is', async () => {
    const world = await worldWithStandby();
    await world.mirrorRecords.recordMirrorCycle(
      cycle({
        startedAt: '2025-03-01T10:58:00.000Z',
        pass: { ...cycle().pass!, watermark: '2025-03-01T10:58:00.000Z' },
      }),
    );
    for (let i = 0; i < 3; i++) await world.mirrorRecords.recordMirrorCycle(cycle({ outcome: 'failed', reason: 'x' }));

    const out = await assess(world, input);

    expect(out.plan).toBe('PROMOTE_STANDBY');
    expect(out.standby?.lagSeconds).toBe(62 * 60);
    expect(out.reason).toContain('62 min behind');
    expect(out.rehydrateSince).toBe('2025-03-01T10:57:00.000Z');
  });

  it.each<[string, (world: Awaited<ReturnType<typeof worldWithStandby>>) => Promise<void> | void, string]>([
    [
      'its group does not exist',
      (world) => void world.fleet.removeGroup('sessions-standby'),
      'ElastiCache has no replication group of that id',
    ],
    [
      'its group is not available',
      (world) => void world.fleet.scriptStatuses('sessions-standby', ['modifying']),
      'its replication group is modifying, not available',
    ],
    [
      'its primary does not answer',
      (world) => void world.probe.down(STANDBY),
      `its primary ${STANDBY.host}:6379 (TLS) does not answer PING: ECONNREFUSED`,
    ],
    [
      'its primary refuses the AUTH token',
      (world) => void world.probe.requireAuth(STANDBY, 'another-token-entirely'),
      'does not answer PING: WRONGPASS',
    ],
    [
      'the mirror never filled it',
      (world) => {
        world.mirrorRecords = new FakeMirrorRecords();
      },
      'no mirror cycle into it ever completed',
    ],
    [
      'the mirror only ever failed',
      async (world) => {
        world.mirrorRecords = new FakeMirrorRecords();
        await world.mirrorRecords.recordMirrorCycle(cycle({ outcome: 'failed', reason: 'timeout' }));
      },
      'no mirror cycle into it ever completed',
    ],
    [
      'the mirror filled another group (the standby was changed since)',
      async (world) => {
        world.mirrorRecords = new FakeMirrorRecords();
        await world.mirrorRecords.recordMirrorCycle(cycle({ standbyReplicationGroupId: 'sessions-old-standby' }));
      },
      'the last completed mirror cycle went into sessions-old-standby, not into it',
    ],
    [
      'clients already use it since an earlier cut-over',
      (world) => {
        world.endpoints.set('/cache/sessions/endpoint', { ...STANDBY });
        // It is the cache that failed: it does not answer.
        world.probe.down(STANDBY);
      },
      `clients already use it (the endpoint record points at ${STANDBY.host}:6379 (TLS))`,
    ],
  ])('does not use the standby when %s: restores the backup and says why', async (_case, arrange, why) => {
    const world = await worldWithStandby();
    await arrange(world);

    const out = await assess(world, input);

    expect(out.plan).toBe('PROVISION_FROM_BACKUP');
    expect(out.standby).toBeUndefined();
    expect(out.rejectedStandby?.replicationGroupId).toBe('sessions-standby');
    expect(out.rejectedStandby?.reason).toContain(why);
    expect(out.reason).toContain(`standby sessions-standby not used: ${out.rejectedStandby?.reason}`);
    expect(out.rehydrateSince).toBe('2025-03-01T11:29:00.000Z');
    const [assessed] = await world.store.timeline(INCIDENT_ID);
    expect(assessed?.detail?.rejectedStandby).toEqual(out.rejectedStandby);
  });

  it('does not PING a standby clients already use', async () => {
    const world = await worldWithStandby();
    world.endpoints.set('/cache/sessions/endpoint', { ...STANDBY });
    world.probe.down(STANDBY);

    await assess(world, input);

    // Only Assess's own two tries at the endpoint clients follow.
    expect(world.probe.pingsTo(STANDBY)).toBe(2);
  });

  it('with no standby configured, says nothing about one', async () => {
    const world = worldWithIncident({ backup: standbyConfig.backup });
    world.backups.add({
      bucket: 'acme-backups',
      key: 'backups/sessions-0001.rdb',
      lastModified: '2025-03-01T11:30:00Z',
    });

    const out = await assess(world, input);

    expect(out.plan).toBe('PROVISION_FROM_BACKUP');
    expect(out).not.toHaveProperty('standby');
    expect(out).not.toHaveProperty('rejectedStandby');
    expect(out.reason).not.toContain('standby');
    expect(world.fleet.callsOf('describeGroup')).toEqual([]);
  });
});
