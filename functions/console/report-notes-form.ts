/**
 * The report's operator sections as a form on a finished incident's page:
 * the root cause, the action items as rows (text, owner, due) with empty rows
 * to add, and Keep / Drop for each suggested measure. It carries the version
 * it was loaded at; the request it posts is read back here (a form or JSON).
 */
import { ValidationError } from '../domain/errors';
import {
  NOTES_LIMITS,
  type ActionItem,
  type ReportNotesChanges,
  type SuggestionDecision,
} from '../domain/report/notes';
import type { PostIncidentReport } from '../domain/report/types';
import { incidentHref } from './format';
import { esc } from './layout';
import { header, type ConsoleEvent } from './http';

/** What the form shows: as saved, or as an operator typed it. */
export interface NotesFormState {
  version: number;
  rootCause: string;
  actionItems: { text: string; owner: string; due: string }[];
  suggestions: Partial<Record<string, SuggestionDecision>>;
}

export interface NotesRequest {
  csrf?: string;
  version: number;
  changes: ReportNotesChanges;
  /** The request as the form shows it again, so nothing typed is lost. */
  state: NotesFormState;
}

const EMPTY_ROWS = 3;

export const notesPath = (incidentId: string) => `${incidentHref(incidentId)}/report/notes`;

/** The form's state from the report: the notes as saved. */
export function savedState(report: PostIncidentReport): NotesFormState {
  const section = (id: string) => report.operatorSections.find((s) => s.id === id);
  return {
    version: report.notes?.version ?? 0,
    rootCause: section('root-cause')?.text ?? '',
    actionItems: (section('action-items')?.items ?? []).map((i) => ({ ...i, due: i.due ?? '' })),
    suggestions: Object.fromEntries(report.suggestions.items.flatMap((s) => (s.decision ? [[s.id, s.decision]] : []))),
  };
}

function suggestionRow(s: PostIncidentReport['suggestions']['items'][number], chosen?: SuggestionDecision): string {
  const name = `suggestion.${s.id}`;
  const radio = (value: string, text: string, on: boolean) =>
    `<label class="choice"><input type="radio" name="${esc(name)}" value="${value}"${on ? ' checked' : ''}> ${text}</label>`;
  return `<li><strong>${esc(s.title)}</strong><span class="buttons">${radio('keep', 'Keep', chosen === 'KEPT')}${radio('drop', 'Drop', chosen === 'DROPPED')}${radio('', 'Undecided', !chosen)}</span></li>`;
}

export function reportNotesForm(
  report: PostIncidentReport,
  csrf: string | undefined,
  state: NotesFormState = savedState(report),
): string {
  const rows = [...state.actionItems];
  for (let i = 0; i < EMPTY_ROWS && rows.length < NOTES_LIMITS.actionItems; i++)
    rows.push({ text: '', owner: '', due: '' });
  const row = (r: NotesFormState['actionItems'][number], i: number) =>
    `<tr><td><input type="text" name="item.${i}.text" value="${esc(r.text)}" maxlength="${NOTES_LIMITS.text}" aria-label="Action item ${i + 1}"></td><td><input type="text" name="item.${i}.owner" value="${esc(r.owner)}" maxlength="${NOTES_LIMITS.owner}" aria-label="Owner of action item ${i + 1}"></td><td><input type="date" name="item.${i}.due" value="${esc(r.due)}" aria-label="Due date of action item ${i + 1}"></td></tr>`;
  const saved = report.notes?.updatedBy
    ? `<p class="muted">Last saved by ${esc(report.notes.updatedBy)}${report.notes.updatedAt ? ` at ${esc(report.notes.updatedAt.clock)}` : ''}.</p>`
    : '';
  return `<section id="report-notes" aria-labelledby="report-notes-title">
<h3 id="report-notes-title">Operators’ notes on the report</h3>
${saved}<form method="post" action="${esc(notesPath(report.incidentId))}">
${csrf ? `<input type="hidden" name="csrf" value="${esc(csrf)}">` : ''}<input type="hidden" name="version" value="${state.version}">
<label for="root-cause">Root cause beyond what was observed</label>
<textarea id="root-cause" name="rootCause" maxlength="${NOTES_LIMITS.rootCause}" rows="5">${esc(state.rootCause)}</textarea>
<h4>Action items</h4>
<table class="action-items"><thead><tr><th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>${rows.map(row).join('')}</tbody></table>
${report.suggestions.items.length ? `<h4>Suggested corrective measures</h4><ul class="suggestions">${report.suggestions.items.map((s) => suggestionRow(s, state.suggestions[s.id])).join('')}</ul>` : ''}
<div class="buttons"><button type="submit">Save the report notes</button></div>
<p class="muted">Saved with your name on the timeline.</p>
</form>
</section>`;
}

const CHOICES: Readonly<Record<string, SuggestionDecision | null>> = {
  keep: 'KEPT',
  drop: 'DROPPED',
  KEPT: 'KEPT',
  DROPPED: 'DROPPED',
  '': null,
};

const str = (v: unknown, path: string): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ValidationError('report notes', [{ path, message: 'must be text' }]);
  return v;
};

function versionOf(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ValidationError('report notes', [{ path: 'version', message: 'the version the notes were loaded at' }]);
  }
  return n;
}

/** The posted form (`item.<n>.text|owner|due`, `suggestion.<id>`) or JSON body (`actionItems`, `suggestions`). */
export function notesRequestOf(event: ConsoleEvent, raw: string): NotesRequest {
  const json = (header(event, 'content-type') ?? '').toLowerCase().includes('application/json');
  let fields: Record<string, unknown>;
  let rows: Record<string, unknown>[] | undefined;
  if (json) {
    let doc: unknown;
    try {
      doc = JSON.parse(raw || '{}');
    } catch {
      throw new ValidationError('request body', [{ path: '', message: 'not JSON' }]);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new ValidationError('request body', [{ path: '', message: 'must be an object' }]);
    }
    fields = doc as Record<string, unknown>;
    if (fields.actionItems !== undefined && !Array.isArray(fields.actionItems)) {
      throw new ValidationError('report notes', [{ path: 'actionItems', message: 'must be a list' }]);
    }
    rows = (fields.actionItems as unknown[] | undefined)?.map(
      (r) => (typeof r === 'object' && r ? r : {}) as Record<string, unknown>,
    );
    const s = fields.suggestions;
    fields = {
      ...fields,
      ...(typeof s === 'object' && s
        ? Object.fromEntries(Object.entries(s).map(([k, v]) => [`suggestion.${k}`, v ?? '']))
        : {}),
    };
  } else {
    const form = new URLSearchParams(raw);
    fields = Object.fromEntries(form.entries());
    const indexes = [...new Set([...form.keys()].flatMap((k) => /^item\.(\d{1,3})\./.exec(k)?.[1] ?? []))].map(Number);
    rows = indexes
      .sort((a, b) => a - b)
      .map((i) => ({
        text: form.get(`item.${i}.text`),
        owner: form.get(`item.${i}.owner`),
        due: form.get(`item.${i}.due`),
      }));
  }
  const typed = (rows ?? []).map((r, i) => ({
    text: str(r.text, `actionItems[${i}].text`),
    owner: str(r.owner, `actionItems[${i}].owner`),
    due: str(r.due, `actionItems[${i}].due`),
  }));
  // Rows left empty are the form's rows to add, not items.
  const filled = typed.filter((r) => r.text.trim() || r.owner.trim() || r.due.trim());
  const suggestions: Partial<Record<string, SuggestionDecision | null>> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!k.startsWith('suggestion.')) continue;
    const choice = CHOICES[str(v, k)];
    if (choice === undefined) throw new ValidationError('report notes', [{ path: k, message: 'must be keep or drop' }]);
    suggestions[k.slice('suggestion.'.length)] = choice;
  }
  const rootCause = fields.rootCause === undefined ? undefined : str(fields.rootCause, 'rootCause');
  const items: ActionItem[] = filled.map((r) => ({
    text: r.text,
    owner: r.owner,
    ...(r.due.trim() ? { due: r.due } : {}),
  }));
  const csrf = typeof fields.csrf === 'string' ? fields.csrf : undefined;
  return {
    ...(csrf ? { csrf } : {}),
    version: versionOf(fields.version),
    changes: {
      ...(rootCause !== undefined ? { rootCause } : {}),
      ...(rows !== undefined ? { actionItems: items } : {}),
      ...(Object.keys(suggestions).length ? { suggestions } : {}),
    },
    state: {
      version: 0,
      rootCause: rootCause ?? '',
      actionItems: filled,
      suggestions: Object.fromEntries(
        Object.entries(suggestions).filter((e): e is [string, SuggestionDecision] => !!e[1]),
      ),
    },
  };
}
