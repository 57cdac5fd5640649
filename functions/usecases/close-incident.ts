/**
 * Close Incident: marks the incident resolved, computes how long clients
 * were without the cache (outage) and with it but incomplete (degraded),
 * records the measured recovery for future ETAs and releases the cache's
 * open-incident lock. Running it again changes nothing. Then it drafts the
 * post-incident report and stores it, and tells the operators the cache is
 * back, with the report (once; for a provider outage, once its last cache
 * closed). A report that cannot be stored or a message that cannot be sent
 * is noted on the timeline and never fails the close.
 */
import { IncidentNotFoundError } from '../domain/errors';
import { durationsOf } from '../domain/incident';
import type { CloseInput, CloseOutput } from '../domain/steps';
import type { IncidentLocks, GroupStore } from '../ports';
import { markGroupMember } from './shared/group';
import { tellOperatorsResolved, type OperatorsResolvedDeps } from './shared/operators-resolved';
import { draftReport, type ReportDeps } from './shared/report';
import { addTimeline } from './shared/timeline';

/** The store, the clock, where the drafted report is stored (no report without it), and the operators' topic. */
export interface CloseIncidentDeps extends ReportDeps, Omit<OperatorsResolvedDeps, 'store'> {
  store: ReportDeps['store'] & OperatorsResolvedDeps['store'] & IncidentLocks & GroupStore;
}

export async function closeIncident(deps: CloseIncidentDeps, input: CloseInput): Promise<CloseOutput> {
  const { incidentId, cacheId, plan } = input;
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
  const timeline = await deps.store.timeline(incidentId);

  const resolvedAt = incident.resolvedAt ?? deps.clock.now().toISOString();
  const restoredAt = incident.restoredAt ?? (plan === 'RECOVERED' ? resolvedAt : undefined);
  const durations = durationsOf({ openedAt: incident.openedAt, restoredAt, resolvedAt });

  // Every plan that recovered the cache onto something else is measured, for its next ETA.
  if (plan !== 'RECOVERED' && plan !== 'ESCALATE') {
    const assessed = [...timeline].reverse().find((e) => e.type === 'ASSESSED');
    const backup = assessed?.detail?.backup as { sizeBytes?: unknown } | undefined;
    await deps.store.recordRecovery({
      plan,
      seconds: durations.outageSeconds ?? 0,
      ...(plan === 'PROVISION_FROM_BACKUP' && typeof backup?.sizeBytes === 'number'
        ? { backupSizeBytes: backup.sizeBytes }
        : {}),
      incidentId,
      at: restoredAt ?? resolvedAt,
    });
  }
  await deps.store.updateIncident(incidentId, {
    status: 'RESOLVED',
    resolvedAt,
    ...(restoredAt ? { restoredAt } : {}),
    ...durations,
  });
  // Before the lock goes: until Confirm Outage copied the group onto the record, the lock names it.
  const group = await markGroupMember(deps.store, incident, 'RESOLVED');
  await deps.store.releaseOpenLock(cacheId, incidentId);
  if (!timeline.some((e) => e.type === 'RESOLVED')) {
    await addTimeline(deps, incidentId, 'RESOLVED', resolvedMessage(durations), { plan, ...durations });
  }
  const drafted = await draftReport(deps, incidentId, true);
  await tellOperatorsResolved(deps, { incidentId, cacheId, ...durations, drafted }, group);
  return { status: 'RESOLVED', ...durations, ...(drafted.storage ? { report: drafted.storage } : {}) };
}

function resolvedMessage(d: ReturnType<typeof durationsOf>): string {
  const parts = [
    d.outageSeconds !== undefined ? `outage ${minutes(d.outageSeconds)}` : undefined,
    d.degradedSeconds !== undefined ? `degraded ${minutes(d.degradedSeconds)}` : undefined,
  ].filter(Boolean);
  return `incident resolved${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

function minutes(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
