/**
 * Drafts an incident's post-incident report and stores it in every format.
 * Storing it is a by-product of the step that calls this: a failure is noted
 * on the timeline and returned, never thrown.
 */
import type { ReportArchive } from '../../ports';
import { incidentReport, renderReport, type IncidentReportDeps, type ReportFormat } from '../incident-report';
import { addTimeline } from './timeline';

export interface ReportDeps extends IncidentReportDeps {
  reports?: ReportArchive;
}

/** What became of the report: stored where, or why not. */
export type DraftedReport = { stored: true; location: string } | { stored: false; error: string };

const FORMATS: ReportFormat[] = ['md', 'html', 'json'];

export async function draftReport(deps: ReportDeps, incidentId: string): Promise<DraftedReport | undefined> {
  const archive = deps.reports;
  if (!archive) return undefined;
  try {
    const report = await incidentReport(deps, incidentId);
    const { location } = await archive.storeReport(
      incidentId,
      FORMATS.map((f) => renderReport(report, f)),
    );
    await addTimeline(deps, incidentId, 'REPORT_DRAFTED', `post-incident report stored at ${location}`, {
      stored: true,
      location,
    });
    return { stored: true, location };
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await addTimeline(deps, incidentId, 'REPORT_DRAFTED', `post-incident report not stored: ${error}`, {
      stored: false,
      error,
    }).catch(() => undefined);
    return { stored: false, error };
  }
}
