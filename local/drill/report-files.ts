/**
 * The drill's post-incident report: drafted from the stack's incidents table
 * with the same use case as the console and Close Incident, in the operators'
 * zone, written to .local/reports/<incident>.md, .html and .json, and its summary and
 * impact lines printed as the drill's last progress lines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDbIncidentStore, documentClient } from '../../functions/adapters/dynamodb-incident-store';
import { timeZoneOf } from '../../functions/domain/time-labels';
import { incidentReport, renderReport } from '../../functions/usecases/incident-report';
import { reportFile } from '../../cli/report';
import type { LocalStack } from '../stack';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Where the drill writes an incident's report: Markdown and HTML to read, and
 * JSON, which `cache-outage report <incident> --local` prints once the stack
 * has stopped.
 */
export function drillReportFiles(incidentId: string): { md: string; html: string; json: string } {
  return {
    md: reportFile(ROOT, incidentId, 'md'),
    html: reportFile(ROOT, incidentId, 'html'),
    json: reportFile(ROOT, incidentId, 'json'),
  };
}

/** Writes the report and logs its summary and impact; a failure is logged, never thrown (the drill's own checks decide). */
export async function writeDrillReport(
  stack: LocalStack,
  incidentId: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (!incidentId) return;
  try {
    const store = new DynamoDbIncidentStore({
      tableName: stack.description.tables.incidents,
      client: documentClient(stack.clients.dynamodb),
    });
    const report = await incidentReport(
      { store, clock: { now: () => new Date() }, timeZone: timeZoneOf(stack.environment.OPERATOR_TIME_ZONE) },
      incidentId,
    );
    const files = drillReportFiles(incidentId);
    await mkdir(path.dirname(files.md), { recursive: true });
    for (const format of ['md', 'html', 'json'] as const)
      await writeFile(files[format], renderReport(report, format).body);
    log(`📝 ${report.summary}`);
    for (const line of report.impact.lines) log(`   ${line}`);
    log(`   post-incident report: ${path.relative(process.cwd(), files.md)} (and .html)`);
    log(`   print it: npx cache-outage report ${incidentId} --local`);
  } catch (err) {
    log(`  ✖ post-incident report not written: ${(err as Error).message}`);
  }
}
