/**
 * The incident page's post-incident report: once the incident is resolved or
 * failed, the incident as one time bar (the report's own SVG, drawn here from
 * the page's data), the links to the report in each format, and the form for
 * its operator sections (./report-notes-form.ts). While it is
 * open the link waits hidden, and the live script shows it when the incident
 * finishes.
 */
import type { NoticeStage } from '../domain/incident';
import { timeBarOf } from '../domain/report/bar';
import { timeBarSvg } from '../domain/report/svg';
import type { PostIncidentReport } from '../domain/report/types';
import { clockTime } from '../domain/time-labels';
import type { IncidentView } from '../usecases/incident-view';
import { incidentHref, type TimeContext } from './format';
import { esc } from './layout';
import { reportNotesForm } from './report-notes-form';

/** The incidents whose page shows the report (and the form for its operator sections). */
export const REPORTED: readonly string[] = ['RESOLVED', 'FAILED'];

function links(incidentId: string): string {
  const href = `${incidentHref(incidentId)}/report`;
  return `<a href="${esc(href)}">Post-incident report</a> <span class="muted">(also as <a href="${esc(`${href}?format=md`)}">Markdown</a> or <a href="${esc(`${href}?format=json`)}">JSON</a>)</span>`;
}

export function reportSection(view: IncidentView, t: TimeContext, csrf?: string, report?: PostIncidentReport): string {
  const i = view.incident;
  if (!REPORTED.includes(i.status)) {
    return i.status === 'OPEN' ? `<p id="report-link" class="when-finished" hidden>${links(i.incidentId)}</p>` : '';
  }
  const notices = view.notices.map((n) => ({ stage: n.stage as NoticeStage, subject: '', text: '', sentAt: n.at }));
  const bar = timeBarOf(i, view.timeline, notices, t.now, (at) => clockTime(at, t.zone, new Date(i.openedAt)));
  return `<h2>Post-incident report</h2>
<figure class="report-bar">${timeBarSvg(bar)}</figure>
<p id="report-link">${links(i.incidentId)}</p>
${report ? reportNotesForm(report, csrf) : ''}`;
}
