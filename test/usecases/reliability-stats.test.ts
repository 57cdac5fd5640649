/**
 * Reliability over time read from the store: the window, the false alarms
 * apart, each provider outage once overall, and the bound on what one review
 * reads.
 */
import type { Incident, TimelineEvent } from '../../functions/domain/incident';
import { reliabilityStats, STATS_LIMIT } from '../../functions/usecases/reliability-stats';
import { FakeClock, FakeIncidentStore } from '../fakes';
import { restoredIncident, restoreTimeline } from '../domain/report/fixtures';

const NOW = '2024-03-01T12:00:00.000Z';

const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** A promotion with no operator: confirmed after `detect` s, started after `start` s, back after `outage` s. */
async function promoted(
  store: FakeIncidentStore,
  cacheId: string,
  openedAt: string,
  s: { detect: number; start: number; outage: number; degraded: number; groupId?: string },
): Promise<void> {
  const incidentId = `${cacheId}-${openedAt}`;
  store.seedIncident({
    incidentId,
    cacheId,
    status: 'RESOLVED',
    openedAt,
    plan: 'PROMOTE_REPLICA',
    confirmedAt: plus(openedAt, s.detect),
    restoredAt: plus(openedAt, s.outage),
    resolvedAt: plus(openedAt, s.outage + s.degraded),
    ...(s.groupId ? { groupId: s.groupId } : {}),
  });
  const events: TimelineEvent[] = [
    { at: openedAt, type: 'INCIDENT_OPENED', message: 'opened' },
    { at: plus(openedAt, s.start), type: 'RECOVERY_STARTED', message: 'promoting' },
  ];
  for (const e of events) await store.appendTimeline(incidentId, e);
}

async function world() {
  const clock = new FakeClock();
  clock.set(NOW);
  const store = new FakeIncidentStore(clock);
  // The post-mortem's night: confirmed after 30 s, restore started after 15 min (an approval waited 12 min),
  // 46 min of outage, 70 min degraded.
  const night = restoredIncident();
  store.seedIncident(night);
  for (const e of restoreTimeline()) await store.appendTimeline(night.incidentId, e);
  // A week later: a replica promoted without anyone, 20 s to confirm, 60 s to start, 5 min down, 10 min degraded.
  await promoted(store, 'accounts', '2024-02-23T10:00:00.000Z', { detect: 20, start: 60, outage: 300, degraded: 600 });
  // A false alarm of accounts.
  store.seedIncident({
    incidentId: 'accounts-fa',
    cacheId: 'accounts',
    status: 'FALSE_ALARM',
    openedAt: '2024-02-25T10:00:00.000Z',
    falseAlarmAt: '2024-02-25T10:00:30.000Z',
  });
  // A provider outage of sessions and carts: one event overall, from 10:00:00 to carts back at 10:08:00.
  await promoted(store, 'sessions', '2024-02-27T10:00:00.000Z', {
    detect: 30,
    start: 90,
    outage: 240,
    degraded: 120,
    groupId: 'acme-1',
  });
  await promoted(store, 'carts', '2024-02-27T10:00:20.000Z', {
    detect: 40,
    start: 100,
    outage: 460,
    degraded: 60,
    groupId: 'acme-1',
  });
  // Long before the window: never counted.
  await promoted(store, 'accounts', '2023-10-01T10:00:00.000Z', {
    detect: 999,
    start: 999,
    outage: 99_999,
    degraded: 1,
  });
  return { store, clock };
}

describe('reliabilityStats', () => {
  it('measures the last 90 days per cache, the post-mortem night among them', async () => {
    const { store, clock } = await world();

    const stats = await reliabilityStats({ store, clock });

    expect(stats).toMatchObject({
      since: '2023-12-02T12:00:00.000Z', // 90 days back over a February of 29 days
      until: NOW,
      counted: 5,
      truncated: false,
      countedFrom: '2024-02-16T21:24:00.000Z',
      limit: STATS_LIMIT,
    });
    const accounts = stats.caches.find((c) => c.scope === 'accounts');
    // Two incidents: 30 s and 20 s to confirm; 15 min and 60 s to start; 46 min and 5 min down; 70 and 10 min degraded.
    expect(accounts).toEqual({
      scope: 'accounts',
      incidents: 2,
      falseAlarms: 1,
      resolved: 2,
      failed: 0,
      open: 0,
      detect: { count: 2, medianSeconds: 25, worstSeconds: 30 },
      recoveryStart: { count: 2, medianSeconds: 480, worstSeconds: 900 },
      outage: { count: 2, medianSeconds: 1530, worstSeconds: 2760 },
      degraded: { count: 2, medianSeconds: 2400, worstSeconds: 4200 },
      operatorNeeded: 1,
    });
    expect(stats.caches.map((c) => [c.scope, c.incidents, c.outage.worstSeconds])).toEqual([
      ['accounts', 2, 2760],
      ['carts', 1, 460],
      ['sessions', 1, 240],
    ]);
  });

  it('counts the provider outage once overall, and the false alarm apart', async () => {
    const { store, clock } = await world();

    const { overall } = await reliabilityStats({ store, clock });

    // Events: the night (2760 s down), the week-later promotion (300 s), acme-1 (10:00:00 → carts back at
    // 10:08:00 = 480 s, degraded until 10:09:00 = 60 s).
    expect(overall).toMatchObject({
      incidents: 3,
      falseAlarms: 1,
      outage: { count: 3, medianSeconds: 480, worstSeconds: 2760 },
      degraded: { count: 3, medianSeconds: 600, worstSeconds: 4200 },
      detect: { count: 3, medianSeconds: 30, worstSeconds: 30 },
      operatorNeeded: 1,
    });
  });

  it('takes a window from a date or a span back from now', async () => {
    const { store, clock } = await world();

    expect((await reliabilityStats({ store, clock }, { since: '2024-02-20' })).counted).toBe(4);
    expect((await reliabilityStats({ store, clock }, { since: '200d' })).counted).toBe(6);
    expect((await reliabilityStats({ store, clock }, { since: '1d' })).overall.incidents).toBe(0);
    await expect(reliabilityStats({ store, clock }, { since: 'last quarter' })).rejects.toThrow(/since/);
  });

  it(`counts at most the newest ${STATS_LIMIT} incidents of the window, and says so`, async () => {
    const clock = new FakeClock();
    clock.set(NOW);
    const store = new FakeIncidentStore(clock);
    for (let i = 0; i < STATS_LIMIT + 2; i += 1) {
      const openedAt = new Date(Date.parse(NOW) - (i + 1) * 3_600_000).toISOString();
      const incident: Partial<Incident> & Pick<Incident, 'incidentId' | 'cacheId'> = {
        incidentId: `flags-${i}`,
        cacheId: 'flags',
        status: 'FALSE_ALARM',
        openedAt,
      };
      store.seedIncident(incident);
    }

    const stats = await reliabilityStats({ store, clock });

    expect(stats).toMatchObject({ counted: STATS_LIMIT, truncated: true });
    expect(stats.countedFrom).toBe(new Date(Date.parse(NOW) - STATS_LIMIT * 3_600_000).toISOString());
    expect(stats.overall.falseAlarms).toBe(STATS_LIMIT);
  });
});
