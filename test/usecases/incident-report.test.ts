import { closeIncident } from '../../functions/usecases/close-incident';
import { incidentReport, renderReport } from '../../functions/usecases/incident-report';
import { timeZoneOf } from '../../functions/domain/time-labels';
import type { ReportArchive } from '../../functions/ports';
import { FakeClock, FakeIncidentStore, FakeNotifier } from '../fakes';
import { NOTICES, RESOLVED, restoredIncident, restoreTimeline } from '../domain/report/fixtures';
import { FakeReportArchive } from '../fakes/report-archive';

const ET = timeZoneOf('America/New_York');

/** The post-mortem's incident on the fake store, as the workflow's steps leave it just before Close Incident. */
async function world() {
  const clock = new FakeClock();
  const store = new FakeIncidentStore(clock);
  const { resolvedAt: _resolved, status: _status, ...open } = restoredIncident();
  store.seedIncident({ ...open, status: 'OPEN' });
  for (const e of restoreTimeline().filter((t) => t.type !== 'RESOLVED'))
    await store.appendTimeline(open.incidentId, e);
  for (const n of NOTICES) {
    clock.set(n.sentAt);
    await store.confirmNotice(open.incidentId, n.stage, `m-${n.stage}`, { subject: n.subject, text: n.text });
  }
  await store.confirmNotice(open.incidentId, 'APPROVAL#recovery-plan', 'm-a', { subject: 'Approve?', text: 'a' });
  await store.acquireOpenLock({
    cacheId: open.cacheId,
    incidentId: open.incidentId,
    executionName: open.executionName,
    executionInput: {} as never,
    openedAt: open.openedAt,
  });
  clock.set(RESOLVED);
  return {
    store,
    clock,
    notifier: new FakeNotifier(),
    notices: {},
    incidentId: open.incidentId,
    cacheId: open.cacheId,
  };
}

describe('incidentReport', () => {
  it('drafts the report from the store: measured impact and the customer notices as sent', async () => {
    const w = await world();
    await closeIncident(
      { store: w.store, clock: w.clock, notifier: w.notifier, notices: w.notices },
      { incidentId: w.incidentId, cacheId: w.cacheId, plan: 'PROVISION_FROM_BACKUP' },
    );
    const r = await incidentReport({ store: w.store, clock: w.clock, timeZone: ET }, w.incidentId);
    expect(r.impact.lines).toEqual([
      'Outage: 46 min, from 16:24 ET to 17:10 ET.',
      'Partially degraded: 1 h 10 min, from 17:10 ET to 18:20 ET.',
    ]);
    expect(r.communication.notices.map((n) => [n.stage, n.text])).toEqual(NOTICES.map((n) => [n.stage, n.text]));
    expect(renderReport(r, 'md').body).toContain('## Impact');
  });

  it('refuses an incident that does not exist', async () => {
    const w = await world();
    await expect(incidentReport({ store: w.store, clock: w.clock }, 'nope')).rejects.toThrow(
      'incident nope does not exist',
    );
  });
});

describe('Close Incident drafts and stores the report', () => {
  it('stores Markdown, HTML and JSON and notes where on the timeline', async () => {
    const w = await world();
    const reports = new FakeReportArchive();
    const out = await closeIncident(
      { store: w.store, clock: w.clock, notifier: w.notifier, notices: w.notices, reports, timeZone: ET },
      { incidentId: w.incidentId, cacheId: w.cacheId, plan: 'PROVISION_FROM_BACKUP' },
    );
    expect(out).toMatchObject({ status: 'RESOLVED', outageSeconds: 2760, degradedSeconds: 4200 });
    expect(out.report).toEqual({ stored: true, location: `memory://reports/${w.incidentId}/` });
    const files = reports.stored.get(w.incidentId) ?? [];
    expect(files.map((f) => [f.name, f.contentType])).toEqual([
      ['report.md', 'text/markdown; charset=utf-8'],
      ['report.html', 'text/html; charset=utf-8'],
      ['report.json', 'application/json'],
    ]);
    expect(files[1]?.body).toContain('<svg');
    expect(files[0]?.body).toContain('Outage: 46 min, from 16:24 ET to 17:10 ET.');
    const drafted = (await w.store.timeline(w.incidentId)).find((e) => e.type === 'REPORT_DRAFTED');
    expect(drafted).toMatchObject({ type: 'REPORT_DRAFTED', detail: { stored: true } });
  });

  it('resolves the incident even when the report cannot be stored, and says so on the timeline', async () => {
    const w = await world();
    const reports: ReportArchive = {
      storeReport: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      },
      locationOf: (incidentId) => `memory://reports/${incidentId}/`,
    };
    const out = await closeIncident(
      { store: w.store, clock: w.clock, notifier: w.notifier, notices: w.notices, reports },
      { incidentId: w.incidentId, cacheId: w.cacheId, plan: 'PROVISION_FROM_BACKUP' },
    );
    expect(out).toMatchObject({ status: 'RESOLVED', report: { stored: false, error: 'AccessDenied: Access Denied' } });
    expect(w.store.incident(w.incidentId)).toMatchObject({ status: 'RESOLVED' });
    expect(await w.store.getOpenLock(w.cacheId)).toBeUndefined();
    const types = await w.store.timelineTypes(w.incidentId);
    expect(types.slice(-3)).toEqual(['RESOLVED', 'REPORT_DRAFTED', 'OPERATORS_TOLD']);
    expect((await w.store.timeline(w.incidentId)).at(-2)?.message).toBe(
      'post-incident report not stored: AccessDenied: Access Denied',
    );
  });

  it('drafts no report without an archive', async () => {
    const w = await world();
    const out = await closeIncident(
      { store: w.store, clock: w.clock, notifier: w.notifier, notices: w.notices },
      { incidentId: w.incidentId, cacheId: w.cacheId, plan: 'PROVISION_FROM_BACKUP' },
    );
    expect(out.report).toBeUndefined();
    expect(await w.store.timelineTypes(w.incidentId)).not.toContain('REPORT_DRAFTED');
  });
});
