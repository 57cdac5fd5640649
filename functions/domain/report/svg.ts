/**
 * The report's time bar as inline SVG, drawn on the server: the outage,
 * degraded and resolved segments in proportion, each step a tick below the
 * bar and each customer notice a marker above it, every one with a hover
 * title. Colours come from CSS classes with fills as fallback, so the page
 * around it can follow the reader's colour scheme.
 */
import type { BarSegmentKind, TimeBar } from './types';

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const WIDTH = 800;
const LEFT = 10;
const RIGHT = 10;
const BAR_Y = 34;
const BAR_H = 22;

const FILL: Readonly<Record<BarSegmentKind, string>> = {
  outage: '#d1242f',
  degraded: '#d4a72c',
  resolved: '#1a7f37',
  failed: '#6e7781',
};

/** The bar as an `<svg>` element. */
export function timeBarSvg(bar: TimeBar): string {
  const clock = (at: string) => bar.clocks[at] ?? at;
  const start = Date.parse(bar.start);
  const span = Math.max(1, Date.parse(bar.end) - start);
  const inner = WIDTH - LEFT - RIGHT;
  const x = (at: string) => LEFT + ((Date.parse(at) - start) / span) * inner;
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [];
  for (const s of bar.segments) {
    const w = Math.max(s.kind === 'failed' ? 3 : 1, x(s.to) - x(s.from));
    out.push(
      `<rect class="seg seg-${s.kind}" x="${f(x(s.from))}" y="${BAR_Y}" width="${f(w)}" height="${BAR_H}" fill="${FILL[s.kind]}"><title>${esc(`${s.label}: ${clock(s.from)} → ${clock(s.to)}`)}</title></rect>`,
    );
  }
  for (const m of bar.marks) {
    const mx = f(x(m.at));
    const title = `<title>${esc(`${m.label}, ${clock(m.at)}`)}</title>`;
    out.push(
      m.kind === 'notice'
        ? `<g class="mark mark-notice"><path d="M${mx} ${BAR_Y - 2} l-5 -9 h10 z" fill="#0969da"/>${title}</g>`
        : `<g class="mark mark-step"><line x1="${mx}" y1="${BAR_Y + BAR_H}" x2="${mx}" y2="${BAR_Y + BAR_H + 10}" stroke="currentColor" stroke-width="2"/>${title}</g>`,
    );
  }
  for (const a of axisLabels(bar, x)) {
    out.push(
      `<text x="${f(a.x)}" y="${BAR_Y + BAR_H + 26}" text-anchor="${a.anchor}" font-size="12" fill="currentColor">${esc(clock(a.at))}</text>`,
    );
  }
  const legend = (['outage', 'degraded', 'resolved'] as const)
    .filter((k) => bar.segments.some((s) => s.kind === k))
    .map(
      (k, i) =>
        `<rect x="${LEFT + i * 110}" y="4" width="12" height="12" fill="${FILL[k]}"/><text x="${LEFT + i * 110 + 16}" y="14" font-size="12" fill="currentColor">${k === 'outage' ? 'Outage' : k === 'degraded' ? 'Degraded' : 'Resolved'}</text>`,
    );
  legend.push(
    `<path d="M${LEFT + 336} 5 l-5 0 l5 9 l5 -9 z" fill="#0969da"/><text x="${LEFT + 346}" y="14" font-size="12" fill="currentColor">Notice</text>`,
    `<line x1="${LEFT + 412}" y1="4" x2="${LEFT + 412}" y2="16" stroke="currentColor" stroke-width="2"/><text x="${LEFT + 420}" y="14" font-size="12" fill="currentColor">Step</text>`,
  );
  const label = `Time bar from ${clock(bar.start)} to ${clock(bar.end)}: ${bar.segments.map((s) => `${s.label.toLowerCase()} ${clock(s.from)} to ${clock(s.to)}`).join(', ')}`;
  return `<svg class="time-bar" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} 96" width="100%" role="img" aria-label="${esc(label)}">${legend.join('')}${out.join('')}</svg>`;
}

/** Room a time label takes on the axis ("06:18:22 ET" at 12 px), so that two never overlap. */
const LABEL_ROOM = 84;

/**
 * The times written under the bar: its start, where the outage ended and where
 * the incident was resolved. One too close to a neighbour already written is
 * left to its hover title; the start and the end win over what lies between.
 */
function axisLabels(bar: TimeBar, x: (at: string) => number): { at: string; x: number; anchor: string }[] {
  const ends = bar.segments.filter((s) => s.kind === 'degraded' || s.kind === 'resolved').map((s) => s.from);
  const first = { at: bar.start, x: x(bar.start), anchor: 'start' };
  const placed = ends.map((at) => {
    const px = x(at);
    return { at, x: px, anchor: px + LABEL_ROOM / 2 > WIDTH ? 'end' : 'middle' };
  });
  // Where a label's text begins and ends.
  const from = (l: { x: number; anchor: string }) =>
    l.anchor === 'start' ? l.x : l.anchor === 'end' ? l.x - LABEL_ROOM : l.x - LABEL_ROOM / 2;
  const last = placed.pop();
  const kept = [first];
  if (last && from(last) >= first.x + LABEL_ROOM) kept.push(last);
  for (const l of placed) {
    const fits = kept.every((k) => from(l) >= from(k) + LABEL_ROOM || from(k) >= from(l) + LABEL_ROOM);
    if (fits) kept.push(l);
  }
  return kept.sort((a, b) => a.x - b.x);
}
