/**
 * At-least-once delivery: the same alarm transition arriving many times at
 * once, in every shape CloudWatch delivers it (EventBridge, SNS, Lambda alarm
 * action), through the local Lambda runtime, starts one recovery and sends
 * each status notice once.
 */
import { CACHE_ID } from '../../local/drill/setup';
import { probeAlarmName } from '../../local/stack/alarms';
import { childProcesses } from '../e2e/processes';
import {
  FULL,
  SHAPES,
  alarmDelivery,
  autoApprove,
  breakCache,
  deliver,
  executions,
  figure,
  incidents,
  noticesByStage,
  replacementCaches,
  settle,
  startHarness,
  type Harness,
} from './harness';

const DELIVERIES = FULL ? 200 : 50;

let h: Harness | undefined;

afterAll(async () => {
  await h?.stop();
  expect(childProcesses()).toEqual([]);
});

it(`${DELIVERIES} concurrent deliveries of one alarm in three shapes → 1 incident, 1 execution, 1 notice per stage`, async () => {
  h = await startHarness();
  await breakCache(h);
  const at = new Date(Date.now() - 1000);
  const alarmName = probeAlarmName('cache-outage-workflow', CACHE_ID);
  const events = Array.from({ length: DELIVERIES }, (_, i) =>
    alarmDelivery(SHAPES[i % SHAPES.length] ?? 'eventbridge', { alarmName, cacheId: CACHE_ID, state: 'ALARM', at }),
  );
  const stopApproving = autoApprove(h);
  const t0 = Date.now();
  const results = await Promise.all(events.map((e) => deliver(h as Harness, e)));
  const intakeMs = Date.now() - t0;

  const started = executions(h);
  expect(results.filter((r) => !r.ok)).toEqual([]);
  const outcomes = results.flatMap(
    (r) => (r.payload as { outcomes: { outcome: string; incidentId?: string; alreadyStarted?: boolean }[] }).outcomes,
  );
  expect(outcomes).toHaveLength(DELIVERIES);
  expect(new Set(outcomes.map((o) => o.incidentId)).size).toBe(1);
  figure(
    'duplicates.outcomes_reported_as_new_start',
    outcomes.filter((o) => o.outcome === 'started' && o.alreadyStarted === false).length,
  );
  expect(new Set(outcomes.map((o) => (o as { executionName?: string }).executionName)).size).toBe(1);
  expect(outcomes.every((o) => o.outcome === 'started' || o.outcome === 'duplicate')).toBe(true);
  expect(started).toHaveLength(1);
  const finished = await settle(h, started[0]?.executionArn ?? '');
  await stopApproving();
  await h.stack.sns.idle();

  const all = await incidents(h);
  const notices = noticesByStage(h);
  const caches = await replacementCaches(h);
  figure('duplicates.deliveries', DELIVERIES);
  figure('duplicates.intake_ms', intakeMs);
  figure('duplicates.incidents', all.length);
  figure('duplicates.executions', executions(h).length);
  figure('duplicates.max_notices_per_stage', Math.max(...Object.values(notices)));
  figure('duplicates.replacement_caches', caches.length);

  expect(finished.status).toBe('SUCCEEDED');
  expect(all).toHaveLength(1);
  expect(all[0]).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
  expect(executions(h)).toHaveLength(1);
  expect(notices).toEqual({ INVESTIGATING: 1, ETA: 1, PARTIALLY_RESTORED: 1, RESOLVED: 1 });
  expect(caches).toHaveLength(1);
});
