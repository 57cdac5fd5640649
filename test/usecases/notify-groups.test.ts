/**
 * Notify for the incidents of a provider's group: customers hear once per
 * stage per group, in stage order, whatever the interleaving of the members'
 * steps, their retries and failed publishes.
 */
import fc from 'fast-check';
import type { ExecutionInput, NoticeStage } from '../../functions/domain/incident';
import { notify } from '../../functions/usecases/notify';
import { fakeWorld, testCache, type FakeWorld } from '../fakes';
import { NOW } from './support';

const GROUP = 'cloud-east-20250301T115500Z';
const CACHES = ['sessions', 'profiles', 'carts'] as const;
const incidentOf = (cache: string): string => `${cache}-20250301T11550${CACHES.indexOf(cache as never)}Z`;
const ALL: NoticeStage[] = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED'];

/** Three incidents of one provider's group, each recorded and holding its cache's lock, as after intake. */
async function groupOfThree(): Promise<FakeWorld> {
  const world = fakeWorld({ now: NOW, caches: CACHES.map((id) => testCache({ id })) });
  expect(await world.store.resolveGroup('cloud-east', '2025-03-01T11:55:00Z', 300)).toBe(GROUP);
  for (const cacheId of CACHES) {
    const incidentId = incidentOf(cacheId);
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

const step = (world: FakeWorld, cacheId: string, stage: NoticeStage, etaMinutes?: number) =>
  notify(world, {
    incidentId: incidentOf(cacheId),
    cacheId,
    stage,
    ...(etaMinutes !== undefined ? { etaMinutes } : {}),
  });

const sentStages = (world: FakeWorld): string[] => world.notifier.status.map((s) => s.notice.stage);

describe('notify, for a group of three caches of one provider', () => {
  it('tells customers once per stage: when the first is down, the slowest ETA, when all serve, when all are resolved', async () => {
    const world = await groupOfThree();

    expect((await step(world, 'sessions', 'INVESTIGATING')).published).toBe(true);
    await step(world, 'profiles', 'INVESTIGATING');
    await step(world, 'sessions', 'ETA', 12);
    await step(world, 'carts', 'INVESTIGATING');
    await step(world, 'profiles', 'ETA', 40);
    expect(sentStages(world)).toEqual(['INVESTIGATING']);
    const eta = await step(world, 'carts', 'ETA', 25);
    expect(eta.published).toBe(true);
    for (const cache of CACHES) await step(world, cache, 'PARTIALLY_RESTORED');
    for (const cache of CACHES) await step(world, cache, 'RESOLVED');

    expect(sentStages(world)).toEqual(ALL);
    const [, etaNotice] = world.notifier.status;
    expect(etaNotice?.notice.subject).toBe('Acme: back in about 40 minutes');
    expect(etaNotice?.attributes).toEqual({ incidentId: GROUP, cacheId: 'sessions' });
    // Customers read the service, not the caches behind it.
    expect(
      world.notifier.status.map((s) => `${s.notice.subject} ${s.notice.text} ${s.notice.sms}`).join(' '),
    ).not.toMatch(/sessions|profiles|carts|cloud-east/);
    for (const cache of CACHES) {
      const incidentId = incidentOf(cache);
      const notices = (await world.store.timeline(incidentId)).filter((e) => e.type === 'NOTICE_SENT');
      expect(notices.map((e) => e.detail?.stage)).toEqual(ALL);
      expect(world.store.incident(incidentId)?.stage).toBe('RESOLVED');
    }
  });

  it('holds PARTIALLY_RESTORED until the last cache serves clients again, and sends it from that cache', async () => {
    const world = await groupOfThree();
    for (const cache of CACHES) await step(world, cache, 'INVESTIGATING');
    for (const cache of CACHES) await step(world, cache, 'ETA', 10);

    await step(world, 'sessions', 'PARTIALLY_RESTORED');
    await step(world, 'sessions', 'RESOLVED');
    await step(world, 'profiles', 'PARTIALLY_RESTORED');
    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA']);
    const last = await step(world, 'carts', 'PARTIALLY_RESTORED');

    expect(last.published).toBe(true);
    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED']);
    expect((await world.store.getGroup(GROUP))?.sealedAt).toBe(NOW);
  });

  it('a failed cache holds "back online" and "resolved" back; a rejected one does not', async () => {
    const world = await groupOfThree();
    for (const cache of CACHES) await step(world, cache, 'INVESTIGATING');
    for (const cache of CACHES) await step(world, cache, 'ETA', 10);
    await world.store.markMember(GROUP, incidentOf('carts'), 'FAILED');
    await step(world, 'sessions', 'PARTIALLY_RESTORED');
    await step(world, 'profiles', 'PARTIALLY_RESTORED');
    await step(world, 'sessions', 'RESOLVED');
    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA']);

    // An operator rejects the failed cache's plan: it leaves the outage, the next arrival sends both in order.
    await world.store.markMember(GROUP, incidentOf('carts'), 'REJECTED');
    await step(world, 'profiles', 'RESOLVED');

    expect(sentStages(world)).toEqual(ALL);
    const carts = (await world.store.timeline(incidentOf('carts'))).filter((e) => e.type === 'NOTICE_SENT');
    expect(carts.map((e) => e.detail?.stage)).toEqual(['INVESTIGATING', 'ETA']);
  });

  it('a cache found recovered skips the ETA and "back online", as a single incident does', async () => {
    const world = await groupOfThree();
    for (const cache of CACHES) await step(world, cache, 'INVESTIGATING');
    for (const cache of CACHES) await step(world, cache, 'RESOLVED');

    expect(sentStages(world)).toEqual(['INVESTIGATING', 'RESOLVED']);
  });

  it('a retried step publishes nothing more', async () => {
    const world = await groupOfThree();
    for (const stage of ALL) {
      for (const cache of CACHES) {
        await step(world, cache, stage, 5);
        const again = await step(world, cache, stage, 5);
        expect(again.published).toBe(false);
      }
    }

    expect(sentStages(world)).toEqual(ALL);
  });

  it('after a failed publish the owner sends on its retry; the others wait for it meanwhile', async () => {
    const world = await groupOfThree();
    for (const cache of CACHES) await step(world, cache, 'INVESTIGATING');
    await step(world, 'sessions', 'ETA', 10);
    await step(world, 'profiles', 'ETA', 20);
    world.notifier.failures.fail('publishStatus', new Error('SNS unavailable'));

    await expect(step(world, 'carts', 'ETA', 30)).rejects.toThrow('SNS unavailable');
    await step(world, 'sessions', 'PARTIALLY_RESTORED');
    expect(sentStages(world)).toEqual(['INVESTIGATING']);
    const retry = await step(world, 'carts', 'ETA', 30);

    expect(retry).toMatchObject({ published: true });
    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA']);
    expect(world.notifier.status[1]?.notice.json.etaMinutes).toBe(30);
  });

  it('a claim whose owner stopped is taken over once its lease ran out, in stage order', async () => {
    const world = await groupOfThree();
    for (const cache of CACHES) await step(world, cache, 'INVESTIGATING');
    for (const cache of ['sessions', 'profiles']) await step(world, cache, 'ETA', 10);
    world.notifier.failures.fail('publishStatus', new Error('SNS unavailable'));
    await expect(step(world, 'carts', 'ETA', 30)).rejects.toThrow('SNS unavailable');
    // carts' execution stopped there; the others go on.
    for (const cache of ['sessions', 'profiles']) await step(world, cache, 'PARTIALLY_RESTORED');
    await world.store.markMember(GROUP, incidentOf('carts'), 'RELEASED');
    expect(sentStages(world)).toEqual(['INVESTIGATING']);

    world.clock.advance({ seconds: 121 });
    await step(world, 'sessions', 'RESOLVED');

    expect(sentStages(world)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED']);
    await step(world, 'profiles', 'RESOLVED');
    expect(sentStages(world)).toEqual(ALL);
  });

  it('members arriving at once: one of them sends', async () => {
    const world = await groupOfThree();

    const out = await Promise.all(CACHES.map((cache) => step(world, cache, 'INVESTIGATING')));

    expect(out.filter((o) => o.published)).toHaveLength(1);
    expect(sentStages(world)).toEqual(['INVESTIGATING']);
  });

  it('a cache alone in its provider group hears every stage it goes through', async () => {
    const world = await groupOfThree();
    await world.store.markMember(GROUP, incidentOf('profiles'), 'FALSE_ALARM');
    await world.store.markMember(GROUP, incidentOf('carts'), 'FALSE_ALARM');

    for (const stage of ALL) await step(world, 'sessions', stage, 7);

    expect(sentStages(world)).toEqual(ALL);
  });

  it('any interleaving of steps, retries and failed publishes: each stage at most once, in order, all four at the end', async () => {
    type Path = 'full' | 'recovered';
    const stagesOf = (path: Path): NoticeStage[] => (path === 'full' ? ALL : ['INVESTIGATING', 'RESOLVED']);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Path>('full', 'recovered'), { minLength: 3, maxLength: 3 }),
        fc.array(fc.record({ who: fc.nat(2), retry: fc.boolean(), fail: fc.boolean() }), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 3, maxLength: 3 }),
        async (paths, moves, etas) => {
          const world = await groupOfThree();
          const next = [0, 0, 0];
          const run = async (who: number, fail: boolean): Promise<void> => {
            const stage = stagesOf(paths[who]!)[next[who]!];
            if (!stage) return;
            if (fail) world.notifier.failures.fail('publishStatus', new Error('SNS unavailable'));
            try {
              await step(world, CACHES[who]!, stage, etas[who]);
              next[who]! += 1; // a step goes on only once it succeeded, as the state machine's Retry does
            } catch {
              // retried by a later move
            }
            try {
              world.notifier.failures.check('publishStatus'); // drops a failure no publish met
            } catch {
              // dropped
            }
          };
          for (const move of moves) {
            await run(move.who, move.fail);
            if (move.retry) await run(move.who, false);
          }
          for (let who = 0; who < 3; who++) while (next[who]! < stagesOf(paths[who]!).length) await run(who, false);

          const sent = sentStages(world);
          const expected = paths.includes('full') ? ALL : ['INVESTIGATING', 'RESOLVED'];
          expect(sent).toEqual(expected);
          if (sent.includes('ETA')) {
            const slowest = Math.max(...paths.flatMap((p, n) => (p === 'full' ? [etas[n]!] : [])));
            expect(world.notifier.status[1]?.notice.json.etaMinutes).toBe(slowest);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
