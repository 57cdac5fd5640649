/**
 * Alarm state changes as the workflow sees them, whatever the delivery path
 * (handlers/alarm-envelopes.ts reads them off the wire), and the rules that
 * say whether one may concern a protected cache at all.
 */
import { findCacheForAlarm, type ProtectedCache } from './caches';

export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** How CloudWatch delivered the alarm to us. */
export type AlarmSource = 'eventbridge' | 'sns' | 'lambda-action';

/** One alarm state change, whatever the delivery path. */
export interface AlarmTransition {
  source: AlarmSource;
  alarmName: string;
  alarmArn?: string;
  accountId?: string;
  region?: string;
  newState: AlarmState;
  previousState?: AlarmState;
  reason: string;
  /** ISO 8601, UTC. */
  stateChangeTime: string;
  /** Dimensions of every metric the alarm watches (metric math: all of them). */
  dimensions: Record<string, string>;
  /** For composite alarms: the alarms named in the rule. */
  childAlarmNames: string[];
  /**
   * The datapoint values CloudWatch reports having evaluated for this state:
   * `recentDatapoints` of the state reason data (EventBridge, Lambda alarm
   * action), else the values listed in the reason text (SNS, which carries no
   * reason data). Undefined when the delivery shows none.
   */
  evaluatedValues?: number[];
}

/**
 * CloudWatch's own limits on the fields an alarm delivery carries. A
 * delivery that breaks one cannot have come from CloudWatch.
 * - PutMetricAlarm: AlarmName 1–255, AlarmDescription 0–1024 characters
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * - SetAlarmState: StateReason 0–1023, StateReasonData 0–4000 characters
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
 * - PutCompositeAlarm: AlarmRule 1–10240 characters
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html).
 * - Dimension: Name 1–255, Value 1–1024 characters; at most 30 dimensions per metric
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html,
 *   "Amazon CloudWatch concepts", Dimensions).
 */
export const CLOUDWATCH_LIMITS = {
  alarmName: 255,
  alarmDescription: 1024,
  stateReason: 1023,
  stateReasonData: 4000,
  alarmRule: 10240,
  dimensionName: 255,
  dimensionValue: 1024,
  dimensionsPerMetric: 30,
} as const;

/**
 * The incident alarm serverless/alarms.js declares for each protected cache,
 * named `<INCIDENT_ALARM_PREFIX><cache id>-unreachable`: CacheReachable
 * Minimum < 1 in DatapointsToAlarm of EvaluationPeriods periods (params;
 * by default 3 of 3 periods of 10 s), missing data not breaching. Its
 * DatapointsToAlarm is at least this one (packaging refuses less), so every
 * genuine ALARM shows at least this many failed probes.
 */
export const PROBE_ALARM = { threshold: 1, datapointsToAlarm: 2, evaluationPeriods: 3 } as const;

/** This stack's probe alarm name for a cache. */
export function probeAlarmNameFor(incidentAlarmPrefix: string, cacheId: string): string {
  return `${incidentAlarmPrefix}${cacheId}-unreachable`;
}

/**
 * Whether an ALARM of the probe alarm shows the failed probes it needs: at
 * least DatapointsToAlarm evaluated values below the threshold. With missing
 * data not breaching, CloudWatch reaches ALARM only that way; an ALARM
 * without them was set by hand (SetAlarmState), forged, or evaluated with
 * missing data as breaching, and proves no outage.
 */
export function probeAlarmProven(t: Pick<AlarmTransition, 'evaluatedValues'>): boolean {
  const failed = (t.evaluatedValues ?? []).filter((v) => v < PROBE_ALARM.threshold).length;
  return failed >= PROBE_ALARM.datapointsToAlarm;
}

/** What an alarm is judged against: the protected caches, and where this deployment's alarms come from. */
export interface AlarmPolicy {
  protectedCaches: readonly ProtectedCache[];
  /** The only account alarms may come from; any account when undefined. */
  expectedAccountId?: string | undefined;
  /** The region this deployment recovers caches in; alarms from other regions are refused. */
  region?: string | undefined;
  /** The prefix of this stack's probe alarm names (probeAlarmNameFor); no probe alarm when undefined. */
  incidentAlarmPrefix?: string | undefined;
}

/**
 * Why an alarm delivery is refused: it is logged and kept (the handler throws
 * ValidationError, so the delivery ends in the on-alarm failures queue after
 * Lambda's retries), and it opens no incident.
 */
export type RejectedReason =
  /** From another AWS account than this deployment's. */
  | 'foreign-account'
  /** From another region than this deployment's. */
  | 'foreign-region'
  /** An ALARM about a protected cache by its dimensions only: neither this stack's probe alarm nor in the cache's alarmNames. */
  | 'unlisted-alarm'
  /** An ALARM of this stack's probe alarm that shows fewer failed probes than the alarm needs. */
  | 'unproven-alarm';

/** Why an alarm concerns no incident, whatever the incidents. */
export type UnconcernedReason =
  /** No protected cache matches the alarm name, its dimensions or its children. */
  | 'unknown-cache'
  /** A composite alarm whose children concern different caches. */
  | 'ambiguous-cache'
  /** OK / INSUFFICIENT_DATA of an alarm that is neither this stack's nor listed for the cache. */
  | 'unlisted-alarm';

/** The verdict on one transition before any incident is looked at. */
export type Screening =
  | { verdict: 'rejected'; reason: RejectedReason; detail: string; accountId?: string; cacheId?: string }
  | { verdict: 'ignored'; reason: UnconcernedReason; detail: string; cacheId?: string }
  | { verdict: 'admitted'; cacheId: string };

/**
 * Where an alarm comes from, for the cache it concerns: this stack's probe
 * alarm for that cache (by its exact name), an alarm the configuration lists
 * for the cache (its own name, or every child of a composite), or neither
 * (it names the cache only through its dimensions).
 */
type Origin = 'probe-alarm' | 'listed' | 'unlisted';

type CacheMatch = { cache: ProtectedCache; origin: Origin } | { ambiguous: string[] } | undefined;

function originOf(policy: AlarmPolicy, cache: ProtectedCache, t: AlarmTransition, viaChildren: boolean): Origin {
  if (viaChildren || cache.alarmNames.includes(t.alarmName)) return 'listed';
  if (
    policy.incidentAlarmPrefix !== undefined &&
    t.alarmName === probeAlarmNameFor(policy.incidentAlarmPrefix, cache.id)
  ) {
    return 'probe-alarm';
  }
  return 'unlisted';
}

function matchCache(policy: AlarmPolicy, t: AlarmTransition): CacheMatch {
  const caches = policy.protectedCaches;
  const direct = findCacheForAlarm(caches, t);
  if (direct) return { cache: direct, origin: originOf(policy, direct, t, false) };
  const viaChildren = new Map<string, ProtectedCache>();
  for (const child of t.childAlarmNames) {
    const c = findCacheForAlarm(caches, { alarmName: child, dimensions: {} });
    if (c) viaChildren.set(c.id, c);
  }
  if (viaChildren.size === 1) {
    const cache = [...viaChildren.values()][0]!;
    return { cache, origin: originOf(policy, cache, t, true) };
  }
  if (viaChildren.size > 1) return { ambiguous: [...viaChildren.keys()] };
  return undefined;
}

/**
 * Whether a transition may concern a protected cache: from this deployment's
 * account and region, about one protected cache, and, for an ALARM, from an
 * alarm that may open an incident (listed for the cache, or this stack's probe
 * alarm showing the failed probes it needs).
 */
export function screenAlarm(policy: AlarmPolicy, t: AlarmTransition): Screening {
  const expected = policy.expectedAccountId;
  if (expected !== undefined && t.accountId !== expected) {
    return {
      verdict: 'rejected',
      reason: 'foreign-account',
      detail: t.accountId
        ? `alarm from account ${t.accountId}, expected ${expected}`
        : `alarm delivery names no account, expected ${expected}`,
      ...(t.accountId ? { accountId: t.accountId } : {}),
    };
  }

  if (policy.region !== undefined && t.region !== undefined && t.region !== policy.region) {
    return {
      verdict: 'rejected',
      reason: 'foreign-region',
      detail: `alarm from region ${t.region}, this deployment recovers caches in ${policy.region}`,
    };
  }

  const match = matchCache(policy, t);
  if (!match) return { verdict: 'ignored', reason: 'unknown-cache', detail: 'the alarm concerns no protected cache' };
  if ('ambiguous' in match) {
    return {
      verdict: 'ignored',
      reason: 'ambiguous-cache',
      detail: `the composite alarm's children concern several caches: ${match.ambiguous.join(', ')}`,
    };
  }
  const cacheId = match.cache.id;

  if (match.origin === 'unlisted') {
    if (t.newState === 'ALARM') {
      return {
        verdict: 'rejected',
        reason: 'unlisted-alarm',
        cacheId,
        detail:
          `${t.alarmName} concerns ${cacheId} only through its dimensions: it is not this stack's probe alarm ` +
          `and not in the cache's alarmNames; list it there to let it open incidents`,
      };
    }
    return {
      verdict: 'ignored',
      reason: 'unlisted-alarm',
      detail: `${t.alarmName} is not listed for ${cacheId}`,
      cacheId,
    };
  }
  if (match.origin === 'probe-alarm' && t.newState === 'ALARM' && !probeAlarmProven(t)) {
    return {
      verdict: 'rejected',
      reason: 'unproven-alarm',
      cacheId,
      detail:
        `${t.alarmName} is ALARM but its state reason shows ${t.evaluatedValues === undefined ? 'no datapoints' : `datapoints [${t.evaluatedValues.join(', ')}]`}, ` +
        'not the failed probes the alarm needs: not an outage',
    };
  }
  return { verdict: 'admitted', cacheId };
}
