import { timeBarOf } from '../../../functions/domain/report/bar';
import { timeBarSvg } from '../../../functions/domain/report/svg';
import type { Incident } from '../../../functions/domain/incident';

const OPENED = '2026-12-07T11:18:22.000Z';
const after = (s: number) => new Date(Date.parse(OPENED) + s * 1000).toISOString();
const clock = (at: string) => `${at.slice(11, 19)} ET`;

function bar(outageSeconds: number, degradedSeconds: number) {
  const incident: Pick<Incident, 'status' | 'openedAt' | 'restoredAt' | 'resolvedAt'> = {
    status: 'RESOLVED',
    openedAt: OPENED,
    restoredAt: after(outageSeconds),
    resolvedAt: after(outageSeconds + degradedSeconds),
  };
  return timeBarOf(incident, [], [], new Date(after(3600)), clock);
}

/** The x and anchor of every time written under the bar. */
function axis(svg: string): { x: number; anchor: string; text: string }[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="82" text-anchor="(\w+)"[^>]*>([^<]+)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    anchor: m[2] ?? '',
    text: m[3] ?? '',
  }));
}

describe('the time bar of a short incident', () => {
  it('keeps the resolved tail in proportion: a drill of seconds is not drawn as a minute of green', () => {
    const b = bar(7, 2);
    const resolved = b.segments.find((s) => s.kind === 'resolved');
    const tail = Date.parse(resolved?.to ?? '') - Date.parse(resolved?.from ?? '');
    expect(tail).toBe(1000);
    expect(b.end).toBe(after(10));
  });

  it('writes no two times on top of each other, and keeps the start and the end', () => {
    for (const [outage, degraded] of [
      [7, 2],
      [8, 6],
      [46 * 60, 70 * 60],
      [600, 1],
      [1, 600],
    ] as const) {
      const labels = axis(timeBarSvg(bar(outage, degraded)));
      expect(labels[0]?.text).toBe(clock(OPENED));
      expect(labels.map((l) => l.text)).toContain(clock(after(outage + degraded)));
      const spans = labels.map((l) =>
        l.anchor === 'start' ? [l.x, l.x + 84] : l.anchor === 'end' ? [l.x - 84, l.x] : [l.x - 42, l.x + 42],
      );
      for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0);
      for (const [from, to] of spans) expect([(from ?? -1) >= 0, (to ?? 801) <= 800]).toEqual([true, true]);
    }
  });

  it('writes where the outage ended when there is room for it', () => {
    const labels = axis(timeBarSvg(bar(46 * 60, 70 * 60)));
    expect(labels.map((l) => l.text)).toEqual([clock(OPENED), clock(after(46 * 60)), clock(after(116 * 60))]);
  });
});
