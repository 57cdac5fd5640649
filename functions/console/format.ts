/** How values read on the console's pages: durations, sizes, times, statuses, links. */
import { esc } from './layout';

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 90) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
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

export const time = (iso: string | undefined): string =>
  iso ? `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</time>` : '–';

export const incidentHref = (incidentId: string): string => `/incidents/${encodeURIComponent(incidentId)}`;

/** How a status reads: FALSE_ALARM as "FALSE ALARM". */
export const statusLabel = (status: string): string => status.replace('_', ' ');
