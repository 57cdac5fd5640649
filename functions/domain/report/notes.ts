/**
 * What operators add to a post-incident report: the root cause beyond what
 * was observed, the action items with their owners, and their decision on
 * each suggested measure. Saved whole, with a version that every save checks
 * and raises, so two operators editing at once never overwrite each other.
 * Pure: validation, the edit applied, and what an edit changed in words for
 * the incident's timeline.
 */
import { ValidationError, type ValidationIssue } from '../errors';

export type SuggestionDecision = 'KEPT' | 'DROPPED';

export interface ActionItem {
  text: string;
  owner: string;
  /** YYYY-MM-DD. */
  due?: string;
}

/**
 * One save, as the audit trail records it. Saved with the notes themselves,
 * so that the timeline entry written after the save can be written again by
 * a retry when it was lost.
 */
export interface NotesEdit {
  by: string;
  at: string;
  /** The version this save made. */
  version: number;
  /** What changed, in words. */
  changes: string[];
  /** The suggestions whose decision changed, and to what (null: undecided again). */
  suggestions: Record<string, SuggestionDecision | null>;
  /** The root cause before and after, when this save changed it. */
  rootCause?: { before: string; after: string };
}

export interface ReportNotes {
  rootCause: string;
  actionItems: ActionItem[];
  suggestions: Partial<Record<SuggestionId, SuggestionDecision>>;
  /** 0 before the first save; each save adds one. */
  version: number;
  updatedBy?: string;
  updatedAt?: string;
  lastEdit?: NotesEdit;
}

/** What one edit asks for: the fields given replace the saved ones; a suggestion set to null is undecided again. */
export interface ReportNotesChanges {
  rootCause?: string;
  actionItems?: ActionItem[];
  suggestions?: Partial<Record<string, SuggestionDecision | null>>;
}

export const NOTES_LIMITS = { rootCause: 8000, actionItems: 30, text: 500, owner: 100 } as const;

/** Every suggestion the report can make (./suggestions.ts), by id. */
export const SUGGESTION_IDS = [
  'multi-az',
  'global-datastore',
  'backup-interval',
  'approval-policy',
  'priority-kinds',
] as const;
export type SuggestionId = (typeof SUGGESTION_IDS)[number];

export const EMPTY_NOTES: Readonly<ReportNotes> = Object.freeze({
  rootCause: '',
  actionItems: [],
  suggestions: {},
  version: 0,
});

const isSuggestionId = (id: string): id is SuggestionId => (SUGGESTION_IDS as readonly string[]).includes(id);

/** Control characters (line breaks and tabs among them), but those `allowed`. */
function hasControl(s: string, allowed = ''): boolean {
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if ((c < 0x20 || c === 0x7f) && !allowed.includes(ch)) return true;
  }
  return false;
}

/** A real calendar day, written YYYY-MM-DD. */
export function isDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/**
 * The saved notes with the changes applied, trimmed: every bad field is named
 * in one ValidationError ("actionItems[2].owner: required").
 */
export function applyNotesChanges(
  saved: ReportNotes,
  changes: ReportNotesChanges,
  /** The suggestions the report makes: only those can be kept or dropped (any, when absent). */
  offered?: readonly string[],
): Pick<ReportNotes, 'rootCause' | 'actionItems' | 'suggestions'> {
  const issues: ValidationIssue[] = [];
  const rootCause = changes.rootCause === undefined ? saved.rootCause : changes.rootCause.trim();
  if (rootCause.length > NOTES_LIMITS.rootCause) {
    issues.push({ path: 'rootCause', message: `at most ${NOTES_LIMITS.rootCause} characters` });
  }
  if (hasControl(rootCause, '\n\r\t')) {
    issues.push({ path: 'rootCause', message: 'no control characters but line breaks and tabs' });
  }
  const actionItems = (changes.actionItems ?? saved.actionItems).map((item, i) => {
    const text = item.text.trim();
    const owner = item.owner.trim();
    const due = item.due?.trim();
    const at = `actionItems[${i}]`;
    if (!text) issues.push({ path: `${at}.text`, message: 'required' });
    if (hasControl(text)) issues.push({ path: `${at}.text`, message: 'one line, without control characters' });
    if (hasControl(owner)) issues.push({ path: `${at}.owner`, message: 'one line, without control characters' });
    if (text.length > NOTES_LIMITS.text)
      issues.push({ path: `${at}.text`, message: `at most ${NOTES_LIMITS.text} characters` });
    if (!owner) issues.push({ path: `${at}.owner`, message: 'required' });
    if (owner.length > NOTES_LIMITS.owner) {
      issues.push({ path: `${at}.owner`, message: `at most ${NOTES_LIMITS.owner} characters` });
    }
    if (due && !isDay(due)) issues.push({ path: `${at}.due`, message: 'a date, YYYY-MM-DD' });
    return { text, owner, ...(due ? { due } : {}) };
  });
  if (actionItems.length > NOTES_LIMITS.actionItems) {
    issues.push({ path: 'actionItems', message: `at most ${NOTES_LIMITS.actionItems} items` });
  }
  const suggestions = { ...saved.suggestions };
  for (const [id, decision] of Object.entries(changes.suggestions ?? {})) {
    if (!isSuggestionId(id)) {
      issues.push({ path: `suggestions.${id}`, message: `no such suggestion (${SUGGESTION_IDS.join(', ')})` });
    } else if (decision === null || decision === undefined) {
      delete suggestions[id];
    } else if ((decision === 'KEPT' || decision === 'DROPPED') && offered && !offered.includes(id)) {
      issues.push({ path: `suggestions.${id}`, message: 'the report does not suggest it' });
    } else if (decision === 'KEPT' || decision === 'DROPPED') {
      suggestions[id] = decision;
    } else {
      issues.push({ path: `suggestions.${id}`, message: 'must be KEPT or DROPPED' });
    }
  }
  if (issues.length) throw new ValidationError('report notes', issues);
  return { rootCause, actionItems, suggestions };
}

const itemWords = (a: ActionItem) => `${a.text} (owner ${a.owner}${a.due ? `, due ${a.due}` : ''})`;
const sameItem = (a: ActionItem, b: ActionItem) => a.text === b.text && a.owner === b.owner && a.due === b.due;

/**
 * What an edit changed, one phrase each, for the audit entry: "root cause
 * edited", "action item added: Enable Multi-AZ (owner ana)", "suggestion
 * kept: Add a replica …". `titles` names the suggestions (their id otherwise).
 */
export function describeNotesChange(
  before: Pick<ReportNotes, 'rootCause' | 'actionItems' | 'suggestions'>,
  after: Pick<ReportNotes, 'rootCause' | 'actionItems' | 'suggestions'>,
  titles: Partial<Record<string, string>> = {},
): string[] {
  const out: string[] = [];
  if (before.rootCause !== after.rootCause) {
    out.push(!before.rootCause ? 'root cause written' : !after.rootCause ? 'root cause cleared' : 'root cause edited');
  }
  const removed = before.actionItems.filter((b) => !after.actionItems.some((a) => sameItem(a, b)));
  const added = after.actionItems.filter((a) => !before.actionItems.some((b) => sameItem(a, b)));
  // An item whose text stayed but whose owner or date moved reads as changed, not as removed and added.
  for (const a of added) {
    const was = removed.findIndex((b) => b.text === a.text);
    if (was >= 0) {
      out.push(`action item changed: ${itemWords(a)}`);
      removed.splice(was, 1);
    } else {
      out.push(`action item added: ${itemWords(a)}`);
    }
  }
  for (const b of removed) out.push(`action item removed: ${itemWords(b)}`);
  for (const id of SUGGESTION_IDS) {
    const was = before.suggestions[id];
    const now = after.suggestions[id];
    if (was === now) continue;
    const title = titles[id] ?? id;
    out.push(
      now === 'KEPT'
        ? `suggestion kept: ${title}`
        : now === 'DROPPED'
          ? `suggestion dropped: ${title}`
          : `suggestion undecided: ${title}`,
    );
  }
  return out;
}
