/**
 * The console's pages: plain, semantic HTML with inline CSS, readable on a
 * phone at 2 a.m. Every value that comes from data (alarm names, reasons,
 * operator names, facts) goes through `esc`. The only script is the small
 * live-update loop of the incident page, allowed by a per-response nonce.
 */
import { describeConfirmation } from '../domain/incident';
import type { IncidentSummary, IncidentView } from '../usecases/incident-view';
import { formatSeconds, incidentHref, statusLabel, time } from './format';
import { LIVE_SCRIPT, approvalSection, redriveSection, timelineItems } from './incident-sections';
import { esc, page } from './layout';

function incidentRows(incidents: IncidentSummary[]): string {
  return incidents
    .map(
      (i) => `<tr>
<td><a href="${esc(incidentHref(i.incidentId))}">${esc(i.incidentId)}</a>${i.pendingApprovals ? ` <span class="PENDING">· ${i.pendingApprovals} approval${i.pendingApprovals > 1 ? 's' : ''} waiting</span>` : ''}</td>
<td>${esc(i.cacheId)}</td>
<td class="status-${esc(i.status)}">${esc(statusLabel(i.status))}</td>
<td>${esc(i.stage)}</td>
<td>${esc(i.plan ?? '–')}</td>
<td>${time(i.openedAt)}</td>
<td>${esc(formatSeconds(i.elapsedSeconds))}</td>
<td>${esc(formatSeconds(i.outageSeconds))}</td>
<td>${esc(formatSeconds(i.degradedSeconds))}</td>
</tr>`,
    )
    .join('\n');
}

const LIST_HEAD =
  '<thead><tr><th scope="col">Incident</th><th scope="col">Cache</th><th scope="col">Status</th><th scope="col">Stage</th><th scope="col">Plan</th><th scope="col">Started</th><th scope="col">Elapsed</th><th scope="col">Outage</th><th scope="col">Degraded</th></tr></thead>';

export function listPage(incidents: IncidentSummary[], operator: string, csrf?: string): string {
  const real = incidents.filter((i) => i.status !== 'FALSE_ALARM');
  const falseAlarms = incidents.filter((i) => i.status === 'FALSE_ALARM');
  const body = `<h1>Incidents</h1>
<p><a href="/caches">Caches and their backups</a></p>
${
  real.length
    ? `<div class="scroll"><table id="incidents">
<caption class="muted">Open incidents first, newest first.</caption>
${LIST_HEAD}
<tbody>
${incidentRows(real)}
</tbody>
</table></div>`
    : '<p>No incidents. Every protected cache answers its probe.</p>'
}${
    falseAlarms.length
      ? `
<h2>False alarms</h2>
<div class="scroll"><table id="false-alarms">
<caption class="muted">An alarm fired but the cache answered throughout the confirmation window: no customer was told. Newest first.</caption>
${LIST_HEAD}
<tbody>
${incidentRows(falseAlarms)}
</tbody>
</table></div>`
      : ''
  }`;
  return page({ title: 'Incidents', operator, body, ...(csrf ? { signOut: csrf } : {}) });
}

export function incidentPage(view: IncidentView, operator: string, csrf: string | undefined, nonce: string): string {
  const i = view.incident;
  const pending = view.approvals.filter((a) => a.status === 'PENDING').map((a) => a.step);
  const approvals = view.approvals.length
    ? view.approvals
        .slice()
        .sort((a, b) => (a.status === 'PENDING' ? -1 : 0) - (b.status === 'PENDING' ? -1 : 0))
        .map((a) => approvalSection(i.incidentId, a, csrf))
        .join('\n')
    : '<p class="muted">No approval requested.</p>';
  const notices = view.notices.length
    ? `<ol class="timeline">${view.notices.map((n) => `<li>${time(n.at)}<span class="type">${esc(n.stage)}</span>${esc(n.message)}</li>`).join('\n')}</ol>`
    : '<p class="muted">No notice sent to subscribers yet.</p>';
  const body = `<h1>Incident ${esc(i.incidentId)}</h1>
<p id="live" class="muted" role="status" aria-live="polite"></p>
<dl class="facts">
<dt>Cache</dt><dd>${esc(i.cacheId)}</dd>
<dt>Status</dt><dd id="incident-status" class="status-${esc(i.status)}">${esc(statusLabel(i.status))}</dd>
<dt>Stage</dt><dd id="incident-stage">${esc(i.stage)}</dd>
<dt>Plan</dt><dd>${esc(i.plan ?? '–')}</dd>
<dt>Alarm</dt><dd>${esc(i.triggerAlarm ?? '–')}</dd>
${i.confirmation ? `<dt>${i.confirmation.confirmed ? 'Outage confirmed' : 'False alarm'}</dt><dd id="confirmation">${esc(describeConfirmation(i.confirmation))}</dd>` : ''}
<dt>Started</dt><dd>${time(i.openedAt)}</dd>
<dt>Elapsed</dt><dd>${esc(formatSeconds(i.elapsedSeconds))}</dd>
<dt>Outage</dt><dd>${esc(formatSeconds(i.outageSeconds))}</dd>
<dt>Degraded</dt><dd>${esc(formatSeconds(i.degradedSeconds))}</dd>
<dt>Workflow</dt><dd><span id="execution-status">${esc(view.execution?.status ?? '–')}</span>, state <strong id="execution-state">${esc(view.execution?.currentState ?? '–')}</strong></dd>
${i.error ? `<dt>Error</dt><dd>${esc(i.error.error)}: ${esc(i.error.cause)}</dd>` : ''}
</dl>
${view.redrivable ? redriveSection(i.incidentId, view.redrivable.state, csrf) : ''}
<h2>Approvals</h2>
${approvals}
<h2>Timeline</h2>
<ol id="timeline" class="timeline">
${timelineItems(view.timeline)}
</ol>
<h2>Notices sent to subscribers</h2>
${notices}`;
  return page({
    title: `Incident ${i.incidentId}`,
    operator,
    body,
    nonce,
    script: LIVE_SCRIPT,
    ...(csrf ? { signOut: csrf } : {}),
  }).replace('<body>', `<body data-pending="${esc(pending.join(','))}">`);
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
