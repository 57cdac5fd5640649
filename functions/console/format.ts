/** How values read on the console's pages: durations, sizes, times, statuses, links. */
import { STATUS_LABELS, label } from '../domain/labels';
import { clockTime, durationText, fullTime, relativeTime, UTC, type TimeZone } from '../domain/time-labels';
import { esc } from './layout';

export function formatSeconds(seconds: number | undefined): string {
  return seconds === undefined ? '–' : durationText(seconds);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Where and when a page's times are read. */
export interface TimeContext {
  zone: TimeZone;
  now: Date;
}

export const UTC_NOW = (): TimeContext => ({ zone: UTC, now: new Date() });

/** "18:14 ET", the full timestamp on hover. */
export function time(iso: string | undefined, t: TimeContext = UTC_NOW(), options: { seconds?: boolean } = {}): string {
  if (!iso) return '–';
  return `<time datetime="${esc(iso)}" title="${esc(fullTime(iso, t.zone))}">${esc(clockTime(iso, t.zone, t.now, options))}</time>`;
}

/** "3 min ago", kept current by the live script of the pages that have one (`data-ago`). */
export function ago(iso: string, t: TimeContext): string {
  return `<span class="ago" data-ago="${esc(iso)}">${esc(relativeTime(iso, t.now))}</span>`;
}

/** "18:14 ET · 3 min ago". */
export const timeAgo = (iso: string | undefined, t: TimeContext): string =>
  iso ? `${time(iso, t)} · ${ago(iso, t)}` : '–';

export const incidentHref = (incidentId: string): string => `/incidents/${encodeURIComponent(incidentId)}`;

/** How a status reads: FALSE_ALARM as "False alarm". */
export const statusLabel = (status: string): string => label(STATUS_LABELS, status);
