/** The report as Markdown: the post-mortem's sections, in its order. */
import type { PostIncidentReport } from './types';

const bullets = (lines: string[]) => lines.map((l) => `- ${l}`).join('\n');

/** Markdown special characters in text taken from the record. */
const md = (s: string) => s.replace(/([\\`*_[\]<>|])/g, '\\$1');

/** Text in a table cell: on one line. */
const cell = (s: string) => md(s).replace(/\s*\r?\n\s*/g, ' ');

/** Text an operator wrote, as paragraphs: a line never starts a heading, a list, a quote or a rule. */
const prose = (s: string) =>
  md(s)
    .replace(/^(\s*)([#>+=-])/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/gm, '$1\\$2');

export function reportMarkdown(r: PostIncidentReport): string {
  const out: string[] = [`# ${md(r.title)}`, ''];
  out.push(`Status: ${r.statusLabel} · Plan: ${r.planLabel} · Times in ${r.zone} · Incident ${md(r.incidentId)}`, '');
  out.push('## Incident Summary', '', md(r.summary), '');
  out.push(`## ${r.detection.title}`, '', bullets(r.detection.lines.map(md)), '');
  out.push(`## ${r.rootCause.title}`, '', bullets(r.rootCause.lines.map(md)), '');
  out.push(`## ${r.recovery.title}`, '', bullets(r.recovery.lines.map(md)), '');
  if (r.failure) out.push(`## ${r.failure.title}`, '', bullets(r.failure.lines.map(md)), '');
  out.push(`## ${r.impact.title}`, '', bullets(r.impact.lines.map(md)), '');
  if (r.group) out.push(`## ${r.group.title}`, '', bullets(r.group.lines.map(md)), '');
  out.push(`## ${r.communication.title}`, '');
  if (!r.communication.notices.length) out.push('No customer notice was sent.', '');
  for (const n of r.communication.notices) {
    out.push(`### ${n.time.clock}: ${md(n.stageLabel)}`, '', `**${md(n.subject)}**`, '');
    if (n.text) out.push(...n.text.split('\n').map((l) => `> ${md(l)}`), '');
  }
  out.push(`## ${r.timeline.title}`, '', '| Time | Event | What happened |', '| --- | --- | --- |');
  for (const e of r.timeline.events) out.push(`| ${e.time.clock} | ${cell(e.label)} | ${cell(e.text)} |`);
  out.push('', `## ${r.suggestions.title}`, '');
  if (!r.suggestions.items.length) out.push('The facts suggest no measure.', '');
  const by = (who?: string) => (who ? ` (kept by ${md(who)})` : '');
  for (const s of r.suggestions.items.filter((s) => s.decision !== 'DROPPED')) {
    const box = s.decision === 'KEPT' ? '[x]' : '[ ]';
    out.push(`- ${box} **Suggestion: ${md(s.title)}.** ${md(s.text)} _Because: ${md(s.because)}_${by(s.decidedBy)}`);
  }
  const dropped = r.suggestions.items.filter((s) => s.decision === 'DROPPED');
  if (dropped.length) {
    out.push('', 'Dropped:', '');
    for (const s of dropped) out.push(`- ~~${md(s.title)}~~${s.decidedBy ? ` (dropped by ${md(s.decidedBy)})` : ''}`);
  }
  out.push('');
  for (const s of r.operatorSections) {
    out.push(`## ${s.title}`, '');
    if (s.text) out.push(...s.text.split(/\n\s*\n/).flatMap((p) => [prose(p.trim()), '']));
    else if (s.items)
      out.push(...s.items.map((i) => `- ${md(i.text)} (owner: ${md(i.owner)}${i.due ? `, due ${i.due}` : ''})`), '');
    else out.push(`_${s.hint}_`, '', '');
  }
  if (r.notes?.updatedBy)
    out.push(
      `_Notes last saved by ${md(r.notes.updatedBy)}${r.notes.updatedAt ? ` at ${r.notes.updatedAt.full}` : ''}._`,
      '',
    );
  out.push(`_Drafted from the incident record at ${r.generatedAt}._`, '');
  return out.join('\n');
}

/** The report as JSON: the structure itself, stable field names. */
export function reportJson(r: PostIncidentReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
