/**
 * Check Cache: one poll of the promoted, standby or replacement group. Ready when
 * ElastiCache reports it available and its primary endpoint answers PING;
 * fails fast when ElastiCache gave up, and after `maxPolls` polls.
 */
import type { ProtectedCache } from '../domain/caches';
import { CacheProvisioningFailedError, CacheWaitTimeoutError } from '../domain/errors';
import type { CheckCacheInput, RecoveryProgress } from '../domain/steps';
import { describeEndpoint } from '../domain/endpoints';
import type { CacheFleet, CacheProbe, Clock, SecretReader, Timeline } from '../ports';
import { pingWithRetry } from './shared/ping';
import { authTokenFor, findCache } from './shared/protected-cache';
import { addTimeline } from './shared/timeline';

export interface CheckCacheDeps {
  store: Timeline;
  fleet: CacheFleet;
  probe: CacheProbe;
  secrets: SecretReader;
  clock: Clock;
  caches: readonly ProtectedCache[];
  probeTimeoutMs: number;
}

/** ElastiCache statuses from which the group will not become available by itself. */
export const FAILED_STATUSES = ['create-failed', 'restore-failed', 'deleted', 'deleting', 'missing'] as const;
const EVENTS_WINDOW_MINUTES = 120;
const EVENTS_IN_MESSAGE = 5;

export async function checkCache(deps: CheckCacheDeps, input: CheckCacheInput): Promise<RecoveryProgress> {
  const { recovery, incidentId } = input;
  const id = recovery.replicationGroupId;
  const polls = recovery.polls + 1;
  // The group lives in recovery.region when set (a Global Datastore secondary): only that region's API knows it.
  const group = await deps.fleet.describeGroup(id, recovery.region);
  const status = group?.status ?? 'missing';

  if ((FAILED_STATUSES as readonly string[]).includes(status)) {
    throw new CacheProvisioningFailedError(
      `replication group ${id} is ${status}${await lastEvents(deps.fleet, id, recovery.region)}`,
    );
  }
  if (status === 'available' && group?.primaryEndpoint) {
    const cache = findCache(deps.caches, input.cacheId);
    const authToken = await authTokenFor(cache, deps.secrets);
    const ping = await pingWithRetry(
      deps.probe,
      group.primaryEndpoint,
      { timeoutMs: deps.probeTimeoutMs, authToken },
      1,
    );
    if (ping.ok) {
      const availableAt = deps.clock.now().toISOString();
      await addTimeline(
        deps,
        incidentId,
        'CACHE_AVAILABLE',
        `${id} is available at ${describeEndpoint(group.primaryEndpoint)}`,
        {
          replicationGroupId: id,
          polls,
          latencyMs: ping.latencyMs,
        },
      );
      return { ...recovery, polls, status, ready: true, endpoint: group.primaryEndpoint, availableAt };
    }
  }
  if (polls >= input.maxPolls) {
    const waitingFor =
      recovery.awaiting === 'automatic-failover' ? ", waiting for ElastiCache's automatic failover" : '';
    throw new CacheWaitTimeoutError(
      `replication group ${id} was not ready after ${polls} polls (status ${status}${waitingFor})${await lastEvents(deps.fleet, id, recovery.region)}`,
    );
  }
  return { ...recovery, polls, status, ready: false };
}

async function lastEvents(fleet: CacheFleet, id: string, region: string | undefined): Promise<string> {
  try {
    const events = [...(await fleet.recentEvents(id, EVENTS_WINDOW_MINUTES, region))]
      .sort((a, b) => a.at.localeCompare(b.at))
      .slice(-EVENTS_IN_MESSAGE);
    return events.length ? `; last events: ${events.map((e) => `${e.at} ${e.message}`).join(' | ')}` : '';
  } catch {
    return '';
  }
}
