/**
 * The steps that record an incident's moments move its member of the group:
 * Confirm Outage (CONFIRMED or FALSE_ALARM, and the group onto the record),
 * Close Incident (RESOLVED), escalate (FAILED or REJECTED). The group takes
 * its members' outcome once none holds it open.
 */
import type { ExecutionInput } from '../../functions/domain/incident';
import { closeIncident } from '../../functions/usecases/close-incident';
import { confirmOutage, type ConfirmOutageDeps } from '../../functions/usecases/confirm-outage';
import { escalate } from '../../functions/usecases/escalate';
import { CACHE_ID, INCIDENT_ID, OPENED_AT, worldWithIncident } from './support';

const PARAM = '/cache/sessions/endpoint';
const RECORDED = { host: 'sessions.internal', port: 6380, tls: false };
const GROUP = 'cloud-east-20250301T115500Z';
const OTHER = 'profiles-20250301T115502Z';
const confirmInput = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  trigger: { alarmName: 'sessions-down', reason: 'down', stateChangeTime: OPENED_AT },
};

/** The incident holds its cache's lock, whose execution input names the provider's group; another cache joined it too. */
async function setup() {
  const world = worldWithIncident();
  world.endpoints.set(PARAM, RECORDED);
  await world.store.releaseOpenLock(CACHE_ID, INCIDENT_ID);
  await world.store.acquireOpenLock({
    cacheId: CACHE_ID,
    incidentId: INCIDENT_ID,
    executionName: 'e',
    executionInput: { incidentId: INCIDENT_ID, cacheId: CACHE_ID, groupId: GROUP } as ExecutionInput,
    openedAt: OPENED_AT,
  });
  expect(await world.store.resolveGroup('cloud-east', OPENED_AT, 300)).toBe(GROUP);
  await world.store.joinGroup(GROUP, INCIDENT_ID, { cacheId: CACHE_ID, joinedAt: OPENED_AT });
  await world.store.joinGroup(GROUP, OTHER, { cacheId: 'profiles', joinedAt: '2025-03-01T11:55:02Z' });
  const deps: ConfirmOutageDeps = {
    ...world,
    sleep: async (ms) => void world.clock.advance({ ms }),
    confirmation: { seconds: 10, pings: 3 },
  };
  const stateOf = async (incidentId = INCIDENT_ID) => (await world.store.getGroup(GROUP))?.members[incidentId]?.state;
  return { world, deps, stateOf };
}

describe('group members', () => {
  it('Confirm Outage: a confirmed outage makes the member CONFIRMED and puts the group on the record', async () => {
    const { world, deps, stateOf } = await setup();
    world.probe.script(RECORDED, [false]);

    await confirmOutage(deps, confirmInput);

    expect(await stateOf()).toBe('CONFIRMED');
    expect(world.store.incident(INCIDENT_ID)?.groupId).toBe(GROUP);
  });

  it('Confirm Outage: a false alarm leaves the group once, however often the step runs', async () => {
    const { world, deps, stateOf } = await setup();
    world.probe.script(RECORDED, [true, true, true]);

    await confirmOutage(deps, confirmInput);
    await confirmOutage(deps, confirmInput);

    expect(await stateOf()).toBe('FALSE_ALARM');
    expect(world.store.incident(INCIDENT_ID)?.groupId).toBe(GROUP);
    expect(await world.store.getOpenLock(CACHE_ID)).toBeUndefined();
    expect(await world.store.getGroup(GROUP)).toMatchObject({ status: 'OPEN', openCount: 1 });
  });

  it('Close Incident: RESOLVED; the group is resolved when its last open member is', async () => {
    const { world, stateOf } = await setup();

    await closeIncident(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'PROVISION_FROM_BACKUP' });
    await closeIncident(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'PROVISION_FROM_BACKUP' });

    expect(await stateOf()).toBe('RESOLVED');
    expect(await world.store.getGroup(GROUP)).toMatchObject({ status: 'OPEN', openCount: 1 });
    await world.store.markMember(GROUP, OTHER, 'RESOLVED');
    expect(await world.store.getGroup(GROUP)).toMatchObject({ status: 'RESOLVED', openCount: 0 });
  });

  it('escalate: a failed recovery makes the member FAILED and keeps the group open; a rejected one leaves it', async () => {
    const { world, stateOf } = await setup();
    const ref = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, redriveCount: 0 };

    await escalate(world, { ...ref, kind: 'failed', error: { Error: 'CacheProvisioningFailedError', Cause: 'x' } });
    expect(await stateOf()).toBe('FAILED');
    expect(await world.store.getGroup(GROUP)).toMatchObject({ openCount: 2 });

    await escalate(world, { ...ref, redriveCount: 1, kind: 'rejected' });
    expect(await stateOf()).toBe('REJECTED');
    expect(await world.store.getGroup(GROUP)).toMatchObject({ openCount: 1 });
  });

  it('an incident whose lock names no group (started before groups) moves nothing', async () => {
    const world = worldWithIncident();

    await closeIncident(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'RECOVERED' });

    expect(world.store.incident(INCIDENT_ID)?.status).toBe('RESOLVED');
    expect(world.store.dump().filter((e) => e.entity === 'group')).toEqual([]);
  });
});
