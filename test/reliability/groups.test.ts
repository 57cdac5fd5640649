/**
 * A provider losing every cache at once, through the local Lambda runtime and
 * the real state machine: however many times each alarm is delivered, and
 * with AWS failing a seeded 20% of every call, the caches of the provider
 * form one group, each recovers in its own execution, subscribers hear each
 * stage once, and operators are asked once. (20% here, 30% in ./faults.test.ts:
 * a group's notices make several more calls per step, and at 30% one step in
 * about three runs exhausted its six attempts.)
 */
import { probeAlarmName } from '../../local/stack/alarms';
import { Faults } from '../../local/faults';
import { childProcesses } from '../e2e/processes';
import {
  FULL,
  SHAPES,
  alarmDelivery,
  approveWhatOperatorsAsk,
  breakProvider,
  deliver,
  executions,
  figure,
  incidentIdOf,
  incidents,
  noticesByStage,
  operatorMessages,
  replacementCaches,
  settle,
  startHarness,
  timeline,
  type Harness,
} from './harness';

const CACHES = 3;
const PER_CACHE = FULL ? 60 : 15;
const SEED = Number(process.env.FAULT_SEED ?? 20261207);
const ONE_PER_STAGE = { INVESTIGATING: 1, ETA: 1, PARTIALLY_RESTORED: 1, RESOLVED: 1 };

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

/** The alarm of every cache of the provider, `times` deliveries each in every shape, all at once. */
function deliveries(h: Harness, times: number, at: Date): unknown[] {
  return h.caches.flatMap((c) =>
    Array.from({ length: times }, (_, i) =>
      alarmDelivery(SHAPES[i % SHAPES.length] ?? 'sns', {
        alarmName: probeAlarmName('cache-outage-workflow', c.cache.id),
        cacheId: c.cache.id,
        state: 'ALARM',
        at,
      }),
    ),
  );
}

/**
 * What every group test expects once the executions ended: one event for customers, and operators asked about
 * every cache exactly once — in one request when the caches waited together (`oneRequest`).
 */
async function expectOneOutage(h: Harness, name: string, oneRequest: boolean): Promise<void> {
  const all = await incidents(h);
  const notices = noticesByStage(h);
  const requests = operatorMessages(h, 'approval-request');
  figure(`${name}.incidents`, all.length);
  figure(`${name}.groups`, new Set(all.map((i) => i.groupId)).size);
  figure(`${name}.notices`, JSON.stringify(notices));
  figure(`${name}.approval_requests`, requests.length);
  expect(all).toHaveLength(CACHES);
  expect(all.every((i) => i.status === 'RESOLVED')).toBe(true);
  expect(new Set(all.map((i) => i.groupId)).size).toBe(1);
  const groupId = all[0]?.groupId;
  expect(groupId).toMatch(/^acme-redis-/);
  expect(notices).toEqual(ONE_PER_STAGE);
  const asked = requests.flatMap((r) => r.members ?? [r.incidentId]);
  expect(asked.sort()).toEqual(all.map((i) => i.incidentId).sort());
  expect(requests[0]).toMatchObject({ incidentId: groupId, groupId });
  if (oneRequest) expect(requests).toHaveLength(1);
  // A cache asked about on its own names the group.
  for (const r of requests.slice(1)) expect(r.groupId).toBe(groupId);
  expect(await replacementCaches(h)).toHaveLength(CACHES);
  // The operators are told once, for the group, that its caches are back (never once per cache). A publish that
  // failed past the SDK's retries is noted on the timeline and not sent again: at most one under faults.
  const resolved = operatorMessages(h, 'resolved');
  figure(`${name}.resolved_messages`, resolved.length);
  expect(resolved.length).toBeLessThanOrEqual(1);
  for (const r of resolved) expect(r).toMatchObject({ incidentId: groupId, groupId });
  if (oneRequest) expect(resolved).toHaveLength(1);
}

describe(`a provider losing ${CACHES} caches at once`, () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it(`${PER_CACHE} deliveries of each alarm in three shapes → 1 group, ${CACHES} executions, 1 notice per stage, 1 approval request, 1 resolved message`, async () => {
    h = await startHarness({ providerCaches: CACHES });
    await breakProvider(h);
    const stopApproving = approveWhatOperatorsAsk(h);
    const results = await Promise.all(deliveries(h, PER_CACHE, new Date(Date.now() - 1000)).map((e) => deliver(h!, e)));

    expect(results.filter((r) => !r.ok)).toEqual([]);
    const started = executions(h);
    expect(started).toHaveLength(CACHES);
    const finished = await Promise.all(started.map((e) => settle(h!, e.executionArn)));
    await stopApproving();
    await h.stack.sns.idle();

    expect(finished.map((e) => e.status)).toEqual(Array(CACHES).fill('SUCCEEDED'));
    await expectOneOutage(h, 'groups.duplicates', true);
    expect(h.errors).toEqual([]);
  });

  it('with 20% of AWS calls throttled or failing with 5xx: all resolved, 1 notice per stage, each cache asked about once', async () => {
    const faults = new Faults();
    h = await startHarness({ providerCaches: CACHES, faults });
    await breakProvider(h);
    console.log(`fault seed ${SEED} (FAULT_SEED to replay)`);
    faults.chaos({ rate: 0.2, seed: SEED });
    const stopApproving = approveWhatOperatorsAsk(h);
    // Delivered like Lambda's asynchronous invocation: up to 3 attempts each.
    for (const event of deliveries(h, 1, new Date())) {
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok; attempt += 1) ok = (await deliver(h, event)).ok;
      expect(ok).toBe(true);
    }
    const started = executions(h);
    expect(started).toHaveLength(CACHES);
    const finished = await Promise.all(started.map((e) => settle(h!, e.executionArn, 240_000)));
    faults.calm();
    await stopApproving();
    await h.stack.sns.idle();
    const stats = faults.stats();
    figure('groups.chaos_injected', `${stats.injected}/${stats.requests}`);

    for (const e of finished.filter((x) => x.status !== 'SUCCEEDED'))
      console.log(
        JSON.stringify({ error: e.error, cause: e.cause, timeline: await timeline(h, incidentIdOf(e)) }, null, 1),
      );
    expect(stats.injected).toBeGreaterThanOrEqual(10);
    expect(finished.map((e) => e.status)).toEqual(Array(CACHES).fill('SUCCEEDED'));
    // Faults may delay a cache's alarm or assessment past the others' request: it is then asked about on its own.
    await expectOneOutage(h, 'groups.chaos', false);
  });
});
