/**
 * The report as one self-contained HTML page: no script, no external
 * resource, light and dark colour schemes, the time bar as inline SVG.
 */
import { esc, timeBarSvg } from './svg';
import type { OperatorSection, PostIncidentReport, ReportSection } from './types';

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#151b23;--line:#3d444d;--accent:#4493f8}
.seg-outage{fill:#f85149}.seg-degraded{fill:#d29922}.seg-resolved{fill:#3fb950}.mark-notice path{fill:#4493f8}}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.2rem;margin-top:2rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
.meta,.hint,.because{color:var(--muted)}
.summary{font-size:1.05rem}
figure{margin:1rem 0;padding:.75rem;background:var(--card);border:1px solid var(--line);border-radius:8px;color:var(--fg)}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
td.time{white-space:nowrap;font-variant-numeric:tabular-nums}
.notice{border-left:3px solid var(--accent);padding:.25rem .75rem;margin:.75rem 0;background:var(--card)}
.notice p{margin:.25rem 0;white-space:pre-wrap}
.suggestion{margin:.5rem 0}
.suggestion.kept .choice{font-weight:600;color:var(--accent)}
.written{white-space:pre-wrap}
.blank{min-height:4rem;border:1px dashed var(--line);border-radius:8px;padding:.5rem .75rem}
`;

const list = (s: ReportSection) =>
  `<h2>${esc(s.title)}</h2><ul>${s.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;

function suggestionsHtml(r: PostIncidentReport): string {
  const one = (s: PostIncidentReport['suggestions']['items'][number]) =>
    `<div class="suggestion${s.decision === 'KEPT' ? ' kept' : ''}"><p>${s.decision === 'KEPT' ? '<span class="choice">✓ Kept</span> ' : ''}<strong>Suggestion: ${esc(s.title)}.</strong> ${esc(s.text)}</p><p class="because">Because: ${esc(s.because)}${s.decision === 'KEPT' && s.decidedBy ? ` · kept by ${esc(s.decidedBy)}` : ''}</p></div>`;
  const dropped = r.suggestions.items.filter((s) => s.decision === 'DROPPED');
  return [
    ...r.suggestions.items.filter((s) => s.decision !== 'DROPPED').map(one),
    ...(dropped.length
      ? [
          `<p class="dropped-title">Dropped:</p><ul class="dropped">${dropped
            .map(
              (s) =>
                `<li><s>${esc(s.title)}</s>${s.decidedBy ? ` <span class="because">(dropped by ${esc(s.decidedBy)})</span>` : ''}</li>`,
            )
            .join('')}</ul>`,
        ]
      : []),
  ].join('');
}

function operatorSectionHtml(s: OperatorSection): string {
  if (s.text) {
    return s.text
      .split(/\n\s*\n/)
      .map((p) => `<p class="written">${esc(p.trim())}</p>`)
      .join('');
  }
  if (s.items) {
    return `<table class="action-items"><thead><tr><th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>${s.items
      .map((i) => `<tr><td>${esc(i.text)}</td><td>${esc(i.owner)}</td><td class="time">${esc(i.due ?? '')}</td></tr>`)
      .join('')}</tbody></table>`;
  }
  return `<div class="blank"><p class="hint">${esc(s.hint)}</p></div>`;
}

export function reportHtml(r: PostIncidentReport): string {
  const body: string[] = [
    `<h1>${esc(r.title)}</h1>`,
    `<p class="meta">${esc(r.statusLabel)} · ${esc(r.planLabel)} · times in ${esc(r.zone)} · incident <code>${esc(r.incidentId)}</code></p>`,
    `<figure>${timeBarSvg(r.bar)}</figure>`,
    `<h2>Incident Summary</h2><p class="summary">${esc(r.summary)}</p>`,
    list(r.detection),
    list(r.rootCause),
    list(r.recovery),
    ...(r.failure ? [list(r.failure)] : []),
    list(r.impact),
    ...(r.group ? [list(r.group)] : []),
    `<h2>${esc(r.communication.title)}</h2>`,
    r.communication.notices.length
      ? r.communication.notices
          .map(
            (n) =>
              `<div class="notice"><p><strong>${esc(n.time.clock)}</strong> · ${esc(n.stageLabel)}</p><p><strong>${esc(n.subject)}</strong></p>${n.text ? `<p>${esc(n.text)}</p>` : ''}</div>`,
          )
          .join('')
      : '<p>No customer notice was sent.</p>',
    `<h2>${esc(r.timeline.title)}</h2><table><thead><tr><th>Time</th><th>Event</th><th>What happened</th></tr></thead><tbody>${r.timeline.events
      .map(
        (e) =>
          `<tr><td class="time" title="${esc(e.time.full)}">${esc(e.time.clock)}</td><td>${esc(e.label)}</td><td>${esc(e.text)}</td></tr>`,
      )
      .join('')}</tbody></table>`,
    `<h2>${esc(r.suggestions.title)}</h2>`,
    r.suggestions.items.length ? suggestionsHtml(r) : '<p>The facts suggest no measure.</p>',
    ...r.operatorSections.map((s) => `<h2>${esc(s.title)}</h2>${operatorSectionHtml(s)}`),
    ...(r.notes?.updatedBy
      ? [
          `<p class="meta">Notes last saved by ${esc(r.notes.updatedBy)}${r.notes.updatedAt ? ` at ${esc(r.notes.updatedAt.full)}` : ''}.</p>`,
        ]
      : []),
    `<p class="meta">Drafted from the incident record at ${esc(r.generatedAt)}.</p>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${esc(r.title)}</title><style>${STYLE}</style></head>
<body><main>${body.join('\n')}</main></body></html>
`;
}
