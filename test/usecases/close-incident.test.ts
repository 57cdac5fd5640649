import { IncidentNotFoundError } from '../../functions/domain/errors';
import type { ExecutionInput } from '../../functions/domain/incident';
import { closeIncident } from '../../functions/usecases/close-incident';
import { CACHE_ID, INCIDENT_ID, OPENED_AT, worldWithIncident } from './support';

const lock = {
  cacheId: CACHE_ID,
  incidentId: INCIDENT_ID,
  executionName: 'exec',
  executionInput: {} as ExecutionInput,
  openedAt: OPENED_AT,
};

async function restoredWorld() {
  const world = worldWithIncident();
  await world.store.acquireOpenLock(lock);
  await world.store.appendTimeline(INCIDENT_ID, {
    at: OPENED_AT,
    type: 'ASSESSED',
    message: 'plan',
    detail: { backup: { key: 'b.rdb', sizeBytes: 123456 } },
  });
  await world.store.updateIncident(INCIDENT_ID, { restoredAt: '2025-03-01T12:05:00.000Z' });
  world.clock.set('2025-03-01T12:25:00.000Z');
  return world;
}

describe('close incident', () => {
  it('resolves the incident with outage and degraded durations, records the recovery and releases the lock', async () => {
    const world = await restoredWorld();

    const out = await closeIncident(world, {
      incidentId: INCIDENT_ID,
      cacheId: CACHE_ID,
      plan: 'PROVISION_FROM_BACKUP',
    });

    expect(out).toEqual({ status: 'RESOLVED', outageSeconds: 600, degradedSeconds: 1200, totalSeconds: 1800 });
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({
      status: 'RESOLVED',
      resolvedAt: '2025-03-01T12:25:00.000Z',
      outageSeconds: 600,
      degradedSeconds: 1200,
    });
    expect(await world.store.recentRecoveries('PROVISION_FROM_BACKUP', 10)).toEqual([
      { plan: 'PROVISION_FROM_BACKUP', seconds: 600, backupSizeBytes: 123456 },
    ]);
    expect(await world.store.getOpenLock(CACHE_ID)).toBeUndefined();
    const events = await world.store.timeline(INCIDENT_ID);
    expect(events.find((e) => e.type === 'RESOLVED')).toMatchObject({
      type: 'RESOLVED',
      message: 'incident resolved: outage 10 min, degraded 20 min',
    });
  });

  it('records a cut-over to the standby for its next ETA, without a backup size', async () => {
    const world = await restoredWorld();

    await closeIncident(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'PROMOTE_STANDBY' });

    expect(await world.store.recentRecoveries('PROMOTE_STANDBY', 10)).toEqual([
      { plan: 'PROMOTE_STANDBY', seconds: 600 },
    ]);
    expect(await world.store.recentRecoveries('PROVISION_FROM_BACKUP', 10)).toEqual([]);
  });

  it('counts a primary that came back by itself as restored when resolved, and records no recovery', async () => {
    const world = worldWithIncident();
    world.clock.set('2025-03-01T12:01:00.000Z');

    const out = await closeIncident(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'RECOVERED' });

    expect(out).toEqual({ status: 'RESOLVED', outageSeconds: 360, degradedSeconds: 0, totalSeconds: 360 });
    expect(world.store.incident(INCIDENT_ID)?.restoredAt).toBe('2025-03-01T12:01:00.000Z');
    expect(await world.store.recentRecoveries('RECOVERED', 10)).toEqual([]);
  });

  it('changes nothing when run again', async () => {
    const world = await restoredWorld();
    const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'PROVISION_FROM_BACKUP' as const };

    const first = await closeIncident(world, input);
    world.clock.advance({ minutes: 5 });
    const second = await closeIncident(world, input);

    expect(second).toEqual(first);
    expect(await world.store.recentRecoveries('PROVISION_FROM_BACKUP', 10)).toHaveLength(1);
    expect((await world.store.timelineTypes(INCIDENT_ID)).filter((t) => t === 'RESOLVED')).toHaveLength(1);
  });

  it('does not release a lock that a newer incident holds', async () => {
    const world = await restoredWorld();
    await world.store.releaseOpenLock(CACHE_ID, INCIDENT_ID);
    await world.store.acquireOpenLock({ ...lock, incidentId: 'sessions-20250301T130000Z' });

    await closeIncident(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'PROVISION_FROM_BACKUP' });

    expect((await world.store.getOpenLock(CACHE_ID))?.incidentId).toBe('sessions-20250301T130000Z');
  });

  it('fails for an unknown incident', async () => {
    const world = worldWithIncident();

    await expect(
      closeIncident(world, { incidentId: 'nope', cacheId: CACHE_ID, plan: 'RECOVERED' }),
    ).rejects.toBeInstanceOf(IncidentNotFoundError);
  });
});
