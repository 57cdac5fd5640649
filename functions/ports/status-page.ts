/** The public status page's projection: written when a customer notice is sent, read by the status page. */
import type { SentNotice, StatusPage } from '../domain/status-page';

export interface StatusPageWriter {
  /** Adds a sent notice to the service's page (a notice of a stage its event already has changes nothing). */
  recordNotice(service: string, notice: SentNotice): Promise<void>;
}

export interface StatusPageReader {
  /** The service's page; undefined before its first notice. */
  statusPage(service: string): Promise<StatusPage | undefined>;
}

export type StatusPages = StatusPageWriter & StatusPageReader;
