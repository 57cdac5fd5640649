/**
 * Promote Standby, then Check Cache and Cut Over as the state machine runs
 * them: nothing is modified, the standby's primary is checked with the cache's
 * AUTH token and clients are pointed at it, TLS included.
 */
import { PromotionFailedError } from '../../functions/domain/errors';
import type { StandbyFacts } from '../../functions/domain/recovery';
import { checkCache } from '../../functions/usecases/check-cache';
import { cutOver } from '../../functions/usecases/cut-over';
import { promote } from '../../functions/usecases/promote';
import { assessment, AUTH_TOKEN, CACHE_ID, INCIDENT_ID, TOKEN_PARAM, worldWithIncident } from './support';

const CONFIGURED = { host: 'sessions.provider.example', port: 6380, tls: true };
const STANDBY = { host: 'master.sessions-standby.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const standby: StandbyFacts = {
  replicationGroupId: 'sessions-standby',
  endpoint: STANDBY,
  watermark: '2025-03-01T11:54:00.000Z',
  lagSeconds: 360,
};
const input = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  assessment: assessment({
    plan: 'PROMOTE_STANDBY',
    reason: 'no healthy replica; standby sessions-standby answers, 6 min behind',
    standby,
    requiresApproval: false,
    etaMinutes: 1,
    rehydrateSince: '2025-03-01T11:53:00.000Z',
  }),
};

function worldWithStandby(status = 'available') {
  const world = worldWithIncident({
    endpoint: CONFIGURED,
    authTokenParameter: TOKEN_PARAM,
    standby: { replicationGroupId: 'sessions-standby' },
  });
  world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
  world.endpoints.set('/cache/sessions/endpoint', CONFIGURED);
  world.fleet.addGroup({
    replicationGroupId: 'sessions-standby',
    status,
    primaryEndpoint: STANDBY,
    automaticFailover: false,
    members: [{ cacheClusterId: 'sessions-standby-001', role: 'primary', endpoint: STANDBY }],
  });
  world.probe.up(STANDBY).requireAuth(STANDBY, AUTH_TOKEN);
  return world;
}

describe('promote: the warm standby', () => {
  it('modifies nothing, records the cut-over it starts and hands the standby group to Check Cache', async () => {
    const world = worldWithStandby();

    const out = await promote(world, input);

    expect(out).toEqual({
      plan: 'PROMOTE_STANDBY',
      replicationGroupId: 'sessions-standby',
      startedAt: world.clock.iso(),
      polls: 0,
      ready: false,
      status: 'available',
    });
    expect(world.fleet.calls.map((c) => c.method)).toEqual(['describeGroup']);
    const [started] = await world.store.timeline(INCIDENT_ID);
    expect(started).toMatchObject({
      type: 'RECOVERY_STARTED',
      message: 'cutting clients over to standby sessions-standby, mirrored up to 2025-03-01T11:54:00.000Z',
      detail: { plan: 'PROMOTE_STANDBY', replicationGroupId: 'sessions-standby' },
    });
  });

  it('then Check Cache finds it ready at once and Cut Over points clients at its primary, over TLS', async () => {
    const world = worldWithStandby();

    const started = await promote(world, input);
    const ready = await checkCache(world, {
      incidentId: INCIDENT_ID,
      cacheId: CACHE_ID,
      recovery: started,
      maxPolls: 5,
    });
    const cut = await cutOver(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, recovery: ready });

    expect(ready).toMatchObject({ ready: true, polls: 1, endpoint: STANDBY });
    expect(world.probe.calls.at(-1)).toMatchObject({ endpoint: STANDBY, authToken: AUTH_TOKEN });
    expect(cut).toMatchObject({ previous: CONFIGURED, current: STANDBY });
    expect(world.endpoints.value('/cache/sessions/endpoint')).toEqual({ ...STANDBY, tls: true });
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({ previousEndpoint: CONFIGURED, newEndpoint: STANDBY });
  });

  it('lets Check Cache wait while the standby group is being modified', async () => {
    const world = worldWithStandby('modifying');

    const started = await promote(world, input);
    const first = await checkCache(world, {
      incidentId: INCIDENT_ID,
      cacheId: CACHE_ID,
      recovery: started,
      maxPolls: 5,
    });

    expect(started.status).toBe('modifying');
    expect(first).toMatchObject({ ready: false, status: 'modifying' });
  });

  it('fails the plan when the standby group is gone or going since Assess', async () => {
    const deleting = worldWithStandby('deleting');
    await expect(promote(deleting, input)).rejects.toThrow(
      new PromotionFailedError('standby replication group sessions-standby is deleting'),
    );

    const gone = worldWithStandby();
    gone.fleet.removeGroup('sessions-standby');
    await expect(promote(gone, input)).rejects.toThrow('standby replication group sessions-standby no longer exists');
    expect(await gone.store.timelineTypes(INCIDENT_ID)).toEqual([]);
  });

  it('refuses the plan when the assessment names no standby', async () => {
    const world = worldWithStandby();
    const { standby: _, ...withoutStandby } = input.assessment;

    await expect(promote(world, { ...input, assessment: withoutStandby })).rejects.toThrow(
      'plan PROMOTE_STANDBY but the assessment names no standby',
    );
  });
});
