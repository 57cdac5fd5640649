/**
 * Close Incident tells the operators the cache is back, with the
 * post-incident report: once, however often the step runs; for a provider
 * outage once for the group, when its last cache closes. A message that
 * cannot be sent is noted on the timeline and never fails the close.
 */
import type { ExecutionInput } from '../../functions/domain/incident';
import type { ReportArchive } from '../../functions/ports';
import { closeIncident } from '../../functions/usecases/close-incident';
import { escalate } from '../../functions/usecases/escalate';
import { CACHE_ID, INCIDENT_ID, OPENED_AT, worldWithIncident } from './support';
import { FakeReportArchive } from '../fakes/report-archive';

const CONSOLE = 'https://console.example.com';
const GROUP = 'cloud-east-20250301T115500Z';
const OTHER = 'profiles-20250301T115502Z';
const close = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, plan: 'PROVISION_FROM_BACKUP' as const };

/** Restored at 12:05 (outage 10 min) from a backup with no replica, resolved at 12:25 (degraded 20 min). */
async function restoredWorld(
  archive: ReportArchive | undefined = new FakeReportArchive({ base: 's3://reports/reports' }),
) {
  const world = { ...worldWithIncident({}, { consoleUrl: CONSOLE }), ...(archive ? { reports: archive } : {}) };
  await world.store.appendTimeline(INCIDENT_ID, {
    at: '2025-03-01T11:56:00.000Z',
    type: 'ASSESSED',
    message: 'no healthy replica; restoring from backup',
    detail: {
      plan: 'PROVISION_FROM_BACKUP',
      primaryReachable: false,
      backup: { key: 'backups/sessions-0001.rdb', sizeBytes: 1024, ageMinutes: 30 },
    },
  });
  await world.store.updateIncident(INCIDENT_ID, {
    restoredAt: '2025-03-01T12:05:00.000Z',
    plan: 'PROVISION_FROM_BACKUP',
  });
  world.clock.set('2025-03-01T12:25:00.000Z');
  return world;
}

const resolved = (world: { notifier: { operators: { kind: string }[] } }) =>
  world.notifier.operators.filter((m) => m.kind === 'resolved');

describe('Close Incident tells the operators the cache is back', () => {
  it('sends one message with the durations, the report’s summary, impact, suggestions and where it is', async () => {
    const world = await restoredWorld();

    await closeIncident(world, close);

    const [message, ...more] = resolved(world) as typeof world.notifier.operators;
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      kind: 'resolved',
      incidentId: INCIDENT_ID,
      cacheId: CACHE_ID,
      subject: 'Resolved: sessions \u2014 outage 10 min, degraded 20 min',
    });
    const text = message?.text ?? '';
    expect(text).toContain(`Incident ${INCIDENT_ID}: cache sessions is back (outage 10 min, degraded 20 min).`);
    expect(text).toContain('Outage: 10 min, from 11:55 UTC to 12:05 UTC.');
    expect(text).toContain('Partially degraded: 20 min, from 12:05 UTC to 12:25 UTC.');
    expect(text).toMatch(/\n {2}- .*Multi-AZ/);
    expect(text).toContain(
      `  - in the console: ${CONSOLE}/login?next=${encodeURIComponent(`/incidents/${INCIDENT_ID}/report`)}`,
    );
    expect(text).toContain(`  - from a terminal: cache-outage report ${INCIDENT_ID}`);
    expect(text).toContain(`  - stored in S3 at s3://reports/reports/${INCIDENT_ID}/`);
    const told = (await world.store.timeline(INCIDENT_ID)).filter((e) => e.type === 'OPERATORS_TOLD');
    expect(told).toEqual([
      expect.objectContaining({ message: `operators told: ${message?.subject}`, detail: expect.anything() }),
    ]);
  });

  it('sends nothing more when the step runs again', async () => {
    const world = await restoredWorld();

    await closeIncident(world, close);
    world.clock.advance({ minutes: 1 });
    await closeIncident(world, close);

    expect(resolved(world)).toHaveLength(1);
    expect((await world.store.timelineTypes(INCIDENT_ID)).filter((t) => t === 'OPERATORS_TOLD')).toHaveLength(1);
  });

  it('says why the report is not in S3 when it could not be stored', async () => {
    const world = await restoredWorld(
      new FakeReportArchive({ refuse: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }) }),
    );

    await closeIncident(world, close);

    expect(resolved(world)).toHaveLength(1);
    expect(world.notifier.operators[0]?.text).toContain('  - not stored in S3: AccessDenied: Access Denied');
  });

  it('resolves the incident when the message cannot be sent, notes it, and a retry sends it once', async () => {
    const world = await restoredWorld();
    world.notifier.failures.fail('publishOperators', Object.assign(new Error('throttled'), { name: 'Throttling' }));

    const out = await closeIncident(world, close);

    expect(out).toMatchObject({ status: 'RESOLVED', report: { stored: true } });
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({ status: 'RESOLVED' });
    const failed = (await world.store.timeline(INCIDENT_ID)).find((e) => e.type === 'OPERATORS_TOLD');
    expect(failed?.message).toBe('operators could not be told the cache is back: Throttling: throttled');

    await closeIncident(world, close);
    await closeIncident(world, close);
    expect(resolved(world)).toHaveLength(1);
  });
});

describe('Close Incident, when the message went out but its record did not', () => {
  it('says the operators were told, with the message id, and does not say they were not', async () => {
    const world = await restoredWorld();
    world.store.failures.fail('confirmNotice', new Error('DynamoDB throttled'));

    await closeIncident(world, close);

    expect(resolved(world)).toHaveLength(1);
    const told = (await world.store.timeline(INCIDENT_ID)).filter((e) => e.type === 'OPERATORS_TOLD');
    expect(told.map((e) => e.message)).toEqual([
      expect.stringMatching(/^operators told \(.+\), but not recorded: Error: DynamoDB throttled$/),
    ]);
    expect(told[0]?.detail).toMatchObject({ published: true });
  });
});

describe('a provider outage: one resolved message for the group', () => {
  /** Two caches of one provider down together; this incident's lock names the group. */
  async function groupWorld() {
    const world = await restoredWorld();
    await world.store.releaseOpenLock(CACHE_ID, INCIDENT_ID);
    await world.store.acquireOpenLock({
      cacheId: CACHE_ID,
      incidentId: INCIDENT_ID,
      executionName: 'e',
      executionInput: { incidentId: INCIDENT_ID, cacheId: CACHE_ID, groupId: GROUP } as ExecutionInput,
      openedAt: OPENED_AT,
    });
    // As Confirm Outage leaves it: the group on the record, so a retry after the lock is gone still finds it.
    await world.store.updateIncident(INCIDENT_ID, { groupId: GROUP });
    await world.store.resolveGroup('cloud-east', OPENED_AT, 300);
    await world.store.joinGroup(GROUP, INCIDENT_ID, { cacheId: CACHE_ID, joinedAt: OPENED_AT });
    await world.store.joinGroup(GROUP, OTHER, { cacheId: 'profiles', joinedAt: '2025-03-01T11:55:02.000Z' });
    world.store.seedIncident({ incidentId: OTHER, cacheId: 'profiles', openedAt: '2025-03-01T11:55:02.000Z' });
    await world.store.updateIncident(OTHER, { groupId: GROUP, restoredAt: '2025-03-01T12:02:02.000Z' });
    return world;
  }
  const closeOther = { incidentId: OTHER, cacheId: 'profiles', plan: 'PROMOTE_REPLICA' as const };

  it('waits for the last cache, then lists each with its outcome and its report, once', async () => {
    const world = await groupWorld();

    world.clock.set('2025-03-01T12:10:00.000Z');
    await closeIncident(world, closeOther);
    expect(resolved(world)).toHaveLength(0);

    world.clock.set('2025-03-01T12:25:00.000Z');
    await closeIncident(world, close);
    // A late retry of the first cache's close after the group closed: still one message.
    await closeIncident(world, closeOther);
    await closeIncident(world, close);

    const messages = resolved(world) as typeof world.notifier.operators;
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatchObject({
      incidentId: GROUP,
      groupId: GROUP,
      subject: 'Resolved: outage of cloud-east, 2 of 2 caches back',
    });
    const text = message?.text ?? '';
    expect(text).toContain(`sessions (incident ${INCIDENT_ID}): Resolved, outage 10 min, degraded 20 min`);
    expect(text).toContain(`profiles (incident ${OTHER}): Resolved, outage 7 min, degraded 7 min 58 s`);
    expect(text).toContain(`stored in S3 at s3://reports/reports/${OTHER}/`);
    expect(text).toContain(`stored in S3 at s3://reports/reports/${INCIDENT_ID}/`);
    expect(text).toContain(encodeURIComponent(`/incidents/${OTHER}/report`));
    for (const id of [INCIDENT_ID, OTHER]) {
      expect((await world.store.timelineTypes(id)).filter((t) => t === 'OPERATORS_TOLD')).toHaveLength(1);
    }
  });

  it('sends nothing while a failed cache holds the group open', async () => {
    const world = await groupWorld();
    await world.store.markMember(GROUP, OTHER, 'FAILED');

    await closeIncident(world, close);

    expect(resolved(world)).toHaveLength(0);
    expect(await world.store.timelineTypes(INCIDENT_ID)).not.toContain('OPERATORS_TOLD');
  });

  it('lists a cache that was taken out of the group with its outcome, without a report', async () => {
    const world = await groupWorld();
    await world.store.markMember(GROUP, OTHER, 'RELEASED');

    await closeIncident(world, close);

    const [message, ...more] = resolved(world) as typeof world.notifier.operators;
    expect(more).toEqual([]);
    expect(message?.subject).toBe('Resolved: outage of cloud-east, 1 of 2 caches back');
    expect(message?.text).toContain(`\nprofiles (incident ${OTHER}): Taken out by an operator\n`);
  });

  it('tells them when the last cache to leave was rejected, not closed: once, with each outcome', async () => {
    const world = await groupWorld();
    await closeIncident(world, close);
    expect(resolved(world)).toHaveLength(0);

    world.clock.set('2025-03-01T12:30:00.000Z');
    await escalate(world, { incidentId: OTHER, cacheId: 'profiles', kind: 'rejected' });
    await escalate(world, { incidentId: OTHER, cacheId: 'profiles', kind: 'rejected' });

    const [message, ...more] = resolved(world) as typeof world.notifier.operators;
    expect(more).toEqual([]);
    expect(message).toMatchObject({ incidentId: GROUP, subject: 'Resolved: outage of cloud-east, 1 of 2 caches back' });
    expect(message?.text).toContain(`sessions (incident ${INCIDENT_ID}): Resolved, outage 10 min, degraded 20 min`);
    expect(message?.text).toContain(`stored in S3 at s3://reports/reports/${INCIDENT_ID}/`);
    expect(message?.text).toMatch(new RegExp(`profiles \\(incident ${OTHER}\\): Plan rejected\\n`));
    expect((await world.store.timelineTypes(INCIDENT_ID)).filter((t) => t === 'OPERATORS_TOLD')).toHaveLength(1);
  });

  it('tells them nothing while the group is open, and nothing at all when no cache of it was resolved', async () => {
    const world = await groupWorld();
    await escalate(world, { incidentId: OTHER, cacheId: 'profiles', kind: 'rejected' });
    expect(resolved(world)).toHaveLength(0);
    await world.store.markMember(GROUP, INCIDENT_ID, 'REJECTED');
    await escalate(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, kind: 'rejected' });
    expect(resolved(world)).toHaveLength(0);
  });
});
