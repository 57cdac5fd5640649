/**
 * The drill's post-incident report: drafted from the stack's incidents table
 * with the same use case as the console and Close Incident, in the operators'
 * zone, written to .local/reports/<incident>.md and .html, and its summary and
 * impact lines printed as the drill's last progress lines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDbIncidentStore, documentClient } from '../../functions/adapters/dynamodb-incident-store';
import { timeZoneOf } from '../../functions/domain/time-labels';
import { incidentReport, renderReport } from '../../functions/usecases/incident-report';
import type { LocalStack } from '../stack';

const REPORTS_DIR = path.resolve(__dirname, '..', '..', '.local', 'reports');

/** Where the drill writes an incident's report. */
export function drillReportFiles(incidentId: string): { md: string; html: string } {
  const base = path.join(REPORTS_DIR, incidentId.replace(/[^A-Za-z0-9._-]/g, '_'));
  return { md: `${base}.md`, html: `${base}.html` };
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
    await mkdir(REPORTS_DIR, { recursive: true });
    await writeFile(files.md, renderReport(report, 'md').body);
    await writeFile(files.html, renderReport(report, 'html').body);
    log(`📝 ${report.summary}`);
    for (const line of report.impact.lines) log(`   ${line}`);
    log(`   post-incident report: ${path.relative(process.cwd(), files.md)} (and .html)`);
  } catch (err) {
    log(`  ✖ post-incident report not written: ${(err as Error).message}`);
  }
}
