/** Where post-incident reports are kept once drafted. */

/** One rendering of a report. */
export interface ReportFile {
  /** `report.md`, `report.html`, `report.json`. */
  name: string;
  contentType: string;
  body: string;
}

export interface ReportArchive {
  /** Stores the renderings of the incident's report, replacing earlier ones; where they now are. */
  storeReport(incidentId: string, files: ReportFile[]): Promise<{ location: string }>;
  /** Where the incident's report is (or will be) stored, known before it is. */
  locationOf(incidentId: string): string;
}
