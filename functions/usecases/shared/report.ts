/**
 * Drafts an incident's post-incident report and stores it in every format.
 * Storing it is a by-product of the step that calls this: a failure is noted
 * on the timeline and returned, never thrown.
 */
import type { PostIncidentReport } from '../../domain/report/types';
import type { ReportArchive } from '../../ports';
import { incidentReport, renderReport, type IncidentReportDeps, type ReportFormat } from '../incident-report';
import { addTimeline } from './timeline';

export interface ReportDeps extends IncidentReportDeps {
  reports?: ReportArchive;
}

/** What became of the report: stored where, or why not. */
export type DraftedReport = { stored: true; location: string } | { stored: false; error: string };

const FORMATS: ReportFormat[] = ['md', 'html', 'json'];

/** What became of the report (undefined: no archive configured), and the report when it could be drafted. */
export interface Drafted {
  storage?: DraftedReport;
  report?: PostIncidentReport;
}

/**
 * Drafts and stores the report. Without an archive nothing is drafted, unless `forMessage` asks for the
 * report itself (to quote it to the operators).
 */
export async function draftReport(deps: ReportDeps, incidentId: string, forMessage = false): Promise<Drafted> {
  const archive = deps.reports;
  if (!archive && !forMessage) return {};
  let report: PostIncidentReport | undefined;
  try {
    report = await incidentReport(deps, incidentId);
    if (!archive) return { report };
    const { location } = await archive.storeReport(
      incidentId,
      FORMATS.map((f) => renderReport(report as PostIncidentReport, f)),
    );
    await addTimeline(deps, incidentId, 'REPORT_DRAFTED', `post-incident report stored at ${location}`, {
      stored: true,
      location,
    });
    return { storage: { stored: true, location }, report };
  } catch (err) {
    if (!archive) return {};
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await addTimeline(deps, incidentId, 'REPORT_DRAFTED', `post-incident report not stored: ${error}`, {
      stored: false,
      error,
    }).catch(() => undefined);
    return { storage: { stored: false, error }, ...(report ? { report } : {}) };
  }
}
