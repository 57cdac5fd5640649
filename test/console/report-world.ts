/**
 * The post-mortem's incident (4:24 pm → 5:10 pm → 6:20 pm ET, four notices)
 * as the console reads it once closed, for the report's console and CLI tests.
 */
import { timeZoneOf } from '../../functions/domain/time-labels';
import { NOTICES, RESOLVED, restoredIncident, restoreTimeline } from '../domain/report/fixtures';
import { fakeWorld } from '../fakes';

export const ET = timeZoneOf('America/New_York');

export async function resolvedIncidentWorld() {
  const w = fakeWorld({ now: RESOLVED });
  const incident = restoredIncident();
  w.store.seedIncident({ ...incident, outageSeconds: 46 * 60, degradedSeconds: 70 * 60 } as typeof incident);
  for (const e of restoreTimeline()) await w.store.appendTimeline(incident.incidentId, e);
  for (const n of NOTICES) {
    w.clock.set(n.sentAt);
    await w.store.confirmNotice(incident.incidentId, n.stage, `m-${n.stage}`, { subject: n.subject, text: n.text });
  }
  w.clock.set(new Date(Date.parse(RESOLVED) + 60_000).toISOString());
  // An incident still open, for the link that waits until it ends.
  w.store.seedIncident({
    incidentId: 'sessions-20240216T212500Z',
    cacheId: 'sessions',
    status: 'OPEN',
    openedAt: '2024-02-16T21:25:00.000Z',
    executionName: 'sessions-20240216T212500Z',
  });
  return { ...w, timeZone: ET, incidentId: incident.incidentId };
}
