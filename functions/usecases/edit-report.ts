/**
 * An operator edits the post-incident report's own sections: the root cause
 * beyond what was observed, the action items with their owners, and a
 * decision (keep / drop) on each suggested measure. Once the incident is
 * finished only. Each save is checked against the version the operator
 * loaded, so nobody's text is silently overwritten, and is recorded once on
 * the incident's timeline with who, when and what changed, as decisions are.
 */
import {
  IncidentNotFinishedError,
  IncidentNotFoundError,
  ReportNotesConflictError,
  ValidationError,
} from '../domain/errors';
import type { IncidentStatus } from '../domain/incident';
import {
  applyNotesChanges,
  describeNotesChange,
  EMPTY_NOTES,
  SUGGESTION_IDS,
  type NotesEdit,
  type ReportNotes,
  type ReportNotesChanges,
} from '../domain/report/notes';
import { SUGGESTION_TITLES } from '../domain/report/suggestions';
import type { ReportNotesStore, Timeline } from '../ports';
import { incidentReport, type IncidentReportDeps } from './incident-report';

export interface EditReportDeps extends IncidentReportDeps {
  store: IncidentReportDeps['store'] & Pick<Timeline, 'appendTimeline'> & ReportNotesStore;
}

/** The incidents whose report operators may edit: the workflow is over. */
export const EDITABLE_STATUSES: readonly IncidentStatus[] = ['RESOLVED', 'FAILED', 'FALSE_ALARM'];

export interface ReportEdit {
  by: string;
  /** The version the operator loaded (0 when nothing was saved yet). */
  expectedVersion: number;
  changes: ReportNotesChanges;
}

export interface ReportEdited {
  incidentId: string;
  notes: ReportNotes;
  /** What changed, in words; empty when the save changed nothing (and nothing was written). */
  changed: string[];
}

/** The notes as last saved, or empty ones (version 0). */
export async function reportNotesOf(
  deps: { store: Pick<ReportNotesStore, 'reportNotes'> },
  incidentId: string,
): Promise<ReportNotes> {
  return (await deps.store.reportNotes(incidentId)) ?? { ...EMPTY_NOTES, actionItems: [], suggestions: {} };
}

export async function editReportNotes(
  deps: EditReportDeps,
  incidentId: string,
  edit: ReportEdit,
): Promise<ReportEdited> {
  const by = edit.by.trim();
  if (!by) throw new ValidationError('report notes', [{ path: 'by', message: 'the operator is required' }]);
  if (!Number.isSafeInteger(edit.expectedVersion) || edit.expectedVersion < 0) {
    throw new ValidationError('report notes', [{ path: 'version', message: 'the version the notes were loaded at' }]);
  }
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
  if (!EDITABLE_STATUSES.includes(incident.status)) {
    throw new IncidentNotFinishedError(
      `incident ${incidentId} is still ${incident.status.toLowerCase()}: its report can be edited once it is finished`,
    );
  }
  const saved = await reportNotesOf(deps, incidentId);
  const offered = (await incidentReport(deps, incidentId)).suggestions.items.map((i) => i.id);
  if (saved.version !== edit.expectedVersion) {
    // A retry of this operator's save that went through, whose timeline entry may not have: finish it.
    const last = saved.lastEdit;
    if (
      last?.by === by &&
      saved.version === edit.expectedVersion + 1 &&
      !describeNotesChange(saved, applyNotesChanges(saved, edit.changes, offered)).length
    ) {
      await recordEdit(deps, incidentId, last, true);
      return { incidentId, notes: saved, changed: last.changes };
    }
    throw conflict(incidentId, saved);
  }
  const next = applyNotesChanges(saved, edit.changes, offered);
  const changed = describeNotesChange(saved, next, SUGGESTION_TITLES);
  if (!changed.length) return { incidentId, notes: saved, changed };

  const at = deps.clock.now().toISOString();
  const lastEdit: NotesEdit = {
    by,
    at,
    version: edit.expectedVersion + 1,
    changes: changed,
    suggestions: Object.fromEntries(
      SUGGESTION_IDS.filter((id) => saved.suggestions[id] !== next.suggestions[id]).map((id) => [
        id,
        next.suggestions[id] ?? null,
      ]),
    ),
    ...(saved.rootCause !== next.rootCause ? { rootCause: { before: saved.rootCause, after: next.rootCause } } : {}),
  };
  const notes = await deps.store.saveReportNotes(
    incidentId,
    { ...next, updatedBy: by, updatedAt: at, lastEdit },
    edit.expectedVersion,
  );
  await recordEdit(deps, incidentId, lastEdit, false);
  return { incidentId, notes, changed };
}

/** The save on the timeline, once: a retry looks for it first. */
async function recordEdit(deps: EditReportDeps, incidentId: string, e: NotesEdit, retry: boolean): Promise<void> {
  if (retry) {
    const timeline = await deps.store.timeline(incidentId);
    if (timeline.some((t) => t.type === 'REPORT_EDITED' && t.detail?.version === e.version)) return;
  }
  await deps.store.appendTimeline(incidentId, {
    at: e.at,
    type: 'REPORT_EDITED',
    message: `${e.by} edited the report: ${e.changes.join('; ')}`,
    detail: { ...e },
  });
}

function conflict(incidentId: string, saved: ReportNotes): ReportNotesConflictError {
  const who = saved.updatedBy ? ` by ${saved.updatedBy}` : '';
  return new ReportNotesConflictError(
    `the report of ${incidentId} was saved${who} since you loaded it (now version ${saved.version})`,
  );
}
