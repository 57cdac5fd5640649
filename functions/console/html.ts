/**
 * The console's pages: plain, semantic HTML with inline CSS, readable on a
 * phone at 2 a.m. Every value that comes from data (alarm names, reasons,
 * operator names, facts) goes through `esc`. The only script is the small
 * live-update loop of the incident page, allowed by a per-response nonce.
 */
import type { PostIncidentReport } from '../domain/report/types';
import { UTC } from '../domain/time-labels';
import { listRows, type ListRow } from '../usecases/incident-summary';
import type { GroupSummary, IncidentList, IncidentSummary, IncidentView } from '../usecases/incident-view';
import { decisionSection } from './decision';
import { formatSeconds, incidentHref, time, timeAgo, type TimeContext } from './format';
import { incidentDetails } from './incident-details';
import { LIVE_SCRIPT } from './live-script';
import { esc, page } from './layout';

const waitingText = (n: number): string =>
  n ? `<br><span class="PENDING">${n} approval${n > 1 ? 's' : ''} waiting</span>` : '';

const durations = (spans: string[]): string => spans.map((s) => `<span class="nowrap">${esc(s)}</span>`).join('<br>');

function incidentRow(i: IncidentSummary, t: TimeContext, member = false): string {
  const spans = [
    `Elapsed ${formatSeconds(i.elapsedSeconds)}`,
    `Outage ${formatSeconds(i.outageSeconds)}`,
    `Degraded ${formatSeconds(i.degradedSeconds)}`,
  ];
  return `<tr${member ? ' class="member"' : ''}>
<td data-label="Incident"><a href="${esc(incidentHref(i.incidentId))}">${esc(i.incidentId)}</a>${waitingText(i.pendingApprovals)}</td>
<td data-label="Cache">${esc(i.cacheId)}</td>
<td data-label="Status"><span class="status-${esc(i.status)}">${esc(i.statusLabel)}</span><br><span class="muted">${esc(i.stageLabel)}</span></td>
<td data-label="Plan">${esc(i.planLabel)}</td>
<td data-label="Started" class="nowrap">${time(i.openedAt, t)}</td>
<td data-label="Durations">${durations(spans)}</td>
</tr>`;
}

/** The group's row (the provider, how many caches, the furthest stage, the slowest plan), its incidents beneath. */
function groupRows(g: GroupSummary, t: TimeContext): string {
  const name = g.provider ?? g.groupId;
  const spans = [`Elapsed ${formatSeconds(g.elapsedSeconds)}`, `Outage ${formatSeconds(g.outageSeconds)}`];
  return `<tbody class="group" aria-label="${esc(`${name}: ${g.countsLabel}`)}">
<tr class="group-head">
<td data-label="Group"><a href="${esc(`/groups/${encodeURIComponent(g.groupId)}`)}" title="${esc(`Incident group ${g.groupId}`)}"><strong>${esc(name)}</strong></a> <span class="muted">provider outage</span>${waitingText(g.pendingApprovals)}</td>
<td data-label="Caches">${esc(g.countsLabel)}</td>
<td data-label="Status"><span class="status-${esc(g.status)}">${esc(g.statusLabel)}</span><br><span class="muted">${esc(g.stageLabel)}</span></td>
<td data-label="Plan">${esc(g.planLabel)}</td>
<td data-label="Started" class="nowrap">${time(g.openedAt, t)}</td>
<td data-label="Durations">${durations(spans)}</td>
</tr>
${g.members.map((m) => incidentRow(m, t, true)).join('\n')}
</tbody>`;
}

/** Incidents of their own share one body; each group has its own, so a phone shows it as one card. */
function listBody(rows: ListRow[], t: TimeContext): string {
  const parts: string[] = [];
  let singles: string[] = [];
  const flush = () => {
    if (singles.length) parts.push(`<tbody>\n${singles.join('\n')}\n</tbody>`);
    singles = [];
  };
  for (const row of rows) {
    if (row.group) {
      flush();
      parts.push(groupRows(row.group, t));
    } else singles.push(incidentRow(row.incident, t));
  }
  flush();
  return parts.join('\n');
}

function listHead(zone: string): string {
  const cols = ['Incident', 'Cache', 'Status and stage', 'Plan', `Started (${zone})`, 'Durations'];
  return `<thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`;
}

/** The incidents list: a provider group as one row with its caches beneath, false alarms apart. */
export function listPage(
  list: IncidentList,
  operator: string,
  csrf?: string,
  t: TimeContext = { zone: UTC, now: new Date() },
): string {
  const rows = listRows(list);
  const statusOf = (r: ListRow) => (r.group ?? r.incident).status;
  const real = rows.filter((r) => statusOf(r) !== 'FALSE_ALARM');
  const falseAlarms = rows.filter((r) => statusOf(r) === 'FALSE_ALARM');
  const table = (id: string, caption: string, rows: ListRow[]) => `<table id="${id}" class="cards">
<caption class="muted">${esc(caption)}</caption>
${listHead(t.zone.label)}
${listBody(rows, t)}
</table>`;
  const body = `<h1>Incidents</h1>
<p><a href="/caches">Caches and their backups</a> · <a href="/stats">Reliability over time</a></p>
${real.length ? table('incidents', 'Open incidents first, newest first; the caches of one provider outage together.', real) : '<p>No incidents. Every protected cache answers its probe.</p>'}${
    falseAlarms.length
      ? `
<h2>False alarms</h2>
${table('false-alarms', 'An alarm fired but the cache answered throughout the confirmation window: no customer was told. Newest first.', falseAlarms)}`
      : ''
  }`;
  return page({ title: 'Incidents', operator, body, ...(csrf ? { signOut: csrf } : {}) });
}

export function incidentPage(
  view: IncidentView,
  operator: string,
  csrf: string | undefined,
  nonce: string,
  report?: PostIncidentReport,
): string {
  const t: TimeContext = { zone: view.zone, now: new Date(view.now) };
  const pending = view.approvals.filter((a) => a.status === 'PENDING').map((a) => a.step);
  const body = `<h1 id="headline">${esc(view.headline)}</h1>
<p class="muted subline">Incident ${esc(view.incident.incidentId)} · opened ${timeAgo(view.incident.openedAt, t)} · <span id="live">times in ${esc(view.zone.label)}</span></p>
<p id="connection" class="notice error" hidden></p>
${decisionSection(view, csrf, t)}
${incidentDetails(view, csrf, t, report)}
<p id="announce" class="visually-hidden" role="status" aria-live="polite"></p>`;
  return page({
    title: `${view.headline} · ${view.incident.incidentId}`,
    operator,
    body,
    nonce,
    script: LIVE_SCRIPT,
    ...(csrf ? { signOut: csrf } : {}),
  }).replace(
    '<body>',
    `<body data-pending="${esc(pending.join(','))}" data-now="${esc(view.now)}" data-zone="${esc(view.zone.name)}" data-zone-label="${esc(view.zone.label)}">`,
  );
}

export function messagePage(
  status: number,
  title: string,
  message: string,
  operator?: string,
  back?: string,
  backText?: string,
): string {
  const body = `<h1>${esc(title)}</h1>
<p class="notice${status >= 400 ? ' error' : ''}" role="${status >= 400 ? 'alert' : 'status'}">${esc(message)}</p>
<p><a href="${esc(back ?? '/')}">${esc(backText ?? (back ? 'Back to the incident' : 'All incidents'))}</a></p>`;
  return page({ title, ...(operator ? { operator } : {}), body });
}
