/**
 * The status page is written by the step that sent a customer notice, right
 * after the publish was confirmed: a single incident's notices and a group's
 * (one per stage for the group), and never at the cost of the notice.
 */
import type { ExecutionInput } from '../../functions/domain/incident';
import { notify } from '../../functions/usecases/notify';
import { readStatus } from '../../functions/usecases/status-page';
import { fakeWorld, testCache } from '../fakes';
import { FakeStatusPages } from '../fakes/status-pages';
import { CACHE_ID, INCIDENT_ID, NOW, worldWithIncident } from './support';

const withPage = <W extends ReturnType<typeof fakeWorld>>(world: W) => {
  const statusPage = new FakeStatusPages(world.clock);
  return { ...world, statusPage };
};

describe('status page, written as notices are sent', () => {
  it("shows a single incident's notices as subscribers got them, in order, and its state", async () => {
    const world = withPage(worldWithIncident());
    const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID };

    await notify(world, { ...input, stage: 'INVESTIGATING' });
    expect((await readStatus(world)).state).toBe('outage');
    world.clock.advance({ minutes: 5 });
    await notify(world, { ...input, stage: 'ETA', etaMinutes: 30 });
    world.clock.advance({ minutes: 40 });
    await notify(world, { ...input, stage: 'PARTIALLY_RESTORED' });
    expect((await readStatus(world)).state).toBe('degraded');
    world.clock.advance({ minutes: 70 });
    await notify(world, { ...input, stage: 'RESOLVED' });

    const view = await readStatus(world);
    expect(view.state).toBe('operational');
    expect(view.events).toHaveLength(1);
    expect(view.events[0]?.notices.map((n) => [n.subject, n.text])).toEqual(
      world.notifier.status.map((s) => [s.notice.subject, s.notice.text]),
    );
    expect(view.events[0]?.ref).toBe('20250301-120000');
    expect(JSON.stringify(view)).not.toContain(CACHE_ID);
    expect(JSON.stringify(view)).not.toContain(INCIDENT_ID);
  });

  it('writes nothing more when a retried step finds its notice sent', async () => {
    const world = withPage(worldWithIncident());
    const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'INVESTIGATING' as const };
    await notify(world, input);
    await notify(world, input);
    expect(world.statusPage.writes).toBe(1);
  });

  it('keeps the notice sent and the step successful when the status page cannot be written', async () => {
    const world = withPage(worldWithIncident());
    world.statusPage.failNext(
      Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }),
    );

    const out = await notify(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'INVESTIGATING' });

    expect(out.published).toBe(true);
    expect(world.notifier.status).toHaveLength(1);
    expect(world.store.notice(INCIDENT_ID, 'INVESTIGATING')?.status).toBe('SENT');
    expect((await readStatus(world)).events).toEqual([]);
    // The next notice puts the page right again.
    await notify(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'PARTIALLY_RESTORED' });
    expect(await readStatus(world)).toMatchObject({ state: 'degraded', events: [{ state: 'degraded' }] });
    expect(world.notifier.status).toHaveLength(2);
  });

  it("shows a provider group's notice once, as one event, naming none of its caches", async () => {
    const caches = ['sessions', 'profiles'];
    const world = withPage(fakeWorld({ now: NOW, caches: caches.map((id) => testCache({ id })) }));
    const group = await world.store.resolveGroup('cloud-east', '2025-03-01T11:55:00Z', 300);
    const incidentOf = (cacheId: string) => `${cacheId}-20250301T115500Z`;
    for (const cacheId of caches) {
      const incidentId = incidentOf(cacheId);
      world.store.seedIncident({ incidentId, cacheId, groupId: group });
      await world.store.acquireOpenLock({
        cacheId,
        incidentId,
        executionName: `exec-${incidentId}`,
        executionInput: { incidentId, cacheId, groupId: group } as ExecutionInput,
        openedAt: NOW,
      });
      await world.store.joinGroup(group, incidentId, { cacheId, joinedAt: NOW });
    }

    for (const cacheId of caches) {
      await notify(world, { incidentId: incidentOf(cacheId), cacheId, stage: 'INVESTIGATING' });
    }

    const view = await readStatus(world);
    expect(world.notifier.status).toHaveLength(1);
    expect(view.state).toBe('outage');
    expect(view.events).toHaveLength(1);
    expect(view.events[0]?.notices.map((n) => n.subject)).toEqual([world.notifier.status[0]?.notice.subject]);
    const text = JSON.stringify(view);
    for (const secret of [...caches, group, 'cloud-east']) expect(text).not.toContain(secret);
  });
});
