import {
  IncidentNotFinishedError,
  IncidentNotFoundError,
  ReportNotesConflictError,
  ValidationError,
} from '../../functions/domain/errors';
import { editReportNotes } from '../../functions/usecases/edit-report';
import { incidentReport, renderReport } from '../../functions/usecases/incident-report';
import { resolvedIncidentWorld } from '../console/report-world';

const OPEN_ID = 'sessions-20240216T212500Z';

describe('editReportNotes', () => {
  it('saves the notes, records one audit entry per save, and the report shows them', async () => {
    const w = await resolvedIncidentWorld();
    w.clock.set('2024-02-17T15:00:00.000Z');
    const first = await editReportNotes(w, w.incidentId, {
      by: ' ana@acme.test ',
      expectedVersion: 0,
      changes: {
        rootCause: 'The primary’s disk filled up.',
        actionItems: [{ text: 'Alert on disk usage', owner: 'bo', due: '2024-03-01' }],
        suggestions: { 'multi-az': 'KEPT', 'global-datastore': 'DROPPED' },
      },
    });
    expect(first.notes).toMatchObject({
      version: 1,
      updatedBy: 'ana@acme.test',
      updatedAt: '2024-02-17T15:00:00.000Z',
    });
    expect(first.changed).toEqual([
      'root cause written',
      'action item added: Alert on disk usage (owner bo, due 2024-03-01)',
      'suggestion kept: Add a replica in another Availability Zone (Multi-AZ)',
      'suggestion dropped: Add a cross-region secondary (Global Datastore)',
    ]);

    w.clock.set('2024-02-17T16:00:00.000Z');
    await editReportNotes(w, w.incidentId, {
      by: 'bo',
      expectedVersion: 1,
      changes: { suggestions: { 'global-datastore': 'KEPT' } },
    });
    const edits = (await w.store.timeline(w.incidentId)).filter((e) => e.type === 'REPORT_EDITED');
    expect(edits).toEqual([
      {
        at: '2024-02-17T15:00:00.000Z',
        type: 'REPORT_EDITED',
        message: `ana@acme.test edited the report: ${first.changed.join('; ')}`,
        detail: {
          by: 'ana@acme.test',
          at: '2024-02-17T15:00:00.000Z',
          version: 1,
          changes: first.changed,
          suggestions: { 'multi-az': 'KEPT', 'global-datastore': 'DROPPED' },
          // The text itself, so that a root cause overwritten later can be read back from the trail.
          rootCause: { before: '', after: 'The primary’s disk filled up.' },
        },
      },
      expect.objectContaining({
        at: '2024-02-17T16:00:00.000Z',
        message: 'bo edited the report: suggestion kept: Add a cross-region secondary (Global Datastore)',
      }),
    ]);

    const report = await incidentReport(w, w.incidentId);
    expect(report.suggestions.items.filter((s) => s.decision).map((s) => [s.id, s.decision, s.decidedBy])).toEqual([
      ['multi-az', 'KEPT', 'ana@acme.test'],
      ['global-datastore', 'KEPT', 'bo'],
    ]);
    const md = renderReport(report, 'md').body;
    expect(md).toContain('The primary’s disk filled up.');
    expect(md).toContain('- Alert on disk usage (owner: bo, due 2024-03-01)');
    expect(md).toMatch(/\| Feb 17, 11:00 ET \| Report edited \| bo edited the report: suggestion kept/);
  });

  it('refuses a stale version, keeping what the other operator saved', async () => {
    const w = await resolvedIncidentWorld();
    await editReportNotes(w, w.incidentId, { by: 'ana', expectedVersion: 0, changes: { rootCause: 'disk' } });

    const stale = editReportNotes(w, w.incidentId, { by: 'bo', expectedVersion: 0, changes: { rootCause: 'network' } });
    await expect(stale).rejects.toBeInstanceOf(ReportNotesConflictError);
    await expect(stale).rejects.toThrow(/saved by ana since you loaded it \(now version 1\)/);
    expect(await w.store.reportNotes(w.incidentId)).toMatchObject({ rootCause: 'disk', version: 1 });
    expect((await w.store.timelineTypes(w.incidentId)).filter((t) => t === 'REPORT_EDITED')).toHaveLength(1);
  });

  it('names each bad field and writes nothing', async () => {
    const w = await resolvedIncidentWorld();
    const bad = editReportNotes(w, w.incidentId, {
      by: 'ana',
      expectedVersion: 0,
      changes: { actionItems: [{ text: 'Alert on disk usage', owner: '', due: '2024-02-30' }] },
    });
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    await expect(bad).rejects.toThrow('actionItems[0].owner: required; actionItems[0].due: a date, YYYY-MM-DD');
    await expect(
      editReportNotes(w, w.incidentId, { by: ' ', expectedVersion: 0, changes: { rootCause: 'x' } }),
    ).rejects.toThrow('by: the operator is required');
    await expect(
      editReportNotes(w, w.incidentId, { by: 'ana', expectedVersion: -1, changes: { rootCause: 'x' } }),
    ).rejects.toThrow(/version/);
    expect(await w.store.reportNotes(w.incidentId)).toBeUndefined();
    expect(await w.store.timelineTypes(w.incidentId)).not.toContain('REPORT_EDITED');
  });

  it('saves nothing and records nothing when the edit changes nothing', async () => {
    const w = await resolvedIncidentWorld();
    await editReportNotes(w, w.incidentId, { by: 'ana', expectedVersion: 0, changes: { rootCause: 'disk' } });
    const same = await editReportNotes(w, w.incidentId, {
      by: 'bo',
      expectedVersion: 1,
      changes: { rootCause: ' disk ' },
    });
    expect(same).toMatchObject({ changed: [], notes: { version: 1, updatedBy: 'ana' } });
    expect((await w.store.timelineTypes(w.incidentId)).filter((t) => t === 'REPORT_EDITED')).toHaveLength(1);
  });

  it('answers an open incident and a missing one with their own errors', async () => {
    const w = await resolvedIncidentWorld();
    const edit = { by: 'ana', expectedVersion: 0, changes: { rootCause: 'x' } };
    await expect(editReportNotes(w, OPEN_ID, edit)).rejects.toBeInstanceOf(IncidentNotFinishedError);
    await expect(editReportNotes(w, OPEN_ID, edit)).rejects.toThrow(/still open/);
    await expect(editReportNotes(w, 'nope', edit)).rejects.toBeInstanceOf(IncidentNotFoundError);
    expect(await w.store.reportNotes(OPEN_ID)).toBeUndefined();
  });

  it('a retry of a save whose audit entry was lost writes the entry, once, and is not taken for someone else’s save', async () => {
    const w = await resolvedIncidentWorld();
    const edit = {
      by: 'ana',
      expectedVersion: 0,
      changes: { rootCause: 'disk', suggestions: { 'multi-az': 'KEPT' as const } },
    };
    w.store.failures.fail('appendTimeline', new Error('DynamoDB throttled'));
    await expect(editReportNotes(w, w.incidentId, edit)).rejects.toThrow('DynamoDB throttled');
    expect(await w.store.reportNotes(w.incidentId)).toMatchObject({ rootCause: 'disk', version: 1 });
    expect(await w.store.timelineTypes(w.incidentId)).not.toContain('REPORT_EDITED');

    const retried = await editReportNotes(w, w.incidentId, edit);
    expect(retried).toMatchObject({
      notes: { version: 1 },
      changed: ['root cause written', expect.stringMatching(/^suggestion kept: /)],
    });
    await editReportNotes(w, w.incidentId, edit);
    const edits = (await w.store.timeline(w.incidentId)).filter((e) => e.type === 'REPORT_EDITED');
    expect(edits.map((e) => [e.detail?.by, e.detail?.version])).toEqual([['ana', 1]]);
    // Someone else sending the same thing on the old version is still told that ana saved first.
    await expect(editReportNotes(w, w.incidentId, { ...edit, by: 'bo' })).rejects.toBeInstanceOf(
      ReportNotesConflictError,
    );
  });

  it('keeps or drops only what the report suggests, and takes action items on one line', async () => {
    const w = await resolvedIncidentWorld();
    const offered = (await incidentReport(w, w.incidentId)).suggestions.items.map((i) => i.id);
    expect(offered).not.toContain('approval-policy');
    const unsuggested = editReportNotes(w, w.incidentId, {
      by: 'ana',
      expectedVersion: 0,
      changes: { suggestions: { 'approval-policy': 'KEPT' } },
    });
    await expect(unsuggested).rejects.toThrow('suggestions.approval-policy: the report does not suggest it');
    const twoLines = editReportNotes(w, w.incidentId, {
      by: 'ana',
      expectedVersion: 0,
      changes: { actionItems: [{ text: 'Fix disk\n| x | y |\n\n# Injected', owner: 'bo\tops' }] },
    });
    await expect(twoLines).rejects.toThrow(
      'actionItems[0].text: one line, without control characters; actionItems[0].owner: one line, without control characters',
    );
    expect(await w.store.reportNotes(w.incidentId)).toBeUndefined();
  });
});
