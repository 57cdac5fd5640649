/**
 * Alarm intake: turns every delivered alarm transition into at most one
 * recovery execution per incident.
 *
 * Crash safety rests on the order lock → start and on Step Functions'
 * idempotency by execution name: the lock stores the execution name and
 * input, and every ALARM that meets a held lock starts that same execution
 * again. A crash between the lock write and StartExecution is therefore
 * repaired by the redelivery (or by the next alarm of the cache), and a
 * duplicate delivery finds the execution already there.
 */
import {
  parseAlarmDelivery,
  probeAlarmNameFor,
  probeAlarmProven,
  type AlarmState,
  type AlarmTransition,
} from '../domain/alarm';
import { findCacheForAlarm, type ProtectedCache } from '../domain/caches';
import {
  alarmDeliveryKey,
  executionNameFor,
  incidentIdFor,
  isStale,
  type ExecutionInput,
  type TimelineEventType,
} from '../domain/incident';
import type { Config } from '../config';
import type { IncidentLocks, IncidentRecords, OpenIncidentLock, Timeline, Workflow } from '../ports';

export type IntakeConfig = Pick<
  Config,
  | 'protectedCaches'
  | 'settings'
  | 'alarmMaxAgeSeconds'
  | 'expectedAccountId'
  | 'dedupTtlSeconds'
  | 'incidentAlarmPrefix'
> &
  /** The region this deployment recovers caches in; alarms from other regions are rejected. */
  Partial<Pick<Config, 'region'>>;

export interface IntakeDeps {
  store: IncidentRecords & Timeline & IncidentLocks;
  workflow: Workflow;
  config: IntakeConfig;
}

export type IgnoredReason =
  /** No protected cache matches the alarm name, its dimensions or its children. */
  | 'unknown-cache'
  /** A composite alarm whose children concern different caches. */
  | 'ambiguous-cache'
  /** The ALARM is older than ALARM_MAX_AGE_SECONDS. */
  | 'stale'
  /** OK / INSUFFICIENT_DATA while no incident is open. */
  | 'no-open-incident'
  /** The same OK / INSUFFICIENT_DATA transition was delivered before. */
  | 'repeated-delivery'
  /** A redelivered ALARM of an incident that is already closed. */
  | 'incident-closed'
  /** OK / INSUFFICIENT_DATA of an alarm that is neither this stack's nor listed for the cache. */
  | 'unlisted-alarm';

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

interface Base {
  alarmName: string;
  newState: AlarmState;
  stateChangeTime: string;
}

export type IntakeOutcome =
  | (Base & {
      outcome: 'started';
      cacheId: string;
      incidentId: string;
      executionName: string;
      executionArn: string;
      /** False when this call created the execution; true when it was already running (a redelivery). */
      alreadyStarted: boolean;
    })
  | (Base & {
      outcome: 'duplicate';
      cacheId: string;
      incidentId: string;
      executionName: string;
      executionArn: string;
      /** True when the open incident's execution was missing and this call started it. */
      restartedExecution: boolean;
      firstDelivery: boolean;
    })
  | (Base & { outcome: 'recorded'; cacheId: string; incidentId: string })
  | (Base & { outcome: 'ignored'; reason: IgnoredReason; detail: string; cacheId?: string; incidentId?: string })
  | (Base & {
      outcome: 'rejected';
      reason: RejectedReason;
      errorName: 'ValidationError';
      detail: string;
      accountId?: string;
      cacheId?: string;
    });

export interface IntakeResult {
  outcomes: IntakeOutcome[];
}

const TIMELINE_TYPE: Record<AlarmState, TimelineEventType> = {
  ALARM: 'ALARM',
  OK: 'ALARM_OK',
  INSUFFICIENT_DATA: 'ALARM_INSUFFICIENT_DATA',
};

/**
 * Handles one delivery (EventBridge event, SNS batch or Lambda alarm action).
 * Throws ValidationError when the event is not an alarm delivery; errors of the
 * store or of Step Functions propagate so that the delivery is retried.
 */
export async function intake(deps: IntakeDeps, event: unknown, now: Date): Promise<IntakeResult> {
  const transitions = parseAlarmDelivery(event);
  const outcomes: IntakeOutcome[] = [];
  for (const t of transitions) outcomes.push(await handleTransition(deps, t, now));
  return { outcomes };
}

/**
 * Where an alarm comes from, for the cache it concerns: this stack's probe
 * alarm for that cache (by its exact name), an alarm the configuration lists
 * for the cache (its own name, or every child of a composite), or neither
 * (it names the cache only through its dimensions).
 */
type Origin = 'probe-alarm' | 'listed' | 'unlisted';

type CacheMatch = { cache: ProtectedCache; origin: Origin } | { ambiguous: string[] } | undefined;

function originOf(config: IntakeConfig, cache: ProtectedCache, t: AlarmTransition, viaChildren: boolean): Origin {
  if (viaChildren || cache.alarmNames.includes(t.alarmName)) return 'listed';
  if (
    config.incidentAlarmPrefix !== undefined &&
    t.alarmName === probeAlarmNameFor(config.incidentAlarmPrefix, cache.id)
  ) {
    return 'probe-alarm';
  }
  return 'unlisted';
}

function matchCache(config: IntakeConfig, t: AlarmTransition): CacheMatch {
  const caches = config.protectedCaches;
  const direct = findCacheForAlarm(caches, t);
  if (direct) return { cache: direct, origin: originOf(config, direct, t, false) };
  const viaChildren = new Map<string, ProtectedCache>();
  for (const child of t.childAlarmNames) {
    const c = findCacheForAlarm(caches, { alarmName: child, dimensions: {} });
    if (c) viaChildren.set(c.id, c);
  }
  if (viaChildren.size === 1) {
    const cache = [...viaChildren.values()][0]!;
    return { cache, origin: originOf(config, cache, t, true) };
  }
  if (viaChildren.size > 1) return { ambiguous: [...viaChildren.keys()] };
  return undefined;
}

async function handleTransition(deps: IntakeDeps, t: AlarmTransition, now: Date): Promise<IntakeOutcome> {
  const { config, store } = deps;
  const base: Base = { alarmName: t.alarmName, newState: t.newState, stateChangeTime: t.stateChangeTime };

  const expected = config.expectedAccountId;
  if (expected !== undefined && t.accountId !== expected) {
    return {
      ...base,
      outcome: 'rejected',
      reason: 'foreign-account',
      errorName: 'ValidationError',
      detail: t.accountId
        ? `alarm from account ${t.accountId}, expected ${expected}`
        : `alarm delivery names no account, expected ${expected}`,
      ...(t.accountId ? { accountId: t.accountId } : {}),
    };
  }

  if (config.region !== undefined && t.region !== undefined && t.region !== config.region) {
    return {
      ...base,
      outcome: 'rejected',
      reason: 'foreign-region',
      errorName: 'ValidationError',
      detail: `alarm from region ${t.region}, this deployment recovers caches in ${config.region}`,
    };
  }

  const match = matchCache(config, t);
  if (!match) {
    return { ...base, outcome: 'ignored', reason: 'unknown-cache', detail: 'the alarm concerns no protected cache' };
  }
  if ('ambiguous' in match) {
    return {
      ...base,
      outcome: 'ignored',
      reason: 'ambiguous-cache',
      detail: `the composite alarm's children concern several caches: ${match.ambiguous.join(', ')}`,
    };
  }
  const cacheId = match.cache.id;

  if (match.origin === 'unlisted') {
    if (t.newState === 'ALARM') {
      return {
        ...base,
        outcome: 'rejected',
        reason: 'unlisted-alarm',
        errorName: 'ValidationError',
        cacheId,
        detail:
          `${t.alarmName} concerns ${cacheId} only through its dimensions: it is not this stack's probe alarm ` +
          `and not in the cache's alarmNames; list it there to let it open incidents`,
      };
    }
    return {
      ...base,
      outcome: 'ignored',
      reason: 'unlisted-alarm',
      detail: `${t.alarmName} is not listed for ${cacheId}`,
      cacheId,
    };
  }
  if (match.origin === 'probe-alarm' && t.newState === 'ALARM' && !probeAlarmProven(t)) {
    return {
      ...base,
      outcome: 'rejected',
      reason: 'unproven-alarm',
      errorName: 'ValidationError',
      cacheId,
      detail:
        `${t.alarmName} is ALARM but its state reason shows ${t.evaluatedValues === undefined ? 'no datapoints' : `datapoints [${t.evaluatedValues.join(', ')}]`}, ` +
        'not the failed probes the alarm needs: not an outage',
    };
  }

  const firstDelivery = await store.markDelivery(alarmDeliveryKey(t), config.dedupTtlSeconds);

  if (t.newState !== 'ALARM') {
    if (!firstDelivery) {
      return {
        ...base,
        outcome: 'ignored',
        reason: 'repeated-delivery',
        detail: 'this transition was recorded before',
        cacheId,
      };
    }
    const lock = await store.getOpenLock(cacheId);
    if (!lock) {
      return {
        ...base,
        outcome: 'ignored',
        reason: 'no-open-incident',
        detail: `no incident is open for ${cacheId}`,
        cacheId,
      };
    }
    await store.appendTimeline(lock.incidentId, {
      at: t.stateChangeTime,
      type: TIMELINE_TYPE[t.newState],
      message: `${t.alarmName} is ${t.newState}`,
      detail: timelineDetail(t),
    });
    return { ...base, outcome: 'recorded', cacheId, incidentId: lock.incidentId };
  }

  if (isStale(t.stateChangeTime, now, config.alarmMaxAgeSeconds)) {
    return {
      ...base,
      outcome: 'ignored',
      reason: 'stale',
      detail: `the alarm fired at ${t.stateChangeTime}, more than ${config.alarmMaxAgeSeconds} s before ${now.toISOString()}`,
      cacheId,
    };
  }

  const incidentId = incidentIdFor(cacheId, t.stateChangeTime);
  const executionName = executionNameFor(incidentId);
  const input: ExecutionInput = {
    incidentId,
    cacheId,
    openedAt: t.stateChangeTime,
    trigger: { alarmName: t.alarmName, source: t.source, reason: t.reason, stateChangeTime: t.stateChangeTime },
    settings: { ...config.settings },
  };
  const lock: OpenIncidentLock = {
    cacheId,
    incidentId,
    executionName,
    executionInput: input,
    openedAt: t.stateChangeTime,
  };

  let held = await store.acquireOpenLock(lock);
  if (!held.acquired && (await isClosed(store, held.existing))) {
    // The incident of this lock ended without releasing it: release it, then take it (once).
    await store.releaseOpenLock(cacheId, held.existing.incidentId);
    if (held.existing.incidentId === incidentId) {
      return {
        ...base,
        outcome: 'ignored',
        reason: 'incident-closed',
        detail: `incident ${incidentId} is closed`,
        cacheId,
        incidentId,
      };
    }
    held = await store.acquireOpenLock(lock);
  }

  if (held.acquired) {
    await store.appendTimeline(incidentId, {
      at: t.stateChangeTime,
      type: 'INCIDENT_OPENED',
      message: `${t.alarmName} is ALARM: incident opened`,
      detail: timelineDetail(t),
    });
    const started = await deps.workflow.start(executionName, input);
    return {
      ...base,
      outcome: 'started',
      cacheId,
      incidentId,
      executionName,
      executionArn: started.executionArn,
      alreadyStarted: started.alreadyStarted,
    };
  }

  // An incident is open: make sure its execution exists (same name and input: idempotent), then note the alarm.
  const existing = held.existing;
  const started = await deps.workflow.start(existing.executionName, existing.executionInput);
  if (existing.incidentId === incidentId) {
    // A redelivery of the alarm that opened the incident.
    const same = {
      ...base,
      cacheId,
      incidentId,
      executionName: existing.executionName,
      executionArn: started.executionArn,
    };
    return started.alreadyStarted
      ? { ...same, outcome: 'duplicate', restartedExecution: false, firstDelivery }
      : { ...same, outcome: 'started', alreadyStarted: false };
  }
  if (firstDelivery) {
    await store.appendTimeline(existing.incidentId, {
      at: t.stateChangeTime,
      type: 'ALARM',
      message: `${t.alarmName} is ALARM`,
      detail: timelineDetail(t),
    });
  }
  return {
    ...base,
    outcome: 'duplicate',
    cacheId,
    incidentId: existing.incidentId,
    executionName: existing.executionName,
    executionArn: started.executionArn,
    restartedExecution: !started.alreadyStarted,
    firstDelivery,
  };
}

async function isClosed(store: IncidentRecords, lock: OpenIncidentLock): Promise<boolean> {
  const incident = await store.getIncident(lock.incidentId);
  return incident !== undefined && incident.status !== 'OPEN';
}

function timelineDetail(t: AlarmTransition): Record<string, unknown> {
  return {
    alarmName: t.alarmName,
    source: t.source,
    reason: t.reason.slice(0, 1024),
    ...(t.previousState ? { previousState: t.previousState } : {}),
  };
}
