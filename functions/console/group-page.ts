/**
 * The page of an incident group: the caches of one provider outage, one row
 * each (its plan, backup, estimate, state and decision, linking to its
 * incident page), and one form to decide for all of them, or cache by cache.
 * After a decision, which caches were decided and which skipped and why.
 * Same look and words as the incident page; every value goes through `esc`.
 */
import { PLAN_LABELS } from '../domain/labels';
import type { GroupDecisionResult } from '../usecases/decide-approval';
import type { GroupMemberView, GroupView } from '../usecases/group-view';
import { ago, incidentHref, time, timeAgo, type TimeContext } from './format';
import { esc, page } from './layout';

const groupHref = (groupId: string): string => `/groups/${encodeURIComponent(groupId)}`;

const nameOf = (view: GroupView): string => view.group.provider ?? view.group.groupId;

function backupText(m: GroupMemberView, t: TimeContext): string {
  const b = m.backup;
  if (!b) return '–';
  const when = b.takenAt ? `taken ${time(b.takenAt, t)}` : b.ageMinutes !== undefined ? `${b.ageMinutes} min old` : '';
  return [b.key ? `<span class="nowrap">${esc(b.key)}</span>` : '', when].filter(Boolean).join('<br>');
}

function decisionCell(m: GroupMemberView, t: TimeContext, form: boolean): string {
  const a = m.approval;
  if (!a) return '<span class="muted">No approval requested</span>';
  if (a.status === 'PENDING') {
    const buttons = form
      ? `<div class="buttons">
<button class="approve" type="submit" name="decide.${esc(m.incidentId)}" value="approve" aria-label="${esc(`Approve ${m.cacheId} only`)}">Approve</button>
<button class="reject" type="submit" name="decide.${esc(m.incidentId)}" value="reject" aria-label="${esc(`Reject ${m.cacheId} only`)}">Reject</button>
</div>`
      : '';
    return `<span class="PENDING">${esc(a.statusLabel)}</span>${buttons}`;
  }
  const who = a.decidedBy ? ` by <strong>${esc(a.decidedBy)}</strong>` : '';
  const when = a.decidedAt ? ` at ${time(a.decidedAt, t)}` : '';
  const why = a.reason ? `<br><span class="muted">“${esc(a.reason)}”</span>` : '';
  return `<span class="${esc(a.status)}">${esc(a.statusLabel)}</span>${who}${when}${why}`;
}

function memberRow(m: GroupMemberView, t: TimeContext, form: boolean): string {
  const eta = m.etaMinutes === undefined ? '–' : `about ${m.etaMinutes} min`;
  return `<tr data-incident="${esc(m.incidentId)}">
<td data-label="Cache"><a href="${esc(incidentHref(m.incidentId))}">${esc(m.cacheId)}</a><br><span class="muted">${esc(m.incidentId)}</span></td>
<td data-label="State">${esc(m.stateLabel)}${m.status ? `<br><span class="status-${esc(m.status)}">${esc(m.statusLabel)}</span>` : ''}</td>
<td data-label="Plan">${esc(m.planLabel)}${m.replacement ? `<br><span class="muted">${esc(m.replacement)}</span>` : ''}</td>
<td data-label="Backup">${backupText(m, t)}</td>
<td data-label="Clients served again in">${esc(eta)}</td>
<td data-label="Decision">${decisionCell(m, t, form)}</td>
</tr>`;
}

function membersTable(view: GroupView, t: TimeContext, form: boolean): string {
  const cols = ['Cache', 'State', 'Plan', 'Backup', 'Clients served again in', 'Decision'];
  return `<table id="members" class="cards">
<caption class="muted">${esc(`${view.group.caches} cache${view.group.caches === 1 ? '' : 's'}, in the order their alarms fired.`)}</caption>
<thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${view.members.map((m) => memberRow(m, t, form)).join('\n')}
</tbody>
</table>`;
}

/** What approving does for the plans waiting, in the incident page's words. */
function whatHappens(view: GroupView, t: TimeContext): string {
  const waiting = view.members.filter((m) => m.approval?.status === 'PENDING');
  const plans = [
    ...new Set(waiting.map((m) => m.plan).filter((p): p is string => p !== undefined && p in PLAN_LABELS)),
  ];
  const onApprove = plans
    .map((p) => PLAN_LABELS[p as keyof typeof PLAN_LABELS])
    .map((l) => `${l.name.toLowerCase()}: ${l.onApprove}`)
    .join('; ');
  const first = waiting
    .map((m) => m.approval?.escalatesAt)
    .filter((x): x is string => x !== undefined)
    .sort()[0];
  const deadline = first
    ? `If nobody decides or acknowledges by ${time(first, t)} (${ago(first, t)}), the operators are escalated to and each cache’s configured default applies.`
    : 'If nobody decides, the operators are escalated to once the configured wait is over.';
  return `<ul class="what">
${onApprove ? `<li><strong>Approve:</strong> each cache’s recovery runs on its own (${esc(onApprove)}).</li>` : ''}
<li><strong>Reject:</strong> nothing is changed on that cache, its incident is marked failed and the operators are escalated to; customers’ notices no longer wait for it.</li>
<li><strong>No answer?</strong> ${deadline}</li>
</ul>`;
}

function decisionSection(view: GroupView, csrf: string | undefined, t: TimeContext): string {
  const csrfField = csrf ? `<input type="hidden" name="csrf" value="${esc(csrf)}">` : '';
  const step = view.pending[0];
  if (!step) return `<h2>Caches</h2>\n${membersTable(view, t, false)}`;
  const base = `${groupHref(view.group.groupId)}/approvals/${encodeURIComponent(step.step)}`;
  const n = step.waiting;
  // "all" is the caches this page shows waiting: one that starts waiting later is not decided unseen.
  const shown = view.members
    .filter((m) => m.approval?.step === step.step && m.approval.status === 'PENDING')
    .map((m) => m.incidentId);
  return `<section class="decision" aria-labelledby="headline" data-pending="${esc(step.step)}">
<p class="lede" id="decision-sentence"><em>${esc(n)} cache${n === 1 ? '' : 's'}</em> of ${esc(nameOf(view))} wait${n === 1 ? 's' : ''} for a decision on ${esc(step.stepLabel.toLowerCase())}. Decide for all of them at once, or cache by cache below.</p>
${whatHappens(view, t)}
<form method="post" action="${esc(base)}">
${csrfField}
${shown.length ? `<input type="hidden" name="only" value="${esc(shown.join(','))}">` : ''}
<label for="reason-${esc(step.step)}">Reason (recorded with your name on each cache’s timeline)</label>
<textarea id="reason-${esc(step.step)}" name="reason" required maxlength="1000" autocomplete="off"></textarea>
<div class="buttons">
<button class="approve" type="submit" name="decision" value="approve">Approve all ${esc(n)}</button>
<button class="reject" type="submit" name="decision" value="reject">Reject all ${esc(n)}</button>
</div>
<h2>Caches</h2>
${membersTable(view, t, true)}
</form>
<form method="post" action="${esc(`${base}/ack`)}">
${csrfField}
<div class="buttons"><button class="secondary" type="submit">I’m looking at it (delay escalation for every cache waiting)</button></div>
</form>
</section>`;
}

/** Which caches a decision decided, and which it skipped and why. */
export function outcomeNotice(view: GroupView, outcome: GroupDecisionResult): string {
  const cache = (incidentId: string) => view.members.find((m) => m.incidentId === incidentId)?.cacheId ?? incidentId;
  const decided = outcome.decided.map(
    (d) =>
      `<li>${esc(cache(d.incidentId))}: <span class="${esc(d.status)}">${d.status === 'APPROVED' ? 'approved' : 'rejected'}</span></li>`,
  );
  const skipped = outcome.skipped.map((s) => `<li>${esc(s.cacheId)}: not decided (${esc(s.reason)})</li>`);
  return `<div id="decision-outcome" class="notice ${outcome.skipped.length ? 'error' : 'confirmed'}" role="status">
<p>Decided ${outcome.decided.length} cache${outcome.decided.length === 1 ? '' : 's'}${outcome.skipped.length ? `, skipped ${outcome.skipped.length}` : ''}.</p>
<ul class="what">${[...decided, ...skipped].join('')}</ul>
</div>`;
}

export function groupPage(
  view: GroupView,
  operator: string,
  csrf: string | undefined,
  outcome?: GroupDecisionResult,
): string {
  const t: TimeContext = { zone: view.zone, now: new Date(view.now) };
  const waiting = view.pending.reduce((n, p) => n + p.waiting, 0);
  const headline = `${nameOf(view)} provider outage — ${waiting ? `${waiting} cache${waiting === 1 ? '' : 's'} waiting for a decision` : view.group.statusLabel.toLowerCase()}`;
  const body = `<h1 id="headline">${esc(headline)}</h1>
<p class="muted subline">Incident group ${esc(view.group.groupId)} · <span class="status-${esc(view.group.status)}">${esc(view.group.statusLabel)}</span> · opened ${timeAgo(view.group.openedAt, t)} · times in ${esc(view.zone.label)} · <a href="/">All incidents</a></p>
${outcome ? outcomeNotice(view, outcome) : ''}
${decisionSection(view, csrf, t)}`;
  return page({ title: `${headline} · ${view.group.groupId}`, operator, body, ...(csrf ? { signOut: csrf } : {}) });
}
