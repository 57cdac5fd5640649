/**
 * The reliability page (`GET /stats`): per cache and overall, over the
 * incidents of a window, the numbers a quarterly review asks for. One card per
 * line on a phone. Every value that comes from data goes through `esc`.
 */
import { STATS_MEASURE_LABELS } from '../domain/labels';
import { countsText, DEFAULT_SINCE, spreadText, type ReliabilityLine } from '../domain/stats';
import type { ReliabilityStats } from '../usecases/reliability-stats';
import { time, UTC_NOW, type TimeContext } from './format';
import { esc, page } from './layout';

const MEASURES = ['detect', 'recoveryStart', 'outage', 'degraded'] as const;

/** The windows offered as links; any other is a `since` in the address or the form. */
const WINDOWS: [string, string][] = [
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['365d', 'Last year'],
];

function row(line: ReliabilityLine, overall: boolean): string {
  const name = overall
    ? '<th scope="row">All caches<br><span class="muted">a provider outage counts once</span></th>'
    : `<th scope="row">${esc(line.scope)}</th>`;
  const cells = MEASURES.map(
    (m) =>
      `<td data-label="${esc(STATS_MEASURE_LABELS[m])}">${esc(spreadText(line[m], line.incidents - line.open))}</td>`,
  ).join('');
  return `<tr id="stats-${esc(overall ? 'overall' : `cache-${line.scope}`)}">${name}<td data-label="Incidents">${esc(countsText(line))}</td>${cells}</tr>`;
}

export function statsPage(
  stats: ReliabilityStats,
  operator: string,
  csrf?: string,
  t: TimeContext = UTC_NOW(),
  since?: string,
): string {
  const cols = ['', 'Incidents', ...MEASURES.map((m) => STATS_MEASURE_LABELS[m])];
  const windows = WINDOWS.map(([value, text]) =>
    value === (since ?? DEFAULT_SINCE)
      ? `<strong>${esc(text)}</strong>`
      : `<a href="/stats?since=${esc(value)}">${esc(text)}</a>`,
  ).join(' · ');
  const truncated = stats.truncated
    ? `<p class="notice error" role="alert">More than ${stats.limit} incidents opened in this window: only the newest ${stats.limit}, from ${time(stats.countedFrom, t)}, are counted.</p>`
    : '';
  const body = `<h1>Reliability over time</h1>
<p class="muted subline">Incidents opened from ${time(stats.since, t)} to ${time(stats.until, t)} · at most the newest ${stats.limit} are read · times in ${esc(t.zone.label)}</p>
<p>${windows}</p>
<form method="get" action="/stats"><label for="since">From (a date such as 2025-01-01, or 90d, 12h, 2w)</label>
<div class="buttons"><input id="since" name="since" value="${esc(since ?? '')}" maxlength="40" style="font:inherit;padding:.5rem;min-height:3rem;border:1px solid var(--control);border-radius:.25rem;background:var(--bg);color:var(--fg)"><button class="secondary" type="submit">Show</button></div></form>
${truncated}
${
  stats.counted
    ? `<div class="scroll"><table id="stats" class="cards">
<caption class="muted">Median and worst per incident. Time to detect: the alarm → the workflow confirmed the outage. Time to start recovery: the incident opened → the promotion or restore began. Outage: opened → clients served again; degraded: from then → resolved. An operator was needed when an approval was requested or operators were escalated to. False alarms are counted, never measured.</caption>
<thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${[row(stats.overall, true), ...stats.caches.map((c) => row(c, false))].join('\n')}
</tbody>
</table></div>`
    : '<p>No incident opened in this window.</p>'
}
<p><a href="/">Incidents</a> · <a href="/caches">Caches and their backups</a></p>`;
  return page({ title: 'Reliability over time', operator, body, ...(csrf ? { signOut: csrf } : {}) });
}
