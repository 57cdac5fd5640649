/**
 * Reliability over time (`GET /stats`, `cache-outage stats`): the incidents
 * opened in a window, newest first and at most STATS_LIMIT of them, measured
 * per cache and overall (see ../domain/stats.ts). Reads the incident list and,
 * for each incident that was not a false alarm, its timeline (when the recovery
 * plan started, whether an operator was asked), a few at a time.
 */
import type { Incident } from '../domain/incident';
import { factsOf, reliabilityOf, sinceOf, type IncidentFacts, type Reliability } from '../domain/stats';
import type { Clock, IncidentRecords, Timeline } from '../ports';

/** The most incidents one review reads: the newest of the window. */
export const STATS_LIMIT = 500;
/** Timelines read at once. */
const CONCURRENCY = 8;

export interface ReliabilityStatsDeps {
  store: Pick<IncidentRecords, 'listIncidents'> & Pick<Timeline, 'timeline'>;
  clock: Clock;
}

/**
 * The console's JSON (`GET /stats?since=90d` with `Accept: application/json`):
 * the window, how much of it was read, and the lines of ../domain/stats.ts.
 */
export interface ReliabilityStats extends Reliability {
  since: string;
  until: string;
  /** Incidents counted, false alarms included. */
  counted: number;
  /** The most incidents read. */
  limit: number;
  /** More incidents opened in the window than `limit`: only the newest were counted, from `countedFrom` on. */
  truncated: boolean;
  /** The oldest incident counted opened then. */
  countedFrom?: string;
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return out;
}

export async function reliabilityStats(
  deps: ReliabilityStatsDeps,
  request: { since?: string } = {},
): Promise<ReliabilityStats> {
  const now = deps.clock.now();
  const since = sinceOf(request.since, now);
  // One more than the limit: whether the window holds more than was counted.
  const listed = await deps.store.listIncidents(STATS_LIMIT + 1);
  const inWindow = listed.filter((i) => Date.parse(i.openedAt) >= since.getTime());
  const counted = inWindow.slice(0, STATS_LIMIT);
  const facts = await inBatches(counted, CONCURRENCY, async (incident: Incident): Promise<IncidentFacts> => {
    // A false alarm is only counted: its timeline holds nothing measured.
    const timeline = incident.status === 'FALSE_ALARM' ? [] : await deps.store.timeline(incident.incidentId);
    return factsOf(incident, timeline);
  });
  const oldest = counted[counted.length - 1];
  return {
    since: since.toISOString(),
    until: now.toISOString(),
    counted: counted.length,
    limit: STATS_LIMIT,
    truncated: inWindow.length > STATS_LIMIT,
    ...(oldest ? { countedFrom: oldest.openedAt } : {}),
    ...reliabilityOf(facts),
  };
}
