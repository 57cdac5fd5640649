/**
 * POST /incidents/<id>/report/notes: an operator saves the report's operator
 * sections (../usecases/edit-report.ts). Same checks as a decision: the
 * operators group (in ../handlers/console.ts), the form's CSRF token, and a
 * bounded body: 256 KiB, room for every field at its longest even when each
 * character is form-encoded as nine (a three-byte character, percent-encoded). Saved: back to the incident page (303), or the saved notes
 * as JSON. Someone saved since the form was loaded: 409 with their text and
 * the form holding what was typed; bad input: 400 naming the field, the form
 * holding what was typed too.
 */
import { ReportNotesConflictError, ValidationError } from '../domain/errors';
import type { PostIncidentReport } from '../domain/report/types';
import { editReportNotes, reportNotesOf, type EditReportDeps } from '../usecases/edit-report';
import { incidentReport, type IncidentReportDeps } from '../usecases/incident-report';
import { expiredForm } from './answers';
import { csrfAccepted, type Credential, type Operator } from './auth';
import { incidentHref } from './format';
import { bodyText, html, json, redirect, wantsJson, type ConsoleEvent, type ConsoleResult } from './http';
import { esc, page } from './layout';
import { reportNotesForm, notesRequestOf, type NotesFormState } from './report-notes-form';

/** The notes' limits (../domain/report/notes.ts) at nine encoded characters each, rounded up. */
const NOTES_BODY_KIB = 256;

export type ReportNotesDeps = EditReportDeps & IncidentReportDeps;

export async function reportNotesRoute(
  deps: ReportNotesDeps,
  event: ConsoleEvent,
  incidentId: string,
  operator: Operator,
  credential: Credential,
): Promise<ConsoleResult> {
  const back = incidentHref(incidentId);
  const raw = bodyText(event, NOTES_BODY_KIB);
  let request: ReturnType<typeof notesRequestOf> | undefined;
  try {
    request = notesRequestOf(event, raw);
  } catch (err) {
    // A CSRF-less post is refused as expired before its fields are judged.
    if (!csrfAccepted(credential, new URLSearchParams(raw).get('csrf') ?? undefined)) {
      return expiredForm(event, operator, back);
    }
    throw err;
  }
  if (!csrfAccepted(credential, request.csrf)) return expiredForm(event, operator, back);
  try {
    const edited = await editReportNotes(deps, incidentId, {
      by: operator.name,
      expectedVersion: request.version,
      changes: request.changes,
    });
    return wantsJson(event) ? json(200, edited) : redirect(`${back}#report-notes`);
  } catch (err) {
    if (err instanceof ReportNotesConflictError) {
      const current = await reportNotesOf(deps, incidentId);
      if (wantsJson(event)) return json(409, { error: 'Conflict', message: err.message, current });
      const report = await incidentReport(deps, incidentId);
      const theirs = theirText(report);
      const message = `${current.updatedBy ?? 'Someone else'} saved the report notes after you loaded them. Nothing you typed was saved: it is in the form below. Saving it now replaces their notes.`;
      return html(
        409,
        notesPage(
          report,
          'Someone else saved first',
          message,
          operator,
          request.csrf,
          {
            ...request.state,
            version: current.version,
          },
          theirs,
        ),
      );
    }
    if (err instanceof ValidationError && !wantsJson(event)) {
      const report = await incidentReport(deps, incidentId);
      return html(
        400,
        notesPage(report, 'Bad Request', `${err.message}. Nothing was saved.`, operator, request.csrf, {
          ...request.state,
          version: request.version,
        }),
      );
    }
    throw err;
  }
}

/** The notes as saved, as the report shows them. */
function theirText(report: PostIncidentReport): string {
  const [root, items] = report.operatorSections;
  const decided = report.suggestions.items.filter((s) => s.decision);
  return `<section class="theirs"><h2>Their notes</h2>
<h3>${esc(root?.title ?? '')}</h3>${root?.text ? `<p class="written">${esc(root.text)}</p>` : '<p class="muted">Empty.</p>'}
<h3>${esc(items?.title ?? '')}</h3>${items?.items?.length ? `<ul>${items.items.map((i) => `<li>${esc(i.text)} (owner: ${esc(i.owner)}${i.due ? `, due ${esc(i.due)}` : ''})</li>`).join('')}</ul>` : '<p class="muted">None.</p>'}
${decided.length ? `<h3>Suggestions</h3><ul>${decided.map((s) => `<li>${s.decision === 'KEPT' ? 'Kept' : 'Dropped'}: ${esc(s.title)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function notesPage(
  report: PostIncidentReport,
  title: string,
  message: string,
  operator: Operator,
  csrf: string | undefined,
  state: NotesFormState,
  before = '',
): string {
  const body = `<h1>${esc(title)}</h1>
<p class="notice error" role="alert">${esc(message)}</p>
${before}
<h2>Your notes</h2>
${reportNotesForm(report, csrf, state)}
<p><a href="${esc(incidentHref(report.incidentId))}">Back to the incident</a></p>`;
  return page({ title, operator: operator.name, body, ...(csrf ? { signOut: csrf } : {}) });
}
