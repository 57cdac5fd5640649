/**
 * GET /incidents/<id>/report: the incident's post-incident report, drafted
 * from its record as it is now. `?format=html` (the default: a page of its
 * own, no script), `md` (text/markdown, what `cache-outage report` prints) or
 * `json` (the report's structure, as the API answers); without `format`, an
 * `Accept: application/json` call gets JSON like every other route.
 */
import { ValidationError } from '../domain/errors';
import { incidentReport, renderReport, type IncidentReportDeps, type ReportFormat } from '../usecases/incident-report';
import { html, json, text, wantsJson, type ConsoleEvent, type ConsoleResult } from './http';

const FORMATS: readonly ReportFormat[] = ['md', 'html', 'json'];

/** The format asked for, or a ValidationError naming the ones there are. */
export function reportFormatOf(event: ConsoleEvent): ReportFormat {
  const asked = event.queryStringParameters?.format;
  if (asked === undefined || asked === '') return wantsJson(event) ? 'json' : 'html';
  const format = FORMATS.find((f) => f === asked.toLowerCase());
  if (!format) throw new ValidationError('report format', [{ path: 'format', message: 'must be md, html or json' }]);
  return format;
}

export async function reportRoute(
  deps: IncidentReportDeps,
  event: ConsoleEvent,
  incidentId: string,
): Promise<ConsoleResult> {
  const format = reportFormatOf(event);
  const report = await incidentReport(deps, incidentId);
  if (format === 'json') return json(200, report);
  const file = renderReport(report, format);
  return format === 'html' ? html(200, file.body) : text(200, file.body, file.contentType);
}
