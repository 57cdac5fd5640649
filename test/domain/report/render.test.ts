import { buildReport } from '../../../functions/domain/report/build';
import { reportHtml } from '../../../functions/domain/report/html';
import { reportJson, reportMarkdown } from '../../../functions/domain/report/markdown';
import { timeZoneOf } from '../../../functions/domain/time-labels';
import { APPROVALS, NOTICES, restoredIncident, restoreTimeline } from './fixtures';

const report = buildReport({
  incident: restoredIncident(),
  timeline: restoreTimeline(),
  notices: NOTICES,
  approvals: APPROVALS,
  zone: timeZoneOf('America/New_York'),
  now: new Date('2024-02-17T09:00:00Z'),
});

describe('reportMarkdown', () => {
  const md = reportMarkdown(report);

  it("has the post-mortem's sections in its order, then the operators' sections", () => {
    const headings = md.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## Incident Summary',
      '## Detection and Response',
      '## Root Cause as observed',
      '## Recovery and Restoration',
      '## Impact',
      '## Customer Communication',
      '## Timeline',
      '## Suggested corrective measures',
      '## Root cause beyond what was observed',
      '## Action items',
    ]);
  });

  it('prints the impact, each notice with its time and text, and each suggestion as one', () => {
    expect(md).toContain('- Outage: 46 min, from 16:24 ET to 17:10 ET.');
    expect(md).toContain('### 17:10 ET: Partially restored');
    expect(md).toContain('> Some customizations are not restored yet.');
    expect(md.match(/^- \[ \] \*\*Suggestion: /gm)).toHaveLength(5);
    expect(md).toContain('| 16:24 ET | Incident opened |');
  });
});

describe('reportHtml', () => {
  const html = reportHtml(report);

  it('is one self-contained page without script, for both colour schemes', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
  });

  it('draws the time bar as SVG: outage, degraded and resolved segments, steps and notices marked', () => {
    const svg = html.match(/<svg[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(svg).toContain('class="seg seg-outage"');
    expect(svg).toContain('class="seg seg-degraded"');
    expect(svg).toContain('class="seg seg-resolved"');
    expect(svg.match(/class="mark mark-notice"/g)).toHaveLength(4);
    expect(svg).toContain('<title>Outage: 16:24 ET → 17:10 ET</title>');
    expect(svg).toContain('<title>Notice: Resolved, 18:20 ET</title>');
    expect(svg).toMatch(/aria-label="Time bar from 16:24 ET/);
  });

  it('shows no enum name to the reader', () => {
    const text = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ');
    expect(text).not.toMatch(
      /\b(PROVISION_FROM_BACKUP|PROMOTE_REPLICA|PARTIALLY_RESTORED|INVESTIGATING|NOTICE_SENT|RESOLVED|ETA)\b/,
    );
  });

  it('escapes what the record holds', () => {
    const evil = buildReport({
      incident: restoredIncident(),
      timeline: restoreTimeline(),
      notices: [{ ...NOTICES[0]!, subject: '<img onerror=x>' }],
      approvals: [],
      zone: timeZoneOf('UTC'),
      now: new Date(),
    });
    expect(reportHtml(evil)).toContain('&lt;img onerror=x&gt;');
    expect(reportHtml(evil)).not.toContain('<img');
  });
});

describe('reportMarkdown, with what operators and steps wrote', () => {
  it('keeps a root cause as paragraphs and a timeline row on one line: nothing written becomes a heading or a row', () => {
    const timeline = restoreTimeline();
    const edited = timeline[timeline.length - 1]!;
    const md = reportMarkdown(
      buildReport({
        incident: restoredIncident(),
        timeline: [...timeline, { ...edited, type: 'REPORT_EDITED', message: 'ana edited the report: a\n| x | y |' }],
        notices: NOTICES,
        approvals: APPROVALS,
        notes: {
          rootCause: 'The disk filled.\n# Injected\n1. not a list\n\n- nor this',
          actionItems: [],
          suggestions: {},
          version: 1,
          updatedBy: 'ana',
        },
        zone: timeZoneOf('UTC'),
        now: new Date('2024-02-17T09:00:00Z'),
      }),
    );
    expect(md.split('\n').filter((l) => /^#{1,6} /.test(l))).not.toContainEqual(expect.stringContaining('Injected'));
    expect(md).toContain('The disk filled.\n\\# Injected\n1\\. not a list\n\n\\- nor this');
    const rows = md.split('\n').filter((l) => l.includes('ana edited the report'));
    expect(rows).toEqual([
      expect.stringMatching(/^\| .+ \| Report edited \| ana edited the report: a \\\| x \\\| y \\\| \|$/),
    ]);
  });
});

describe('reportJson', () => {
  it('is the report itself: sections, times and suggestions by id', () => {
    const json = JSON.parse(reportJson(report)) as Record<string, unknown> & typeof report;
    expect(json.incidentId).toBe('accounts-20240216T212400Z');
    expect(json.impact.outage).toMatchObject({
      seconds: 2760,
      from: { at: '2024-02-16T21:24:00.000Z', clock: '16:24 ET' },
    });
    expect(json.impact.degraded?.seconds).toBe(4200);
    expect(json.communication.notices).toHaveLength(4);
    expect(json.suggestions.items.map((s) => s.id)).toContain('multi-az');
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['summary', 'detection', 'rootCause', 'recovery', 'timeline', 'bar']),
    );
  });
});
