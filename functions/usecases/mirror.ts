/**
 * Mirror: one scheduled cycle for one cache's warm standby. Copies the keys of
 * the endpoint clients follow into the standby's primary, records the cycle,
 * publishes the standby's lag and tells the operators when cycles start
 * failing. A failed cycle is a result, not an error: the next cycle is the retry.
 */
import { mirrorRefusal, type Endpoint, type ProtectedCache } from '../domain/caches';
import { ConfigError } from '../domain/errors';
import type {
  CacheFleet,
  Clock,
  EndpointRecord,
  KeyspaceMirror,
  MetricValue,
  MetricsSink,
  MirrorCycle,
  MirrorRecords,
  MirrorStatus,
  Notifier,
  ReplicationGroupView,
  SecretReader,
} from '../ports';
import { authTokenFor, currentEndpoint, findCache } from './shared/protected-cache';

export interface MirrorDeps {
  mirror: KeyspaceMirror;
  records: MirrorRecords;
  fleet: CacheFleet;
  endpoints: EndpointRecord;
  secrets: SecretReader;
  metrics: MetricsSink;
  notifier: Notifier;
  clock: Clock;
  caches: readonly ProtectedCache[];
}

const sameEndpoint = (a: Endpoint, b: Endpoint | undefined): boolean =>
  b !== undefined && a.host === b.host && a.port === b.port;

/** The standby's primary to mirror into, or why this cycle cannot. */
type Target = { endpoint: Endpoint } | { outcome: 'failed' | 'skipped'; reason: string };

function targetOf(groupId: string, source: Endpoint, group: ReplicationGroupView | undefined): Target {
  if (!group) return { outcome: 'failed', reason: `the standby replication group ${groupId} does not exist` };
  const serving = [group.primaryEndpoint, ...group.members.map((m) => m.endpoint)].some((e) => sameEndpoint(source, e));
  if (serving) {
    return { outcome: 'skipped', reason: `clients follow the standby ${groupId}: there is nothing to mirror into` };
  }
  if (group.status !== 'available') {
    return { outcome: 'failed', reason: `the standby ${groupId} is ${group.status}, not available` };
  }
  if (!group.primaryEndpoint) return { outcome: 'failed', reason: `the standby ${groupId} has no primary endpoint` };
  return { endpoint: group.primaryEndpoint };
}

export async function mirrorCache(deps: MirrorDeps, input: { cacheId: string; deadline: Date }): Promise<MirrorCycle> {
  const cache = findCache(deps.caches, input.cacheId);
  const standby = cache.standby;
  if (!standby) throw new ConfigError(`cache ${cache.id} has no standby configured`);
  const startedAt = deps.clock.now();
  const base = { cacheId: cache.id, standbyReplicationGroupId: standby.replicationGroupId };

  let result: Pick<MirrorCycle, 'outcome' | 'reason' | 'pass'>;
  try {
    const source = await currentEndpoint(deps.endpoints, cache);
    const target = targetOf(
      standby.replicationGroupId,
      source,
      await deps.fleet.describeGroup(standby.replicationGroupId),
    );
    if ('outcome' in target) result = target;
    else {
      // The standby answers with the cache's own token (it is configured from the same parameter).
      const token = await authTokenFor(cache, deps.secrets);
      const pass = await deps.mirror.mirror(
        {
          source,
          target: target.endpoint,
          ...(token !== undefined ? { sourceAuthToken: token, targetAuthToken: token } : {}),
        },
        { deadline: input.deadline, refuse: mirrorRefusal },
      );
      result = { outcome: 'ok', pass: { ...pass, watermark: pass.watermark.toISOString() } };
    }
  } catch (err) {
    result = { outcome: 'failed', reason: (err as Error).message };
  }

  const finishedAt = deps.clock.now();
  const cycle: MirrorCycle = {
    ...base,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    ...result,
  };
  const status = await deps.records.recordMirrorCycle(cycle);
  publish(deps, cycle, status, finishedAt);
  // The operators hear when a standby that was in step stops being mirrored,
  // not every minute after; a standby never mirrored is the lag alarm's (missing data breaches).
  if (cycle.outcome === 'failed' && status.consecutiveFailures === 1 && status.lastSuccess) {
    await tellOperators(deps, cache, cycle, status);
  }
  return cycle;
}

/** Seconds from the last successful cycle's watermark to `now`; undefined when no cycle ever succeeded. */
export function mirrorLagSeconds(status: MirrorStatus | undefined, now: Date): number | undefined {
  const watermark = status?.lastSuccess?.pass?.watermark;
  return watermark === undefined ? undefined : Math.max(0, Math.round((now.getTime() - Date.parse(watermark)) / 1000));
}

function publish(deps: MirrorDeps, cycle: MirrorCycle, status: MirrorStatus, now: Date): void {
  // A skipped cycle publishes nothing: the standby serves the clients and no
  // longer has a standby of its own, which the lag alarm (missing data) says.
  if (cycle.outcome === 'skipped') return;
  const lag = mirrorLagSeconds(status, now);
  const metrics: MetricValue[] = [
    ...(lag !== undefined ? [{ name: 'MirrorLagSeconds', unit: 'Seconds' as const, value: lag }] : []),
    { name: 'MirrorSucceeded', unit: 'Count', value: cycle.outcome === 'ok' ? 1 : 0 },
    {
      name: 'MirrorDurationMs',
      unit: 'Milliseconds',
      value: Date.parse(cycle.finishedAt) - Date.parse(cycle.startedAt),
    },
    ...(cycle.pass ? [{ name: 'MirrorKeys', unit: 'Count' as const, value: cycle.pass.copied }] : []),
  ];
  deps.metrics.emit({ CacheId: cycle.cacheId }, metrics);
}

async function tellOperators(
  deps: MirrorDeps,
  cache: ProtectedCache,
  cycle: MirrorCycle,
  status: MirrorStatus,
): Promise<void> {
  const last = status.lastSuccess?.pass?.watermark;
  await deps.notifier.publishOperators({
    kind: 'mirror-failed',
    cacheId: cache.id,
    subject: `The standby of ${cache.displayName} (${cache.id}) is no longer mirrored`,
    text:
      `The mirror cycle into the standby ${cycle.standbyReplicationGroupId} failed: ${cycle.reason ?? 'unknown error'}. ` +
      `It holds the data of ${last ?? 'an unknown time'}; a cut-over to it writes back from the source of truth what changed since. ` +
      `The next cycles retry; the lag alarm follows. Customers are not told.`,
    facts: { standby: cycle.standbyReplicationGroupId, reason: cycle.reason, lastSuccessWatermark: last },
  });
}
