/**
 * The parts of the incident page: the facts an operator decides on, each
 * approval with its decision form, the redrive form, the timeline, and the
 * live-update script (allowed by a per-response nonce).
 */
import type { TimelineEvent } from '../domain/incident';
import type { PendingApproval } from '../ports';
import { formatBytes, incidentHref, time } from './format';
import { esc } from './layout';

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
  ['standby', 'Standby', String],
  ['standbyEndpoint', 'Standby endpoint', String],
  ['standbyMirroredUpTo', 'Standby mirrored up to', String],
  ['standbyLagSeconds', 'Standby behind by', (v) => `${String(v)} s`],
  ['standbyNotUsed', 'Standby not used', String],
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

export function approvalSection(incidentId: string, a: PendingApproval, csrf: string | undefined): string {
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
export function redriveSection(incidentId: string, state: string | undefined, csrf: string | undefined): string {
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

export function timelineItems(events: TimelineEvent[]): string {
  return events
    .map((e) => `<li>${time(e.at)}<span class="type">${esc(e.type)}</span>${esc(e.message)}</li>`)
    .join('\n');
}

/** The incident page's live updates: polls the events endpoint every 2 s and rebuilds the timeline with textContent. */
export const LIVE_SCRIPT = `(function(){
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
