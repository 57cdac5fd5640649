/**
 * Alarm storms and flapping on one local stack: many different alarms about
 * one cache open one incident; alarms about two caches open two; an alarm
 * that flaps while the incident is open starts nothing new but is recorded;
 * an alarm after resolution opens a new incident.
 */
import { protectedCacheSchema } from '../../functions/domain/caches';
import { CACHE_ID } from '../../local/drill/setup';
import { freePort } from '../../local/elasticache';
import { probeAlarmName } from '../../local/stack/alarms';
import { childProcesses } from '../e2e/processes';
import {
  SHAPES,
  alarmDelivery,
  autoApprove,
  breakCache,
  deliver,
  executions,
  figure,
  incidentIdOf,
  incidents,
  settle,
  startHarness,
  timeline,
  waitFor,
  type Harness,
} from './harness';

const STORM = 20;
const PROBE_ALARM = probeAlarmName('cache-outage-workflow', CACHE_ID);

let h: Harness;
let firstIncidentId = '';

beforeAll(async () => {
  const deadPort = await freePort();
  const sessions = protectedCacheSchema.parse({
    id: 'sessions',
    displayName: 'sessions',
    endpoint: { host: '127.0.0.1', port: deadPort, tls: false },
    endpointParameter: '/cache-outage/sessions/endpoint',
    // Alarms other than this stack's probe alarm open incidents only when the configuration lists them.
    alarmNames: ['sessions-unreachable', ...SHAPES.map((_, i) => `sessions-symptom-${i}`)],
  });
  h = await startHarness({ extraCaches: [sessions] });
  h.stack.protect([
    {
      ...h.prepared.cache,
      alarmNames: Array.from({ length: STORM }, (_, i) => `accounts-symptom-${String(i).padStart(2, '0')}`),
    },
    sessions,
  ]);
  await breakCache(h);
});

afterAll(async () => {
  await h?.stop();
  expect(childProcesses()).toEqual([]);
});

const accountsExecutions = () => executions(h).filter((e) => incidentIdOf(e).startsWith(`${CACHE_ID}-`));

describe('alarm storms', () => {
  it(`${STORM} different alarms about one cache within 30 s open 1 incident, the other ${STORM - 1} join its timeline`, async () => {
    const t0 = Date.now() - 30_000;
    const events = Array.from({ length: STORM }, (_, i) =>
      alarmDelivery(SHAPES[i % SHAPES.length] ?? 'sns', {
        alarmName: i === 0 ? PROBE_ALARM : `accounts-symptom-${String(i).padStart(2, '0')}`,
        cacheId: CACHE_ID,
        state: 'ALARM',
        at: new Date(t0 + i * 1500),
      }),
    );
    const results = await Promise.all(events.map((e) => deliver(h, e)));
    expect(results.filter((r) => !r.ok)).toEqual([]);

    const started = accountsExecutions();
    expect(started).toHaveLength(1);
    firstIncidentId = incidentIdOf(started[0]!);
    const incident = await waitFor('the incident record', 20_000, async () =>
      (await incidents(h)).find((i) => i.incidentId === firstIncidentId),
    );
    const joined = (await timeline(h, firstIncidentId)).filter(
      (e) => e.type === 'ALARM' && e.detail?.alarmName !== (incident as { triggerAlarm?: string }).triggerAlarm,
    );
    figure('storm.alarms', STORM);
    figure('storm.incidents', (await incidents(h)).length);
    figure('storm.alarms_on_timeline', joined.length);
    expect(await incidents(h)).toHaveLength(1);
    expect(new Set(joined.map((e) => e.detail?.alarmName)).size).toBe(STORM - 1);
  });

  it('alarms about two caches open two incidents', async () => {
    const at = new Date(Date.now() - 2000);
    const events = SHAPES.map((shape, i) =>
      alarmDelivery(shape, {
        alarmName: i === 0 ? 'sessions-unreachable' : `sessions-symptom-${i}`,
        cacheId: 'sessions',
        state: 'ALARM',
        at: new Date(at.getTime() + i * 1000),
      }),
    );
    const results = await Promise.all(events.map((e) => deliver(h, e)));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const all = await waitFor('two incident records', 20_000, async () => {
      const list = await incidents(h);
      return list.length >= 2 ? list : undefined;
    });
    figure('storm.two_caches_incidents', all.length);
    expect(all.map((i) => i.cacheId).sort()).toEqual([CACHE_ID, 'sessions']);
    expect(executions(h)).toHaveLength(2);
  });
});

describe('flapping', () => {
  it('ALARM → OK → ALARM while the incident is open starts no execution and records each transition', async () => {
    const before = accountsExecutions().length;
    const base = Date.now() - 5000;
    const flips: ['OK' | 'ALARM', number][] = [
      ['OK', 1000],
      ['ALARM', 2000],
      ['OK', 3000],
      ['ALARM', 4000],
    ];
    for (const [state, offset] of flips) {
      const r = await deliver(
        h,
        alarmDelivery('eventbridge', { alarmName: PROBE_ALARM, cacheId: CACHE_ID, state, at: new Date(base + offset) }),
      );
      expect(r.ok).toBe(true);
    }
    const flipTimes = new Set(flips.map(([, offset]) => new Date(base + offset).toISOString()));
    const events = (await timeline(h, firstIncidentId)).filter(
      (e) => e.detail?.alarmName === PROBE_ALARM && flipTimes.has(e.at),
    );
    const recorded = events.filter((e) => e.type === 'ALARM_OK' || e.type === 'ALARM').length;
    figure('flapping.transitions', flips.length);
    figure('flapping.new_executions', accountsExecutions().length - before);
    figure('flapping.transitions_on_timeline', recorded);
    expect(accountsExecutions()).toHaveLength(before);
    expect(events.filter((e) => e.type === 'ALARM_OK')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'ALARM')).toHaveLength(2);
  });

  it('a new ALARM after the incident is resolved opens a new incident', async () => {
    const stopApproving = autoApprove(h);
    const first = accountsExecutions()[0]!;
    const finished = await settle(h, first.executionArn);
    await stopApproving();
    expect(finished.status).toBe('SUCCEEDED');
    const resolved = (await incidents(h)).find((i) => i.incidentId === firstIncidentId);
    expect(resolved?.status).toBe('RESOLVED');

    const r = await deliver(
      h,
      alarmDelivery('sns', { alarmName: PROBE_ALARM, cacheId: CACHE_ID, state: 'ALARM', at: new Date() }),
    );
    expect(r.ok).toBe(true);
    const after = accountsExecutions();
    figure('flapping.incidents_after_resolution', after.length);
    expect(after).toHaveLength(2);
    expect(incidentIdOf(after[1]!)).not.toBe(firstIncidentId);
  });
});
