/**
 * `cache-outage stats`: reliability over time as people read it, one block
 * per line of GET /stats (all caches first, then each cache).
 */
import { STATS_MEASURE_LABELS } from '../functions/domain/labels';
import { countsText, spreadText, type ReliabilityLine } from '../functions/domain/stats';
import type { ReliabilityStats } from '../functions/usecases/reliability-stats';
import { fullTime, timeZoneOf } from '../functions/domain/time-labels';

const MEASURES = ['detect', 'recoveryStart', 'outage', 'degraded'] as const;

/** With its year: a review's window often starts in another one. In this machine's zone (`TZ` or the system's). */
const dateText = (iso: string | undefined): string =>
  iso ? fullTime(iso, timeZoneOf(Intl.DateTimeFormat().resolvedOptions().timeZone)) : '–';

function block(name: string, line: ReliabilityLine): string[] {
  const head = `${name}: ${countsText(line)}`;
  if (!line.incidents) return [head];
  const width = Math.max(...MEASURES.map((m) => STATS_MEASURE_LABELS[m].length));
  return [
    head,
    ...MEASURES.map(
      (m) => `  ${`${STATS_MEASURE_LABELS[m]}:`.padEnd(width + 1)}  ${spreadText(line[m], line.incidents - line.open)}`,
    ),
  ];
}

export function statsLines(stats: ReliabilityStats): string[] {
  const lines = [
    `Incidents opened from ${dateText(stats.since)} to ${dateText(stats.until)}: ${stats.counted} counted (at most the newest ${stats.limit})`,
  ];
  if (stats.truncated)
    lines.push(
      `More than ${stats.limit} incidents opened in this window: only those from ${dateText(stats.countedFrom)} on are counted.`,
    );
  if (!stats.counted) return [...lines, 'No incident opened in this window.'];
  lines.push('', ...block('All caches (a provider outage counts once)', stats.overall));
  for (const c of stats.caches) lines.push('', ...block(c.scope, c));
  return lines;
}
