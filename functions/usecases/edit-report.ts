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
  type ReportNotes,
  type ReportNotesChanges,
} from '../domain/report/notes';
import { SUGGESTION_TITLES } from '../domain/report/suggestions';
import type { Clock, IncidentRecords, ReportNotesStore, Timeline } from '../ports';

export interface EditReportDeps {
  store: Pick<IncidentRecords, 'getIncident'> & Pick<Timeline, 'appendTimeline'> & ReportNotesStore;
  clock: Clock;
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
  if (saved.version !== edit.expectedVersion) throw conflict(incidentId, saved);
  const next = applyNotesChanges(saved, edit.changes);
  const changed = describeNotesChange(saved, next, SUGGESTION_TITLES);
  if (!changed.length) return { incidentId, notes: saved, changed };

  const at = deps.clock.now().toISOString();
  const notes = await deps.store.saveReportNotes(
    incidentId,
    { ...next, updatedBy: by, updatedAt: at },
    edit.expectedVersion,
  );
  const decisions = Object.fromEntries(
    SUGGESTION_IDS.filter((id) => saved.suggestions[id] !== next.suggestions[id]).map((id) => [
      id,
      next.suggestions[id] ?? null,
    ]),
  );
  await deps.store.appendTimeline(incidentId, {
    at,
    type: 'REPORT_EDITED',
    message: `${by} edited the report: ${changed.join('; ')}`,
    detail: { by, version: notes.version, changes: changed, suggestions: decisions },
  });
  return { incidentId, notes, changed };
}

function conflict(incidentId: string, saved: ReportNotes): ReportNotesConflictError {
  const who = saved.updatedBy ? ` by ${saved.updatedBy}` : '';
  return new ReportNotesConflictError(
    `the report of ${incidentId} was saved${who} since you loaded it (now version ${saved.version})`,
  );
}
