/**
 * The console's pages: plain, semantic HTML with inline CSS, readable on a
 * phone at 2 a.m. Every value that comes from data (alarm names, reasons,
 * operator names, facts) goes through `esc`. The only script is the small
 * live-update loop of the incident page, allowed by a per-response nonce.
 */
import { describeConfirmation, type TimelineEvent } from '../domain/incident';
import type { PendingApproval } from '../ports';
import type { IncidentSummary, IncidentView } from '../usecases/incident-view';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const CSS = `
:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--line:#ccc;--ok:#0a6b2d;--bad:#a4161a;--warn:#8a5a00;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#aaa;--line:#444;--ok:#5fd38d;--bad:#ff8a8a;--warn:#ffc766;--accent:#8ab4f8}}
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:60rem;margin:0 auto;padding:.75rem 1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;justify-content:space-between;border-bottom:1px solid var(--line)}
header a{font-weight:700;text-decoration:none;color:inherit}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:var(--accent)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.scroll{overflow-x:auto}
.status-OPEN{color:var(--bad);font-weight:700}.status-RESOLVED{color:var(--ok);font-weight:700}.status-FAILED{color:var(--bad);font-weight:700}.status-FALSE_ALARM{color:var(--muted);font-weight:700}
.PENDING{color:var(--warn);font-weight:700}.APPROVED{color:var(--ok);font-weight:700}.REJECTED,.TIMED_OUT{color:var(--bad);font-weight:700}
dl.facts{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:.25rem 1rem;margin:.5rem 0}@media (min-width:40rem){dl.facts{grid-template-columns:minmax(0,1fr) minmax(0,3fr)}}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
section.approval{border:2px solid var(--warn);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
textarea{width:100%;min-height:5rem;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.25rem;background:var(--bg);color:var(--fg)}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:.75rem}
button{font:inherit;font-weight:700;min-height:3rem;min-width:9rem;padding:.5rem 1.25rem;border-radius:.4rem;border:2px solid transparent;cursor:pointer}
button.approve{background:var(--ok);color:#fff}button.reject{background:var(--bad);color:#fff}button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}
button:focus-visible,a:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{padding:.35rem 0;border-bottom:1px solid var(--line)}
ol.timeline time{color:var(--muted);font-variant-numeric:tabular-nums;margin-right:.5rem}
.type{font-weight:700;margin-right:.5rem}
.muted{color:var(--muted)}.notice{padding:.5rem .75rem;border-left:4px solid var(--accent);margin:.75rem 0}
.error{border-left-color:var(--bad)}
form.sign-out{margin:0}form.sign-out button{min-height:2.25rem;min-width:0;padding:.25rem .75rem}
`;

export interface PageOptions {
  title: string;
  operator?: string;
  body: string;
  /** A script nonce; the incident page's live updates need it. */
  nonce?: string;
  script?: string;
  /** The session's form token: the header then offers "Sign out". */
  signOut?: string;
}

function signOutForm(csrf: string | undefined): string {
  if (!csrf) return '';
  return `<form method="post" action="/logout" class="sign-out"><input type="hidden" name="csrf" value="${esc(csrf)}"><button class="secondary" type="submit">Sign out</button></form>`;
}

export function page(options: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(options.title)} · cache outage console</title>
<style>${CSS}</style>
</head>
<body>
<header><a href="/">Cache outage console</a>${options.operator ? `<span class="muted">Signed in as <strong>${esc(options.operator)}</strong></span>${signOutForm(options.signOut)}` : ''}</header>
<main>
${options.body}
</main>
${options.script && options.nonce ? `<script nonce="${esc(options.nonce)}">${options.script}</script>` : ''}
</body>
</html>
`;
}

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 90) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function formatBytes(n: number): string {
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

const time = (iso: string | undefined): string =>
  iso ? `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</time>` : '–';

const incidentHref = (incidentId: string): string => `/incidents/${encodeURIComponent(incidentId)}`;

/** How a status reads: FALSE_ALARM as "FALSE ALARM". */
export const statusLabel = (status: string): string => status.replace('_', ' ');

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

const FACT_LABELS: [string, string, (v: unknown) => string][] = [
  ['plan', 'Plan', String],
  ['reason', 'Why', String],
  ['etaMinutes', 'Clients served again in', (v) => `about ${String(v)} min`],
  ['backupKey', 'Backup', String],
  ['backupAgeMinutes', 'Backup age', (v) => `${String(v)} min`],
  ['backupSizeBytes', 'Backup size', (v) => (typeof v === 'number' ? formatBytes(v) : String(v))],
  ['rdbVersion', 'RDB version', String],
  ['replica', 'Replica', String],
  ['replicaEndpoint', 'Replica endpoint', String],
  ['replicaLagSeconds', 'Replica lag', (v) => `${String(v)} s`],
  ['globalSecondaryRegion', 'Secondary region', String],
  ['globalSecondaryGroup', 'Secondary group', String],
];

function factValue(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

export function factsList(facts: Record<string, unknown>): string {
  const known = new Set(FACT_LABELS.map(([k]) => k));
  const items = FACT_LABELS.filter(([k]) => facts[k] !== undefined).map(
    ([k, label, fmt]) => `<dt>${esc(label)}</dt><dd>${esc(fmt(facts[k]))}</dd>`,
  );
  if (!('replicaLagSeconds' in facts) && facts.plan === 'PROMOTE_REPLICA')
    items.push('<dt>Replica lag</dt><dd>not reported</dd>');
  for (const [k, v] of Object.entries(facts)) {
    if (!known.has(k) && v !== undefined) items.push(`<dt>${esc(k)}</dt><dd>${esc(factValue(v))}</dd>`);
  }
  return `<dl class="facts">${items.join('')}</dl>`;
}

function approvalSection(incidentId: string, a: PendingApproval, csrf: string | undefined): string {
  const base = `${incidentHref(incidentId)}/approvals/${encodeURIComponent(a.step)}`;
  const heading = `<h3 id="approval-${esc(a.step)}-title">Approval “${esc(a.step)}”: <span class="${esc(a.status)}">${esc(a.status.replace('_', ' '))}</span></h3>`;
  const csrfField = csrf ? `<input type="hidden" name="csrf" value="${esc(csrf)}">` : '';
  if (a.status !== 'PENDING') {
    return `<section class="approval" aria-labelledby="approval-${esc(a.step)}-title">${heading}
${factsList(a.facts)}
<p>${a.decidedBy ? `Decided by <strong>${esc(a.decidedBy)}</strong>` : 'Decided'} ${a.decidedAt ? `at ${time(a.decidedAt)}` : ''}${a.reason ? `: “${esc(a.reason)}”` : ''}</p>
</section>`;
  }
  return `<section class="approval" aria-labelledby="approval-${esc(a.step)}-title" data-pending="${esc(a.step)}">${heading}
<p class="muted">Requested ${time(a.requestedAt)}. The workflow waits for one decision.</p>
${factsList(a.facts)}
<form method="post" action="${esc(base)}">
${csrfField}
<label for="reason-${esc(a.step)}">Reason (recorded with your name on the timeline)</label>
<textarea id="reason-${esc(a.step)}" name="reason" required maxlength="1000" autocomplete="off"></textarea>
<div class="buttons">
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="reject" type="submit" name="decision" value="reject">Reject</button>
</div>
</form>
<form method="post" action="${esc(`${base}/ack`)}">
${csrfField}
<div class="buttons"><button class="secondary" type="submit">I’m looking at it (delay escalation)</button></div>
</form>
</section>`;
}

/** A workflow stopped at a step: continue it from there once the cause is fixed. */
function redriveSection(incidentId: string, state: string | undefined, csrf: string | undefined): string {
  const step = state ? `“${esc(state)}”` : 'the step it stopped at';
  return `<section class="approval" aria-labelledby="redrive-title" data-redrive="${esc(state ?? '')}">
<h3 id="redrive-title">The workflow stopped at ${step}</h3>
<p class="muted">Fix the cause first (see the error above and the timeline). Continuing runs ${step} again; the steps that finished keep their results and do not run again.</p>
<form method="post" action="${esc(`${incidentHref(incidentId)}/redrive`)}">
${csrf ? `<input type="hidden" name="csrf" value="${esc(csrf)}">` : ''}
<label for="reason-redrive">What was fixed (recorded with your name on the timeline)</label>
<textarea id="reason-redrive" name="reason" required maxlength="1000" autocomplete="off"></textarea>
<div class="buttons"><button class="approve" type="submit">Continue from ${step}</button></div>
</form>
</section>`;
}

function timelineItems(events: TimelineEvent[]): string {
  return events
    .map((e) => `<li>${time(e.at)}<span class="type">${esc(e.type)}</span>${esc(e.message)}</li>`)
    .join('\n');
}

/** The incident page's live updates: polls the events endpoint every 2 s and rebuilds the timeline with textContent. */
const LIVE_SCRIPT = `(function(){
var url=location.pathname.replace(/\\/$/,'')+'/events';var list=document.getElementById('timeline');var live=document.getElementById('live');
var pending=document.body.getAttribute('data-pending')||'';
function fmt(iso){return String(iso).replace('T',' ').replace(/\\.\\d+Z$|Z$/,' UTC');}
function set(id,text){var el=document.getElementById(id);if(el&&text!==undefined&&el.textContent!==String(text))el.textContent=String(text);}
function typing(){var t=document.querySelectorAll('textarea');for(var i=0;i<t.length;i++){if(t[i].value)return true;}return false;}
function tick(){fetch(url,{headers:{Accept:'application/json'},credentials:'same-origin',cache:'no-store'}).then(function(r){if(!r.ok)throw new Error(r.status);return r.json();}).then(function(v){
if(list&&list.children.length!==v.timeline.length){var frag=document.createDocumentFragment();v.timeline.forEach(function(e){var li=document.createElement('li');var t=document.createElement('time');t.dateTime=e.at;t.textContent=fmt(e.at);var s=document.createElement('span');s.className='type';s.textContent=e.type;li.appendChild(t);li.appendChild(s);li.appendChild(document.createTextNode(e.message));frag.appendChild(li);});list.replaceChildren(frag);}
set('incident-status',v.incident.status.replace('_',' '));set('incident-stage',v.incident.stage);set('execution-state',v.execution?(v.execution.currentState||'–'):'–');set('execution-status',v.execution?v.execution.status:'–');
var now=v.approvals.filter(function(a){return a.status==='PENDING';}).map(function(a){return a.step;}).join(',');
if(now!==pending){if(!typing()){location.reload();return;}if(live)live.textContent='The approvals changed: reload the page to see them.';}
if(live&&live.textContent.indexOf('reload')<0)live.textContent='Live: updated '+new Date().toLocaleTimeString();
}).catch(function(){if(live)live.textContent='Live updates paused (connection lost); retrying…';}).then(function(){setTimeout(tick,2000);});}
setTimeout(tick,2000);})();`;

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
