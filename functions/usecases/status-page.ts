/**
 * The public status page: the service's current state and its notices, from
 * the projection the notifying steps write (one item; never an incident's).
 * Only what customers were told: no incident, group, cache or endpoint.
 */
import { publicStatus, type PublicStatus } from '../domain/status-page';
import type { StatusPageReader } from '../ports';

export interface StatusPageDeps {
  statusPage: StatusPageReader;
  notices: { serviceName: string; supportContact: string };
}

export interface StatusView extends PublicStatus {
  supportContact: string;
}

export async function readStatus(deps: StatusPageDeps): Promise<StatusView> {
  const service = deps.notices.serviceName;
  const page = await deps.statusPage.statusPage(service);
  return { ...publicStatus(service, page), supportContact: deps.notices.supportContact };
}
