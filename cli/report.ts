/**
 * `cache-outage report <incident> --local` once the local stack has stopped:
 * a non-interactive drill stops its stack when it ends, and keeps the report
 * it drafted from the stack's record in .local/reports/<incident>.json. The
 * CLI prints that report, in the format asked for, rendered as the console
 * renders it, and says on stderr that it is the drill's copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PostIncidentReport } from '../functions/domain/report/types';
import { renderReport, type ReportFormat } from '../functions/usecases/incident-report';
import { CliError } from './operator-args';

/** An incident id as a file name: what is not a letter, digit, dot, dash or underscore becomes `_`. */
export function reportFileBase(incidentId: string): string {
  return incidentId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Where a drill keeps an incident's report, under a checkout's `.local/`. */
export function reportFile(root: string, incidentId: string, ext: 'json' | 'md' | 'html'): string {
  return path.join(root, '.local', 'reports', `${reportFileBase(incidentId)}.${ext}`);
}

export interface ArchivedReport {
  file: string;
  generatedAt: string;
  body: string;
}

/** The drill's copy of an incident's report, from the first of `roots` that holds one; undefined when none does. */
export function archivedReport(roots: string[], incidentId: string, format: ReportFormat): ArchivedReport | undefined {
  const file = roots.map((root) => reportFile(root, incidentId, 'json')).find((f) => existsSync(f));
  if (!file) return undefined;
  let report: PostIncidentReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as PostIncidentReport;
  } catch (err) {
    throw new CliError(`${file} is not a report: ${(err as Error).message}`);
  }
  if (report.incidentId !== incidentId) return undefined;
  return { file, generatedAt: report.generatedAt, body: renderReport(report, format).body };
}
