/**
 * A failed incident's post-incident report, drafted by Escalate once the
 * operators were told: what was tried, where it stopped, who was escalated.
 * Storing it never costs the escalation: the message goes out first, and a
 * refused store is noted on the timeline, not thrown.
 */
import { escalate } from '../../functions/usecases/escalate';
import { CACHE_ID, INCIDENT_ID, worldWithIncident } from './support';
import { FakeReportArchive } from '../fakes/report-archive';

const failed = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  kind: 'failed' as const,
  error: { Error: 'CacheProvisioningFailedError', Cause: 'replication group r-sessions-abc123 is restore-failed' },
  stopped: {
    status: 'FAILED' as const,
    state: 'Provision Cache',
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:e',
  },
};

describe('escalate drafts a failed incident’s report', () => {
  it('stores it in every format after the escalation: where it stopped, why, who was told', async () => {
    const reports = new FakeReportArchive();
    const world = { ...worldWithIncident(), reports };
    await world.store.appendTimeline(INCIDENT_ID, {
      at: world.clock.iso(),
      type: 'RECOVERY_STARTED',
      message: 'provisioning replacement r-sessions-abc123 from backups/sessions-0001.rdb',
    });

    const out = await escalate(world, failed);

    expect(out).toMatchObject({ published: true });
    expect(world.notifier.operators).toHaveLength(1);
    const files = reports.stored.get(INCIDENT_ID) ?? [];
    expect(files.map((f) => f.name)).toEqual(['report.md', 'report.html', 'report.json']);
    const md = files[0]?.body ?? '';
    const stopped = md.slice(md.indexOf('## Where the recovery stopped'), md.indexOf('## Impact'));
    expect(stopped).toContain('provisioning replacement r-sessions-abc123');
    expect(stopped).toContain(
      'Stopped at Provision Cache at 12:00:00 UTC: CacheProvisioningFailedError: replication group r-sessions-abc123 is restore-failed.',
    );
    expect(stopped).toContain('12:00:00 UTC: Operators escalated: recovery stopped at Provision Cache');
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([
      'RECOVERY_STARTED',
      'FAILED',
      'ESCALATED',
      'REPORT_DRAFTED',
    ]);
  });

  it('escalates all the same when the report cannot be stored, and says so on the timeline', async () => {
    const world = { ...worldWithIncident(), reports: new FakeReportArchive({ refuse: new Error('AccessDenied') }) };

    const out = await escalate(world, failed);

    expect(out).toMatchObject({ published: true });
    expect(world.notifier.operators).toHaveLength(1);
    const timeline = await world.store.timeline(INCIDENT_ID);
    expect(timeline.map((e) => e.type)).toEqual(['FAILED', 'ESCALATED', 'REPORT_DRAFTED']);
    expect(timeline.at(-1)?.message).toBe('post-incident report not stored: Error: AccessDenied');
  });

  it('drafts none for a rejection or a timed-out approval, nor when no archive is configured', async () => {
    const reports = new FakeReportArchive();
    const rejected = { ...worldWithIncident(), reports };
    await escalate(rejected, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, kind: 'rejected' });
    expect(reports.stored.size).toBe(0);

    const plain = worldWithIncident();
    await escalate(plain, failed);
    expect(await plain.store.timelineTypes(INCIDENT_ID)).toEqual(['FAILED', 'ESCALATED']);
  });

  it('links the report in the escalation: its page in the console and where it is stored in S3', async () => {
    const reports = new FakeReportArchive();
    const world = { ...worldWithIncident({}, { consoleUrl: 'https://console.example.com' }), reports };

    await escalate(world, failed);

    const text = world.notifier.operators[0]?.text ?? '';
    const next = encodeURIComponent(`/incidents/${INCIDENT_ID}/report`);
    expect(text).toContain(`  - in the console: https://console.example.com/login?next=${next}`);
    expect(text).toContain(`  - stored in S3 at memory://reports/${INCIDENT_ID}/`);
    expect(reports.stored.has(INCIDENT_ID)).toBe(true);

    const rejected = worldWithIncident();
    await escalate(rejected, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, kind: 'rejected' });
    expect(rejected.notifier.operators[0]?.text).not.toContain('Post-incident report');
  });
});
