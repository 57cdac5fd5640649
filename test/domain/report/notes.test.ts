import { ValidationError } from '../../../functions/domain/errors';
import { buildReport } from '../../../functions/domain/report/build';
import { reportHtml } from '../../../functions/domain/report/html';
import { reportMarkdown } from '../../../functions/domain/report/markdown';
import {
  applyNotesChanges,
  describeNotesChange,
  EMPTY_NOTES,
  isDay,
  type ReportNotes,
} from '../../../functions/domain/report/notes';
import { SUGGESTION_TITLES } from '../../../functions/domain/report/suggestions';
import type { TimelineEvent } from '../../../functions/domain/incident';
import { timeZoneOf } from '../../../functions/domain/time-labels';
import { APPROVALS, NOTICES, RESOLVED, restoredIncident, restoreTimeline } from './fixtures';

const issuesOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('no ValidationError');
};

describe('report notes: validation', () => {
  it('trims what is kept and replaces only the fields given', () => {
    const saved: ReportNotes = {
      ...EMPTY_NOTES,
      rootCause: 'kept',
      actionItems: [{ text: 'a', owner: 'ana' }],
      suggestions: { 'multi-az': 'KEPT' },
      version: 3,
    };
    expect(
      applyNotesChanges(saved, {
        actionItems: [{ text: '  Enable Multi-AZ ', owner: ' ana ', due: ' 2024-02-29 ' }],
        suggestions: { 'multi-az': null, 'approval-policy': 'DROPPED' },
      }),
    ).toEqual({
      rootCause: 'kept',
      actionItems: [{ text: 'Enable Multi-AZ', owner: 'ana', due: '2024-02-29' }],
      suggestions: { 'approval-policy': 'DROPPED' },
    });
  });

  it('names every bad field at once', () => {
    expect(
      issuesOf(() =>
        applyNotesChanges(EMPTY_NOTES, {
          rootCause: 'x'.repeat(8001),
          actionItems: [
            { text: 'fine', owner: 'ana', due: '2024-02-30' },
            { text: '', owner: 'o'.repeat(101) },
            { text: 't'.repeat(501), owner: ' ', due: 'next week' },
          ],
          suggestions: { 'multi-az': 'MAYBE' as never, 'buy-more-ram': 'KEPT' },
        }),
      ),
    ).toEqual([
      'rootCause: at most 8000 characters',
      'actionItems[0].due: a date, YYYY-MM-DD',
      'actionItems[1].text: required',
      'actionItems[1].owner: at most 100 characters',
      'actionItems[2].text: at most 500 characters',
      'actionItems[2].owner: required',
      'actionItems[2].due: a date, YYYY-MM-DD',
      'suggestions.multi-az: must be KEPT or DROPPED',
      'suggestions.buy-more-ram: no such suggestion (multi-az, global-datastore, backup-interval, approval-policy, priority-kinds)',
    ]);
    const many = Array.from({ length: 31 }, (_, i) => ({ text: `item ${i}`, owner: 'ana' }));
    expect(issuesOf(() => applyNotesChanges(EMPTY_NOTES, { actionItems: many }))).toEqual([
      'actionItems: at most 30 items',
    ]);
    expect(applyNotesChanges(EMPTY_NOTES, { rootCause: 'x'.repeat(8000), actionItems: many.slice(1) })).toBeTruthy();
  });

  it('takes real calendar days only', () => {
    expect(['2024-02-29', '2025-12-31'].map(isDay)).toEqual([true, true]);
    expect(['2025-02-29', '2025-13-01', '2025-1-01', '20250101', ''].map(isDay)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('report notes: what an edit changed', () => {
  const before: ReportNotes = {
    ...EMPTY_NOTES,
    rootCause: 'A disk filled up.',
    actionItems: [
      { text: 'Alert on disk usage', owner: 'bo' },
      { text: 'Enable Multi-AZ', owner: 'ana' },
    ],
    suggestions: { 'multi-az': 'KEPT' },
  };

  it('says it in words, one phrase per change, naming suggestions by their title', () => {
    expect(
      describeNotesChange(
        before,
        {
          rootCause: 'A disk filled up; its alarm was muted.',
          actionItems: [
            { text: 'Enable Multi-AZ', owner: 'cy', due: '2024-03-01' },
            { text: 'Unmute the disk alarm', owner: 'bo' },
          ],
          suggestions: { 'multi-az': 'DROPPED', 'backup-interval': 'KEPT' },
        },
        SUGGESTION_TITLES,
      ),
    ).toEqual([
      'root cause edited',
      'action item changed: Enable Multi-AZ (owner cy, due 2024-03-01)',
      'action item added: Unmute the disk alarm (owner bo)',
      'action item removed: Alert on disk usage (owner bo)',
      'suggestion dropped: Add a replica in another Availability Zone (Multi-AZ)',
      'suggestion kept: Compare the backup interval with the recovery point objective',
    ]);
  });

  it('tells a first root cause and a cleared one apart, and an unchanged edit says nothing', () => {
    expect(describeNotesChange(EMPTY_NOTES, { ...EMPTY_NOTES, rootCause: 'x' })).toEqual(['root cause written']);
    expect(describeNotesChange(before, { ...before, rootCause: '', suggestions: {} })).toEqual([
      'root cause cleared',
      'suggestion undecided: multi-az',
    ]);
    expect(describeNotesChange(before, { ...before })).toEqual([]);
  });
});

describe('report notes in the report', () => {
  const ET = timeZoneOf('America/New_York');
  const edited = (at: string, by: string, suggestions: Record<string, string | null>): TimelineEvent => ({
    at,
    type: 'REPORT_EDITED',
    message: `${by} edited the report`,
    detail: { by, suggestions },
  });
  const input = (notes?: ReportNotes, extra: TimelineEvent[] = []) => ({
    incident: restoredIncident(),
    timeline: [...restoreTimeline(), ...extra],
    notices: NOTICES,
    approvals: APPROVALS,
    zone: ET,
    now: new Date(RESOLVED),
    ...(notes ? { notes } : {}),
  });
  const notes: ReportNotes = {
    rootCause: 'The primary’s disk filled up.\n\nIts alarm had been muted since January.',
    actionItems: [
      { text: 'Unmute the disk alarm', owner: 'bo', due: '2024-02-20' },
      { text: 'Enable Multi-AZ on accounts', owner: 'ana' },
    ],
    suggestions: { 'multi-az': 'KEPT', 'global-datastore': 'DROPPED' },
    version: 2,
    updatedBy: 'ana',
    updatedAt: '2024-02-17T15:00:00.000Z',
  };
  const timeline = [
    edited('2024-02-17T14:00:00.000Z', 'bo', { 'global-datastore': 'DROPPED', 'multi-az': 'DROPPED' }),
    edited('2024-02-17T15:00:00.000Z', 'ana', { 'multi-az': 'KEPT' }),
  ];

  it('leaves the hints while nothing is written', () => {
    const md = reportMarkdown(buildReport(input()));
    expect(md).toContain(
      '## Root cause beyond what was observed\n\n_Why the cache failed, as the operators found out._',
    );
    expect(md).toContain('## Action items\n\n_Each with an owner and a date._');
    expect(md).not.toContain('- [x]');
    expect(md).not.toContain('Dropped:');
  });

  it('carries the root cause, the action items and each decision with who took it, in every format', () => {
    const r = buildReport(input(notes, timeline));
    expect(r.operatorSections.map((s) => [s.id, s.text, s.items?.length])).toEqual([
      ['root-cause', notes.rootCause, undefined],
      ['action-items', undefined, 2],
    ]);
    expect(r.suggestions.items.map((s) => [s.id, s.decision, s.decidedBy])).toEqual([
      ['multi-az', 'KEPT', 'ana'],
      ['global-datastore', 'DROPPED', 'bo'],
      ['backup-interval', undefined, undefined],
      ['approval-policy', undefined, undefined],
      ['priority-kinds', undefined, undefined],
    ]);
    expect(r.notes).toMatchObject({ version: 2, updatedBy: 'ana', updatedAt: { clock: 'Feb 17, 10:00 ET' } });

    const md = reportMarkdown(r);
    expect(md).toContain('- [x] **Suggestion: Add a replica in another Availability Zone (Multi-AZ).**');
    expect(md).toMatch(/_Because: .*_ \(kept by ana\)\n/);
    expect(md).toContain('- [ ] **Suggestion: Compare the backup interval');
    expect(md).toContain('Dropped:\n\n- ~~Add a cross-region secondary (Global Datastore)~~ (dropped by bo)');
    expect(md).not.toContain('[ ] **Suggestion: Add a cross-region secondary');
    expect(md).toContain(
      '## Root cause beyond what was observed\n\nThe primary’s disk filled up.\n\nIts alarm had been muted since January.\n',
    );
    expect(md).toContain(
      '## Action items\n\n- Unmute the disk alarm (owner: bo, due 2024-02-20)\n- Enable Multi-AZ on accounts (owner: ana)\n',
    );
    expect(md).not.toContain('_Why the cache failed');

    const html = reportHtml(r);
    expect(html).toContain('<s>Add a cross-region secondary (Global Datastore)</s>');
    expect(html).toContain('(dropped by bo)');
    expect(html).toContain('✓ Kept</span> <strong>Suggestion: Add a replica');
    expect(html).toContain('<p class="written">Its alarm had been muted since January.</p>');
    expect(html).toContain('<td>Unmute the disk alarm</td><td>bo</td><td class="time">2024-02-20</td>');
    expect(html).not.toContain('Why the cache failed, as the operators found out.');
  });

  it('escapes what operators wrote', () => {
    const r = buildReport(
      input({
        ...notes,
        rootCause: '<script>alert(1)</script> *bold*',
        actionItems: [{ text: '<b>x</b>', owner: 'a|b' }],
      }),
    );
    expect(reportHtml(r)).not.toContain('<script>alert');
    expect(reportHtml(r)).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(reportMarkdown(r)).toContain('\\<script\\>alert(1)\\</script\\> \\*bold\\*');
  });

  it('reads a short incident to the second even when its report is edited days later', () => {
    const opened = restoredIncident().openedAt;
    const after = (s: number) => new Date(Date.parse(opened) + s * 1000).toISOString();
    const incident = { ...restoredIncident(), restoredAt: after(150), resolvedAt: after(245) };
    const resolved: TimelineEvent = { at: after(245), type: 'RESOLVED', message: 'resolved' };
    const short = { ...input(), incident, timeline: [resolved], notices: [], approvals: [] };
    const a = buildReport(short);
    const b = buildReport({ ...short, timeline: [resolved, edited('2024-02-20T12:00:00.000Z', 'ana', {})] });
    expect(a.impact.lines[0]).toBe('Outage: 2 min 30 s, from 16:24:00 ET to 16:26:30 ET.');
    expect(b.impact.lines).toEqual(a.impact.lines);
    expect(b.bar).toEqual(a.bar);
  });
});
