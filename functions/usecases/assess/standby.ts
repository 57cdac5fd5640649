/**
 * The warm standby as Assess sees it. It is usable when ElastiCache reports its
 * group available, clients do not already use it, its primary answers PING
 * with the cache's AUTH token, and a mirror cycle into it completed; otherwise
 * the reason it is not goes into the assessment.
 */
import type { Endpoint, ProtectedCache } from '../../domain/caches';
import { describeEndpoint } from '../../domain/endpoints';
import type { AssessmentFacts } from '../../domain/recovery';
import type { CacheFleet, CacheProbe, MirrorRecords } from '../../ports';
import { pingWithRetry } from '../shared/ping';

export interface StandbyDeps {
  fleet: CacheFleet;
  probe: CacheProbe;
  mirrorRecords: Pick<MirrorRecords, 'mirrorStatus'>;
}

const STANDBY_PING_TRIES = 2;

export async function standbyFacts(
  deps: StandbyDeps,
  cache: ProtectedCache,
  followed: Endpoint,
  pingOpts: { timeoutMs: number; authToken?: string | undefined },
  now: Date,
): Promise<Pick<AssessmentFacts, 'standby' | 'rejectedStandby'>> {
  if (!cache.standby) return {};
  const replicationGroupId = cache.standby.replicationGroupId;
  const notUsed = (reason: string) => ({ rejectedStandby: { replicationGroupId, reason } });

  const group = await deps.fleet.describeGroup(replicationGroupId);
  if (!group) return notUsed('ElastiCache has no replication group of that id');
  if (group.status !== 'available') return notUsed(`its replication group is ${group.status}, not available`);
  const endpoint = group.primaryEndpoint;
  if (!endpoint) return notUsed('its replication group reports no primary endpoint');
  // After an earlier cut-over the standby is the cache clients use, the one that failed: no standby any more.
  if (endpoint.host === followed.host && endpoint.port === followed.port) {
    return notUsed(`clients already use it (the endpoint record points at ${describeEndpoint(endpoint)})`);
  }
  const ping = await pingWithRetry(deps.probe, endpoint, pingOpts, STANDBY_PING_TRIES);
  if (!ping.ok) return notUsed(`its primary ${describeEndpoint(endpoint)} does not answer PING: ${ping.error}`);

  const last = (await deps.mirrorRecords.mirrorStatus(cache.id))?.lastSuccess;
  if (!last) return notUsed('no mirror cycle into it ever completed: it holds none of the cache data');
  if (last.standbyReplicationGroupId !== replicationGroupId) {
    return notUsed(`the last completed mirror cycle went into ${last.standbyReplicationGroupId}, not into it`);
  }
  const watermark = new Date(last.pass?.watermark ?? last.startedAt);
  const lagSeconds = Math.max(0, Math.round((now.getTime() - watermark.getTime()) / 1000));
  return { standby: { replicationGroupId, endpoint, watermark: watermark.toISOString(), lagSeconds } };
}
