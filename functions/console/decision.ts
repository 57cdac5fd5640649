/**
 * The top of the incident page: with an approval pending, what is broken and
 * what is proposed in one sentence, what Approve and Reject do, when it
 * escalates and what happens by default, and the controls; after a decision,
 * who decided what and when.
 */
import { ON_TIMEOUT_LABELS, PLAN_LABELS, STAGE_LABELS, label } from '../domain/labels';
import { durationText } from '../domain/time-labels';
import type { ApprovalView, IncidentView } from '../usecases/incident-view';
import { ago, incidentHref, time, type TimeContext } from './format';
import { esc } from './layout';

const REJECT_TEXT =
  'nothing is changed on the cache, the incident is marked failed and the operators are escalated to.';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** "3 min", kept current by the live script. */
export const since = (iso: string, now: Date): string =>
  `<span data-since="${esc(iso)}">${esc(durationText((now.getTime() - Date.parse(iso)) / 1000))}</span>`;

function proposal(view: IncidentView, a: ApprovalView, t: TimeContext): string {
  const f = a.facts;
  const plan = str(f.plan) ?? view.incident.plan;
  const openedAt = Date.parse(view.incident.openedAt);
  switch (plan) {
    case 'PROVISION_FROM_BACKUP': {
      const age = num(f.backupAgeMinutes);
      // The time the backup's data was taken, as recorded; older requests only have its age.
      const taken =
        str(f.backupTakenAt) ??
        (age === undefined ? undefined : new Date(Date.parse(a.requestedAt) - age * 60_000).toISOString());
      if (taken === undefined) return 'Restore it from its newest backup';
      const gap = (openedAt - Date.parse(taken)) / 1000;
      const relation = gap >= 0 ? `${durationText(gap)} before the outage` : `${durationText(-gap)} after it began`;
      return `Restore it from the backup taken ${time(taken, t)} (${esc(relation)})`;
    }
    case 'PROMOTE_REPLICA':
      return `Promote its replica <strong>${esc(str(f.replica) ?? 'replica')}</strong> to primary`;
    case 'PROMOTE_STANDBY':
      return `Cut clients over to the warm standby <strong>${esc(str(f.standby) ?? 'standby')}</strong>`;
    case 'GLOBAL_FAILOVER':
      return `Fail over to the secondary region <strong>${esc(str(f.globalSecondaryRegion) ?? '')}</strong>`;
    default: {
      const action = plan && plan in PLAN_LABELS ? PLAN_LABELS[plan as keyof typeof PLAN_LABELS].action : 'decide';
      return esc(action.charAt(0).toUpperCase() + action.slice(1));
    }
  }
}

function sentence(view: IncidentView, a: ApprovalView, t: TimeContext): string {
  const i = view.incident;
  const eta = num(a.facts.etaMinutes);
  const served = eta === undefined ? '' : ` — clients served again in about ${eta} min`;
  return `<p class="lede" id="decision-sentence"><em>${esc(i.cacheId)}</em> is unreachable since ${time(i.openedAt, t)} (${since(i.openedAt, t.now)}). ${proposal(view, a, t)}${served}.</p>`;
}

/** The size of what approving creates and what customers have lived through so far. */
function stakes(view: IncidentView, a: ApprovalView, t: TimeContext): string {
  const n = view.notices.length;
  const last = view.notices[n - 1];
  const notices = `<span class="notices-count">${n}</span> notice${n === 1 ? '' : 's'} sent to subscribers${last ? ` (last: ${esc(label(STAGE_LABELS, last.stage))})` : ''}`;
  return `<ul class="what">
${str(a.facts.replacement) ? `<li><strong>Replacement:</strong> ${esc(a.facts.replacement)}.</li>` : ''}
<li><strong>Customers so far:</strong> outage running ${since(view.incident.openedAt, t.now)}; ${notices}.</li>
</ul>`;
}

function whatHappens(view: IncidentView, a: ApprovalView, t: TimeContext): string {
  const plan = str(a.facts.plan) ?? view.incident.plan;
  const onApprove = plan && plan in PLAN_LABELS ? PLAN_LABELS[plan as keyof typeof PLAN_LABELS].onApprove : '';
  // The relative part keeps ticking on the page (`data-ago`).
  const deadline = a.deadline
    ? `If nobody decides or acknowledges by ${time(a.deadline.escalatesAt, t)} (${ago(a.deadline.escalatesAt, t)}), ${esc(ON_TIMEOUT_LABELS[a.deadline.onTimeout])}.`
    : 'If nobody decides, the operators are escalated to once the configured wait is over.';
  return `<ul class="what">
${onApprove ? `<li><strong>Approve:</strong> ${esc(onApprove)}.</li>` : ''}
<li><strong>Reject:</strong> ${esc(REJECT_TEXT)}</li>
<li><strong>No answer?</strong> ${deadline}</li>
</ul>`;
}

/** The decision form of a pending approval, with the warning a stale tab shows next to it. */
export function decisionForm(incidentId: string, a: ApprovalView, csrf: string | undefined): string {
  const base = `${incidentHref(incidentId)}/approvals/${encodeURIComponent(a.step)}`;
  const csrfField = csrf ? `<input type="hidden" name="csrf" value="${esc(csrf)}">` : '';
  return `<p class="notice error stale" role="alert" hidden></p>
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
</form>`;
}

/** "Approved by dana@example.com at 18:17 ET — the workflow continues." */
export function decisionText(view: IncidentView, a: ApprovalView, t: TimeContext): string {
  const when = a.decidedAt ? ` at ${time(a.decidedAt, t)}` : '';
  const who = a.decidedBy ? ` by <strong>${esc(a.decidedBy)}</strong>` : '';
  const what = a.status === 'TIMED_OUT' ? 'Nobody decided in time' : `${esc(a.statusLabel)}${who}${when}`;
  const next =
    view.incident.status !== 'OPEN'
      ? ''
      : a.status === 'APPROVED'
        ? ' — the workflow continues'
        : a.status === 'REJECTED'
          ? ' — nothing is changed on the cache; the operators are escalated to'
          : ' — the configured default applies';
  const since = a.decidedAt ? ` (${ago(a.decidedAt, t)})` : '';
  return `${what}${since}${next ? `<span class="while-open">${next}</span>` : ''}.${a.reason ? ` Reason: “${esc(a.reason)}”` : ''}`;
}

export function decisionSection(view: IncidentView, csrf: string | undefined, t: TimeContext): string {
  const pending = view.approvals.find((a) => a.status === 'PENDING');
  if (pending) {
    return `<section class="decision" aria-labelledby="headline" data-pending="${esc(pending.step)}">
${sentence(view, pending, t)}
${whatHappens(view, pending, t)}
${decisionForm(view.incident.incidentId, pending, csrf)}
${stakes(view, pending, t)}
</section>`;
  }
  const decided = view.approvals
    .filter((a) => a.status !== 'PENDING')
    .sort((x, y) => (y.decidedAt ?? y.requestedAt).localeCompare(x.decidedAt ?? x.requestedAt))[0];
  if (!decided) return '';
  const kind = decided.status === 'APPROVED' ? 'confirmed' : 'error';
  return `<p id="decision-confirmation" class="notice ${kind}" role="status">${decisionText(view, decided, t)}</p>`;
}
