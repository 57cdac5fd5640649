import { IncidentSupersededError, ValidationError } from '../../functions/domain/errors';
import { cutOver } from '../../functions/usecases/cut-over';
import { CACHE_ID, INCIDENT_ID, NEW_ENDPOINT, readyRecovery, worldWithIncident } from './support';

const PARAM = '/cache/sessions/endpoint';
const OLD = { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, recovery: readyRecovery() };

describe('cut over', () => {
  it('points the endpoint record at the new cache and keeps the previous endpoint', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, OLD);

    const out = await cutOver(world, input);

    expect(world.endpoints.value(PARAM)).toEqual(NEW_ENDPOINT);
    expect(out).toEqual({ parameter: PARAM, previous: OLD, current: NEW_ENDPOINT, version: 2, at: world.clock.iso() });
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({ previousEndpoint: OLD, newEndpoint: NEW_ENDPOINT });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['CUT_OVER']);
  });

  it('on a retry after the write, writes nothing more and still reports the original previous endpoint', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, OLD);

    await cutOver(world, input);
    const again = await cutOver(world, input);

    expect(world.endpoints.writes).toHaveLength(1);
    expect(again.previous).toEqual(OLD);
    expect(world.store.incident(INCIDENT_ID)?.previousEndpoint).toEqual(OLD);
  });

  it('writes nothing when clients already follow the recovered endpoint (a promoted replica behind the same primary endpoint)', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, NEW_ENDPOINT);

    const out = await cutOver(world, input);

    expect(world.endpoints.writes).toHaveLength(0);
    expect(out).toMatchObject({ previous: NEW_ENDPOINT, current: NEW_ENDPOINT, version: 0 });
  });

  it('a late (redriven) cut-over writes nothing once a newer incident holds the cache, or nobody does', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, OLD);
    await world.store.releaseOpenLock(CACHE_ID, INCIDENT_ID);

    await expect(cutOver(world, input)).rejects.toThrow(new RegExp(`cache ${CACHE_ID} has no open incident`));
    world.store.seedLock(CACHE_ID, 'newer');
    await expect(cutOver(world, input)).rejects.toThrow(/incident newer now holds cache/);
    await expect(cutOver(world, input)).rejects.toBeInstanceOf(IncidentSupersededError);
    expect(world.endpoints.writes).toHaveLength(0);

    // Its own lock lets it through.
    world.store.seedLock(CACHE_ID, INCIDENT_ID);
    await cutOver(world, input);
    expect(world.endpoints.value(PARAM)).toEqual(NEW_ENDPOINT);
  });

  it('creates the record when there was none', async () => {
    const world = worldWithIncident();

    const out = await cutOver(world, input);

    expect(world.endpoints.value(PARAM)).toEqual(NEW_ENDPOINT);
    expect(out.previous).toBeUndefined();
  });

  it('refuses to cut over to a cache that is not ready', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, OLD);

    await expect(
      cutOver(world, { ...input, recovery: readyRecovery({ ready: false, endpoint: undefined }) }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(world.endpoints.value(PARAM)).toEqual(OLD);
  });
});
