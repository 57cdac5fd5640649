/**
 * The parts of the incident page below the decision: the facts an approval
 * was asked on, each approval's card, the redrive form, the timeline and the
 * notices. Every value in words: enum names go through the labels, unknown
 * fact keys read as words (the key itself on hover).
 */
import { FACT_LABELS, FACT_UNITS, humanize, planName } from '../domain/labels';
import type { ApprovalView, NoticeView, TimelineEventView } from '../usecases/incident-view';
import { decisionForm, decisionText } from './decision';
import type { IncidentView } from '../usecases/incident-view';
import { formatBytes, incidentHref, time, UTC_NOW, type TimeContext } from './format';
import { esc } from './layout';

type Fmt = (v: unknown, t: TimeContext) => string;

/** How a fact's value reads where plain text with its unit would not do. */
const FACT_FORMATS: Readonly<Record<string, Fmt>> = {
  plan: (v) => planName(String(v)),
  etaMinutes: (v) => `about ${String(v)} min`,
  backupSizeBytes: (v) => (typeof v === 'number' ? formatBytes(v) : String(v)),
};

const formatFact = (key: string, v: unknown, t: TimeContext): string => {
  const fmt = FACT_FORMATS[key];
  if (fmt) return fmt(v, t);
  const unit = FACT_UNITS[key];
  return unit ? `${String(v)} ${unit}` : factValue(v);
};

/** Facts whose value is HTML already (a time element). */
const TIME_FACTS = new Set(['standbyMirroredUpTo', 'backupTakenAt']);

function factValue(v: unknown): string {
  if (Array.isArray(v))
    return v
      .map((x) =>
        typeof x === 'object' && x !== null
          ? Object.values(x as Record<string, unknown>)
              .map(String)
              .join(': ')
          : String(x),
      )
      .join('; ');
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

export function factsList(facts: Record<string, unknown>, t: TimeContext = UTC_NOW()): string {
  const known = new Set(Object.keys(FACT_LABELS));
  const items = Object.entries(FACT_LABELS)
    .filter(([k]) => facts[k] !== undefined)
    .map(([k, label]) => {
      const value =
        TIME_FACTS.has(k) && typeof facts[k] === 'string' ? time(facts[k], t) : esc(formatFact(k, facts[k], t));
      return `<dt>${esc(label)}</dt><dd>${value}</dd>`;
    });
  if (!('replicaLagSeconds' in facts) && facts.plan === 'PROMOTE_REPLICA')
    items.push('<dt>Replica lag</dt><dd>not reported</dd>');
  for (const [k, v] of Object.entries(facts)) {
    if (!known.has(k) && v !== undefined)
      items.push(`<dt title="${esc(k)}">${esc(humanize(k))}</dt><dd>${esc(factValue(v))}</dd>`);
  }
  return `<dl class="facts">${items.join('')}</dl>`;
}

export function approvalSection(
  view: IncidentView,
  a: ApprovalView,
  csrf: string | undefined,
  t: TimeContext,
  decidedAbove: boolean,
): string {
  const id = `approval-${esc(a.step)}-title`;
  const heading = `<h3 id="${id}">${esc(a.stepLabel)}: <span class="${esc(a.status)}">${esc(a.statusLabel)}</span></h3>`;
  if (a.status !== 'PENDING') {
    return `<section class="approval settled" aria-labelledby="${id}">${heading}
<p>${decisionText(view, a, t)}</p>
${factsList(a.facts, t)}
</section>`;
  }
  return `<section class="approval" aria-labelledby="${id}" data-pending="${esc(a.step)}">${heading}
<p class="muted">Requested ${time(a.requestedAt, t)}. The workflow waits for one decision${decidedAbove ? ' (decide at the top of the page)' : ''}.</p>
${factsList(a.facts, t)}
${decidedAbove ? '' : decisionForm(view.incident.incidentId, a, csrf)}
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

const clockOf = (e: { at: string; clock: string; title: string }) =>
  `<time datetime="${esc(e.at)}" title="${esc(e.title)}">${esc(e.clock)}</time>`;

export function timelineItems(events: TimelineEventView[]): string {
  return events.map((e) => `<li>${clockOf(e)}<span class="type">${esc(e.label)}</span>${esc(e.text)}</li>`).join('\n');
}

export function noticeItems(notices: NoticeView[]): string {
  return notices
    .map((n) => `<li>${clockOf(n)}<span class="type">${esc(n.stageLabel)}</span>${esc(n.message)}</li>`)
    .join('\n');
}
