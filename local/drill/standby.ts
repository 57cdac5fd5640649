/**
 * The warm-standby drills: the standby is a local ElastiCache replication
 * group the drill creates (as an operator would provision one), the stack's
 * scheduled `mirror` function keeps it close to the provider's cache, and in
 * standby-stale the mirror's schedule stops before the outage.
 */
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import { DynamoDbMirrorRecords } from '../../functions/adapters/dynamodb/mirror';
import type { Endpoint, ProtectedCache } from '../../functions/domain/caches';
import type { TimelineEvent } from '../../functions/domain/incident';
import type { MirrorCycle } from '../../functions/ports';
import type { LocalStack } from '../stack';
import type { Scenario } from './scenarios';

/** The standby's replication group in the drill. */
export const STANDBY_GROUP = 'accounts-standby';

/** Scenarios with a warm standby. */
export function hasStandby(scenario: Scenario): boolean {
  return scenario === 'standby' || scenario === 'standby-stale';
}

/**
 * How long the mirror has been stopped when the provider dies in
 * standby-stale, in the stack's scaled minutes: an hour.
 */
export const STALE_MINUTES = 60;

/**
 * standby-stale scales the schedules so that an hour of a stopped mirror
 * passes in 15 s; the other drills keep the alarms' scale.
 */
export function standbyTimeScale(scenario: Scenario): number | undefined {
  return scenario === 'standby-stale' ? 1 / 240 : undefined;
}

/**
 * The standby configuration of the protected cache: a cycle every minute; in
 * standby-stale every 5 minutes, so that on its faster scale (a minute in
 * 250 ms) a cycle of the drill's keys still ends within the lag alarm's
 * period of two intervals, and the alarm speaks of the stop, not of slow cycles.
 */
export function standbyConfig(scenario: Scenario): NonNullable<ProtectedCache['standby']> {
  return {
    replicationGroupId: STANDBY_GROUP,
    declared: false,
    intervalMinutes: scenario === 'standby-stale' ? 5 : 1,
    maxLagMinutes: 10,
  };
}

/**
 * Creates the standby as an operator provisions one for the cache: a single
 * node with in-transit encryption and the cache's AUTH token, in the cache's
 * subnet group. Resolves with its primary endpoint once available.
 */
export async function createStandby(
  client: ElastiCacheClient,
  options: {
    authToken?: string;
    until: <T>(what: string, ms: number, probe: () => Promise<T | undefined>) => Promise<T>;
  },
): Promise<Endpoint> {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: STANDBY_GROUP,
      ReplicationGroupDescription: 'accounts cache, warm standby',
      NumCacheClusters: 1,
      CacheNodeType: 'cache.r7g.large',
      Engine: 'redis',
      CacheSubnetGroupName: 'accounts-private',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      ...(options.authToken ? { AuthToken: options.authToken } : {}),
    }),
  );
  return options.until(`replication group ${STANDBY_GROUP}`, 30_000, async () => {
    const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: STANDBY_GROUP }));
    const g = out.ReplicationGroups?.[0];
    const p = g?.NodeGroups?.[0]?.PrimaryEndpoint;
    return g?.Status === 'available' && p?.Address && p.Port ? { host: p.Address, port: p.Port, tls: true } : undefined;
  });
}

export interface DrillStandby {
  replicationGroupId: string;
  /** The mirror cycle the outage found as the last complete one. */
  lastCycle?: { keys: number; deleted: number; watermark: string; durationMs: number };
  /** standby-stale: when the mirror's schedule stopped (ms since the drill started). */
  stoppedAtMs?: number;
  /** standby-stale: the lag alarm the operators received, before the outage. */
  lagAlarm?: { atMs: number; subject: string };
  /** How far behind the standby was when the provider died, in the stack's scaled minutes. */
  lagAtOutageMinutes?: number;
}

function records(stack: LocalStack): DynamoDbMirrorRecords {
  return new DynamoDbMirrorRecords({
    tableName: stack.description.tables.incidents,
    client: documentClient(stack.clients.dynamodb),
  });
}

/** The first successful mirror cycle of the cache that started after `after` (epoch ms). */
async function awaitMirrorCycle(stack: LocalStack, cacheId: string, after: number, timeoutMs = 60_000) {
  const store = records(stack);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await store.mirrorStatus(cacheId);
    const ok = status?.lastSuccess;
    if (ok && Date.parse(ok.startedAt) >= after) return ok;
    if (Date.now() > deadline) {
      const last = status?.lastCycle;
      throw new Error(
        `no mirror cycle of ${cacheId} succeeded within ${timeoutMs / 1000} s${last ? ` (last: ${last.outcome}${last.reason ? `, ${last.reason}` : ''})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function describe(cycle: MirrorCycle): NonNullable<DrillStandby['lastCycle']> {
  return {
    keys: cycle.pass?.copied ?? 0,
    deleted: cycle.pass?.deleted ?? 0,
    watermark: cycle.pass?.watermark ?? cycle.startedAt,
    durationMs: Date.parse(cycle.finishedAt) - Date.parse(cycle.startedAt),
  };
}

export interface StandbyStageOptions {
  scenario: Scenario;
  cacheId: string;
  /** When the stack's schedules started (epoch ms). */
  scheduleStartedAt: number;
  /** The stack's schedule scale: a scaled minute lasts 60 s × this. */
  timeScale: number;
  /** Epoch ms of the drill's start, for the report's times. */
  t0: number;
  /** Resolves once the operators received, after `since` (epoch ms), a message whose subject matches. */
  operatorsMessage: (subject: RegExp, timeoutMs: number, since: number) => Promise<{ atMs: number; subject: string }>;
  log: (line: string) => void;
}

/**
 * Before the outage: waits for a complete mirror cycle (the standby holds
 * the cache's data). standby-stale then stops the mirror's schedule, as a
 * disabled rule would, waits for the lag alarm to reach the operators and for
 * an hour (scaled) to pass since the last cycle.
 */
export async function standbyStage(stack: LocalStack, options: StandbyStageOptions): Promise<DrillStandby> {
  const { scenario, cacheId, log } = options;
  const firstCycle = describe(await awaitMirrorCycle(stack, cacheId, options.scheduleStartedAt));
  log(
    `mirror: ${firstCycle.keys} keys copied into standby ${STANDBY_GROUP} in ${(firstCycle.durationMs / 1000).toFixed(1)} s (watermark ${firstCycle.watermark})`,
  );
  const report: DrillStandby = { replicationGroupId: STANDBY_GROUP, lastCycle: firstCycle };
  if (scenario !== 'standby-stale') return report;

  stack.pauseJob(`mirror ${cacheId}`);
  const stoppedAt = Date.now();
  report.stoppedAtMs = stoppedAt - options.t0;
  log('🛑 the mirror stopped (its schedule is disabled)');
  report.lagAlarm = await options.operatorsMessage(/^ALARM.*mirror-lag/, 60_000, stoppedAt);
  log(`  operators ← ${report.lagAlarm.subject}`);
  const status = await records(stack).mirrorStatus(cacheId);
  if (status?.lastSuccess) report.lastCycle = describe(status.lastSuccess);
  const minuteMs = 60_000 * options.timeScale;
  const watermark = Date.parse(report.lastCycle?.watermark ?? new Date().toISOString());
  const staleUntil = watermark + STALE_MINUTES * minuteMs;
  // A timer may fire a millisecond before Date.now() reaches its time: wait until it has.
  while (Date.now() < staleUntil) await new Promise((r) => setTimeout(r, staleUntil - Date.now() + 1));
  report.lagAtOutageMinutes = Math.floor((Date.now() - watermark) / minuteMs);
  log(`the standby is ${report.lagAtOutageMinutes} (scaled) minutes behind`);
  return report;
}

/** Records the lag at the outage for the standby scenario (the mirror kept running until then). */
export function lagAtOutage(standby: DrillStandby, brokeAt: number, timeScale: number): DrillStandby {
  if (standby.lagAtOutageMinutes !== undefined || !standby.lastCycle) return standby;
  return {
    ...standby,
    lagAtOutageMinutes: Math.floor((brokeAt - Date.parse(standby.lastCycle.watermark)) / (60_000 * timeScale)),
  };
}

/**
 * What a standby scenario must show besides resolution: the plan was
 * PROMOTE_STANDBY and the clients ended on the standby; in standby-stale the
 * operators heard of the lag before the outage.
 */
export function standbyScenarioProblem(
  scenario: Scenario,
  standby: DrillStandby | undefined,
  context: { timeline: TimelineEvent[]; brokeAtMs: number; appEndpoints: string[]; standbyEndpoint?: Endpoint },
): string | undefined {
  if (!hasStandby(scenario)) return undefined;
  if (!standby) return 'no standby was prepared';
  const assessed = context.timeline.find((e) => e.type === 'ASSESSED');
  const plan = (assessed?.detail as { plan?: string } | undefined)?.plan;
  if (plan !== 'PROMOTE_STANDBY') return `the plan was ${plan ?? 'never assessed'}, not PROMOTE_STANDBY`;
  const last = context.appEndpoints[context.appEndpoints.length - 1];
  const standbyId = context.standbyEndpoint ? `${context.standbyEndpoint.host}:${context.standbyEndpoint.port}` : '';
  if (last !== standbyId) return `the application ended on ${last ?? 'nothing'}, not the standby ${standbyId}`;
  if (scenario === 'standby-stale') {
    if (!standby.lagAlarm) return 'the operators never heard of the mirror lag';
    if (standby.lagAlarm.atMs >= context.brokeAtMs) return 'the lag alarm came only after the outage';
  }
  return undefined;
}
