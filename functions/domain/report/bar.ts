/** The incident as one time bar: outage, degraded, resolved, with the steps and notices marked on it. */
import type { Incident, TimelineEvent, TimelineEventType } from '../incident';
import { STAGE_LABELS, TIMELINE_LABELS, label } from '../labels';
import type { SentNotice, TimeBar } from './types';

/** The steps worth a mark: what changed for clients or for the recovery. */
const MARKED: readonly TimelineEventType[] = [
  'OUTAGE_CONFIRMED',
  'ASSESSED',
  'APPROVED',
  'REJECTED',
  'RECOVERY_STARTED',
  'CACHE_AVAILABLE',
  'CUT_OVER',
  'VERIFIED',
  'REHYDRATED',
  'DATA_VERIFIED',
  'FAILED',
  'ESCALATED',
];

const iso = (ms: number) => new Date(ms).toISOString();

export function timeBarOf(
  incident: Pick<Incident, 'status' | 'openedAt' | 'restoredAt' | 'resolvedAt' | 'failedAt' | 'falseAlarmAt'>,
  timeline: TimelineEvent[],
  notices: SentNotice[],
  now: Date,
  clock: (iso: string) => string,
): TimeBar {
  const opened = Date.parse(incident.openedAt);
  const restored = incident.restoredAt ? Date.parse(incident.restoredAt) : undefined;
  const resolved = incident.resolvedAt ? Date.parse(incident.resolvedAt) : undefined;
  const failed = incident.failedAt ? Date.parse(incident.failedAt) : undefined;
  const falseAlarm = incident.falseAlarmAt ? Date.parse(incident.falseAlarmAt) : undefined;
  const stop = resolved ?? failed ?? falseAlarm ?? now.getTime();
  // A resolved incident keeps a short tail after its end, in proportion, so that "resolved" shows on the bar.
  const tail = resolved !== undefined ? Math.max(1_000, Math.round((stop - opened) * 0.06)) : 0;
  const segments: TimeBar['segments'] = [];
  const outageEnd = restored ?? stop;
  if (incident.status === 'FALSE_ALARM') {
    segments.push({ kind: 'resolved', label: 'False alarm', from: iso(opened), to: iso(stop) });
  } else {
    segments.push({ kind: 'outage', label: 'Outage', from: iso(opened), to: iso(outageEnd) });
    if (restored !== undefined && stop > restored) {
      segments.push({ kind: 'degraded', label: 'Degraded', from: iso(restored), to: iso(stop) });
    }
    if (failed !== undefined && resolved === undefined) {
      segments.push({ kind: 'failed', label: 'Recovery stopped', from: iso(failed), to: iso(failed) });
    }
  }
  if (resolved !== undefined)
    segments.push({ kind: 'resolved', label: 'Resolved', from: iso(resolved), to: iso(resolved + tail) });
  const inside = (at: string) => Date.parse(at) >= opened && Date.parse(at) <= stop + tail;
  const marks: TimeBar['marks'] = [
    ...timeline
      .filter((e) => MARKED.includes(e.type) && inside(e.at))
      .map((e) => ({ kind: 'step' as const, at: e.at, label: label(TIMELINE_LABELS, e.type) })),
    ...notices
      .filter((n) => inside(n.sentAt))
      .map((n) => ({ kind: 'notice' as const, at: n.sentAt, label: `Notice: ${label(STAGE_LABELS, n.stage)}` })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const kept = segments.filter((s) => s.kind === 'failed' || s.to > s.from);
  const clocks: Record<string, string> = {};
  for (const at of [iso(opened), iso(stop + tail), ...kept.flatMap((s) => [s.from, s.to]), ...marks.map((m) => m.at)]) {
    clocks[at] = clock(at);
  }
  return { start: iso(opened), end: iso(stop + tail), clocks, segments: kept, marks };
}
