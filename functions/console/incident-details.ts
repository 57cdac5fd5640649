/**
 * The incident page below the decision: where the recovery is (its steps and
 * the live facts: status, stage, durations that count while they run, the ETA
 * or the actual, notices), the post-incident report once it ends, the approvals, the timeline and the notices. Every
 * element with an id here is re-rendered by the live script from the same
 * events JSON, so no two of them can disagree.
 */
import { describeConfirmation } from '../domain/incident';
import { PROGRESS_STATE_LABELS, label } from '../domain/labels';
import { liveDurations, type ProgressStep } from '../domain/progress';
import { durationText } from '../domain/time-labels';
import type { IncidentView } from '../usecases/incident-view';
import { formatSeconds, time, type TimeContext } from './format';
import { approvalSection, factsList, noticeItems, redriveSection, timelineItems } from './incident-sections';
import { esc } from './layout';
import { reportSection } from './report-section';
import type { PostIncidentReport } from '../domain/report/types';

export const STEP_MARKS: Readonly<Record<string, string>> = {
  done: '✓',
  current: '●',
  todo: '○',
  skipped: '–',
  failed: '✕',
};

export function progressItems(steps: ProgressStep[]): string {
  return steps
    .map((s) => {
      const since = s.state === 'current' && s.startedAt ? ` data-since="${esc(s.startedAt)}"` : '';
      const took =
        s.seconds !== undefined && s.state !== 'todo'
          ? ` <span class="took"${since}>${esc(durationText(s.seconds))}</span>`
          : '';
      return `<li class="${esc(s.state)}"${s.state === 'current' ? ' aria-current="step"' : ''}><span class="mark" aria-hidden="true">${STEP_MARKS[s.state] ?? ''}</span> ${esc(s.label)}${took}<span class="visually-hidden"> (${esc(label(PROGRESS_STATE_LABELS, s.state))})</span></li>`;
    })
    .join('');
}

/** What the plan estimated, or when clients were served again once they were. */
export function servedText(view: IncidentView, t: TimeContext): string {
  const i = view.incident;
  const fromApproval = view.approvals.find((a) => typeof a.facts.etaMinutes === 'number')?.facts.etaMinutes;
  const fromAssess = view.timeline.find((e) => e.type === 'ASSESSED')?.detail?.etaMinutes;
  const eta = typeof fromApproval === 'number' ? fromApproval : typeof fromAssess === 'number' ? fromAssess : undefined;
  const estimate = eta === undefined ? '' : `about ${eta} min`;
  if (i.restoredAt) {
    const took = durationText((Date.parse(i.restoredAt) - Date.parse(i.openedAt)) / 1000);
    return `at ${time(i.restoredAt, t)}, ${esc(took)} after the outage began${estimate ? ` (estimated ${esc(estimate)})` : ''}`;
  }
  if (i.status !== 'OPEN') return 'not restored by the workflow';
  return estimate ? `in ${esc(estimate)} (estimate)` : 'not estimated yet';
}

function liveFacts(view: IncidentView, t: TimeContext): string {
  const i = view.incident;
  const d = liveDurations(i, t.now);
  const running = (seconds: number | undefined, none: string) =>
    esc(seconds === undefined ? none : formatSeconds(seconds));
  const degradedNone = i.status === 'OPEN' ? 'not yet (clients not served again)' : 'none';
  return `<dl class="facts" id="live-facts">
<dt>Status</dt><dd id="incident-status" class="status-${esc(i.status)}">${esc(i.statusLabel)}</dd>
<dt>Customers were told</dt><dd id="incident-stage">${esc(i.stageLabel)}</dd>
<dt>Plan</dt><dd id="incident-plan">${esc(i.planLabel)}</dd>
<dt>Clients served again</dt><dd id="served">${servedText(view, t)}</dd>
<dt>Elapsed</dt><dd id="elapsed">${running(d.elapsedSeconds, '–')}</dd>
<dt>Outage</dt><dd id="outage">${running(d.outageSeconds, i.status === 'FALSE_ALARM' ? 'none (false alarm)' : '–')}</dd>
<dt>Degraded</dt><dd id="degraded">${running(d.degradedSeconds, degradedNone)}</dd>
<dt>Notices sent</dt><dd><span id="notices-count" class="notices-count">${view.notices.length}</span> to subscribers</dd>
<dt>Workflow</dt><dd><span id="execution-status">${esc(view.execution?.statusLabel ?? '–')}</span>, at <strong id="execution-state">${esc(view.execution?.currentState ?? '–')}</strong></dd>
<dt>Alarm</dt><dd>${esc(i.triggerAlarm ?? '–')}</dd>
${i.confirmation ? `<dt>${i.confirmation.confirmed ? 'Outage confirmed' : 'False alarm'}</dt><dd id="confirmation">${esc(describeConfirmation(i.confirmation))}</dd>` : ''}
<dt>Started</dt><dd>${time(i.openedAt, t)}</dd>
${i.error ? `<dt>Error</dt><dd>${esc(i.error.error)}: ${esc(i.error.cause)}</dd>` : ''}
</dl>`;
}

export function incidentDetails(
  view: IncidentView,
  csrf: string | undefined,
  t: TimeContext,
  report?: PostIncidentReport,
): string {
  const firstPending = view.approvals.find((a) => a.status === 'PENDING');
  const approvals = view.approvals.length
    ? view.approvals
        .slice()
        .sort((a, b) => (a.status === 'PENDING' ? -1 : 0) - (b.status === 'PENDING' ? -1 : 0))
        .map((a) => approvalSection(view, a, csrf, t, a === firstPending))
        .join('\n')
    : '<p class="muted">No approval requested.</p>';
  return `<h2 id="progress-title">Progress</h2>
<ol id="progress" class="progress" aria-labelledby="progress-title">${progressItems(view.progress)}</ol>
${liveFacts(view, t)}
${reportSection(view, t, csrf, report)}
${view.redrivable ? redriveSection(view.incident.incidentId, view.redrivable.state, csrf) : ''}
<h2>Approvals</h2>
${approvals}
<h2>Timeline <span class="muted">(${esc(view.zone.label)})</span></h2>
<ol id="timeline" class="timeline">
${timelineItems(view.timeline)}
</ol>
<h2>Notices sent to subscribers</h2>
<ol id="notices" class="timeline">${noticeItems(view.notices)}</ol>
<p id="no-notices" class="muted"${view.notices.length ? ' hidden' : ''}>No notice sent to subscribers yet.</p>`;
}

export { factsList };
