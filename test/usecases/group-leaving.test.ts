/**
 * A member that leaves its group's outage (a false alarm, a rejected plan) or
 * fails sends the group's notices that waited on it: no other member's step
 * may come to send them.
 */
import type { ExecutionInput, NoticeStage } from '../../functions/domain/incident';
import { confirmOutage } from '../../functions/usecases/confirm-outage';
import { escalate } from '../../functions/usecases/escalate';
import { notify } from '../../functions/usecases/notify';
import { fakeWorld, testCache, type FakeWorld } from '../fakes';
import { NOW } from './support';

const GROUP = 'cloud-east-20250301T115500Z';
const A = { cacheId: 'sessions', incidentId: 'sessions-20250301T115500Z' };
const B = { cacheId: 'profiles', incidentId: 'profiles-20250301T115501Z' };
const B_ENDPOINT = { host: 'profiles.internal', port: 6380, tls: false };
const ALL: NoticeStage[] = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED'];

/** Two incidents of one provider's group, each recorded and holding its cache's lock, as after intake. */
async function groupOfTwo(): Promise<FakeWorld> {
  const world = fakeWorld({
    now: NOW,
    caches: [testCache({ id: A.cacheId }), testCache({ id: B.cacheId, endpointParameter: '/cache/profiles/endpoint' })],
  });
  world.endpoints.set('/cache/profiles/endpoint', B_ENDPOINT);
  expect(await world.store.resolveGroup('cloud-east', '2025-03-01T11:55:00Z', 300)).toBe(GROUP);
  for (const { cacheId, incidentId } of [A, B]) {
    world.store.seedIncident({ incidentId, cacheId, groupId: GROUP });
    await world.store.acquireOpenLock({
      cacheId,
      incidentId,
      executionName: `exec-${incidentId}`,
      executionInput: { incidentId, cacheId, groupId: GROUP } as ExecutionInput,
      openedAt: NOW,
    });
    await world.store.joinGroup(GROUP, incidentId, { cacheId, joinedAt: NOW });
  }
  return world;
}

const step = (world: FakeWorld, member: typeof A, stage: NoticeStage, etaMinutes?: number) =>
  notify(world, { ...member, stage, ...(etaMinutes !== undefined ? { etaMinutes } : {}) });

const sentStages = (world: FakeWorld): string[] => world.notifier.status.map((s) => s.notice.stage);
const noticesOn = async (world: FakeWorld, incidentId: string) =>
  (await world.store.timeline(incidentId)).filter((e) => e.type === 'NOTICE_SENT').map((e) => e.detail?.stage);

describe('a member leaving its group settles the group notices', () => {
  it('a rejected plan: customers hear the others are back, once, however often the step runs', async () => {
    const world = await groupOfTwo();
    for (const m of [A, B]) await step(world, m, 'INVESTIGATING');
    for (const m of [A, B]) await step(world, m, 'ETA', 10);
    await step(world, A, 'PARTIALLY_RESTORED');
    await step(world, A, 'RESOLVED');
    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA']);

    const rejected = { ...B, kind: 'rejected' as const, error: { Error: 'Rejected', Cause: 'wrong plan' } };
    await escalate(world, rejected);
    await escalate(world, rejected);

    expect(sentStages(world)).toEqual(ALL);
    expect(await noticesOn(world, A.incidentId)).toEqual(ALL);
    expect(world.store.incident(A.incidentId)?.stage).toBe('RESOLVED');
    // The rejected cache is out of the outage: its page keeps what it was part of.
    expect(await noticesOn(world, B.incidentId)).toEqual(['INVESTIGATING', 'ETA']);
  });

  it('a false alarm: the ETA, back online and resolved that waited on its check go out', async () => {
    const world = await groupOfTwo();
    await step(world, A, 'INVESTIGATING');
    await step(world, A, 'ETA', 15);
    await step(world, A, 'PARTIALLY_RESTORED');
    await step(world, A, 'RESOLVED');
    expect(sentStages(world)).toEqual(['INVESTIGATING']);

    world.probe.script(B_ENDPOINT, [true, true, true]);
    const facts = await confirmOutage(
      { ...world, sleep: async (ms) => void world.clock.advance({ ms }), confirmation: { seconds: 10, pings: 3 } },
      { ...B, trigger: { alarmName: 'profiles-down', reason: 'down', stateChangeTime: NOW } },
    );

    expect(facts.confirmed).toBe(false);
    expect(sentStages(world)).toEqual(ALL);
    expect(world.notifier.status[1]?.notice.subject).toBe('Acme: back in about 15 minutes');
    expect(await noticesOn(world, A.incidentId)).toEqual(ALL);
  });

  it('a failed assessment: the ETA no longer waits for it, and "resolved" still does', async () => {
    const world = await groupOfTwo();
    for (const m of [A, B]) await step(world, m, 'INVESTIGATING');
    await step(world, A, 'ETA', 20);
    expect(sentStages(world)).toEqual(['INVESTIGATING']);

    await escalate(world, { ...B, kind: 'failed', error: { Error: 'CacheAssessmentFailedError', Cause: 'no backup' } });

    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA']);
    expect(world.notifier.status[1]?.notice.subject).toBe('Acme: back in about 20 minutes');
    expect(world.notifier.operators).toHaveLength(1);
    // The operators read which outage this cache is part of, and where the others stand.
    const [escalation] = world.notifier.operators;
    expect(escalation?.subject).toBe(
      'Cache profiles (outage of cloud-east, 2 caches): recovery failed with CacheAssessmentFailedError',
    );
    expect(escalation?.groupId).toBe(GROUP);
    expect(escalation?.text).toContain(`This cache is one of 2 caches of cloud-east down together (group ${GROUP}):`);
    expect(escalation?.text).toContain('  - sessions: Alarm received');
    expect(escalation?.text).toContain('  - profiles (this one): Failed');
    expect(escalation?.text).not.toMatch(/\b[A-Z]+_[A-Z_]+\b/);
    await step(world, A, 'PARTIALLY_RESTORED');
    await step(world, A, 'RESOLVED');
    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA']);
  });
});
