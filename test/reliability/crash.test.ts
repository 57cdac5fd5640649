/**
 * on-alarm dies between its lock write and StartExecution (Step Functions
 * answers 500 to every attempt of the SDK), then the delivery is retried:
 * exactly one execution exists, for the incident the lock names.
 */
import { CACHE_ID } from '../../local/drill/setup';
import { Faults, serverError } from '../../local/faults';
import { probeAlarmName } from '../../local/stack/alarms';
import { childProcesses } from '../e2e/processes';
import {
  SHAPES,
  alarmDelivery,
  breakCache,
  deliver,
  executions,
  figure,
  incidentIdOf,
  startHarness,
  type Harness,
} from './harness';

let h: Harness | undefined;

afterAll(async () => {
  await h?.stop();
  expect(childProcesses()).toEqual([]);
});

it('a StartExecution lost after the lock write is repaired by the redelivery: exactly one execution', async () => {
  const faults = new Faults();
  h = await startHarness({ faults });
  await breakCache(h);
  const spec = {
    alarmName: probeAlarmName('cache-outage-workflow', CACHE_ID),
    cacheId: CACHE_ID,
    state: 'ALARM' as const,
    at: new Date(Date.now() - 1000),
  };
  const event = alarmDelivery('eventbridge', spec);

  const heal = faults.fail('stepfunctions', 'StartExecution', serverError('stepfunctions'));
  const crashed = await deliver(h, event);
  heal();
  const lock = await h.store.getOpenLock(CACHE_ID, true);
  const failedStarts = faults.stats().byRule['stepfunctions:StartExecution InternalFailure'] ?? 0;
  expect(crashed.ok).toBe(false);
  expect(crashed.error).toMatch(/^TransientDependencyError/);
  expect(lock).toBeDefined();
  expect(executions(h)).toHaveLength(0);

  // Lambda retries the asynchronous delivery; the alarm also arrives through its other channels.
  const redeliveries = [event, ...SHAPES.map((shape) => alarmDelivery(shape, spec))];
  const retries = await Promise.all(redeliveries.map((e) => deliver(h as Harness, e)));
  expect(retries.every((r) => r.ok)).toBe(true);
  const started = executions(h);
  figure('crash.failed_start_attempts', failedStarts);
  figure('crash.executions_after_redelivery', started.length);
  expect(started).toHaveLength(1);
  expect(incidentIdOf(started[0]!)).toBe(lock?.incidentId);
  expect(started[0]?.name).toBe(lock?.executionName);
});
