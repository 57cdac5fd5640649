/** The reports bucket in memory: what was stored per incident, under `base`; `refuse` makes every store throw it. */
import type { ReportArchive, ReportFile } from '../../functions/ports';

export class FakeReportArchive implements ReportArchive {
  readonly stored = new Map<string, ReportFile[]>();

  constructor(private readonly options: { refuse?: Error; base?: string } = {}) {}

  async storeReport(incidentId: string, files: ReportFile[]): Promise<{ location: string }> {
    if (this.options.refuse) throw this.options.refuse;
    this.stored.set(incidentId, files);
    return { location: this.locationOf(incidentId) };
  }

  locationOf(incidentId: string): string {
    return `${this.options.base ?? 'memory://reports'}/${incidentId}/`;
  }
}
