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
  screenAlarm,
  type AlarmState,
  type AlarmTransition,
  type RejectedReason,
  type UnconcernedReason,
} from '../domain/alarm';
import type { ProtectedCache } from '../domain/caches';
import {
  alarmDeliveryKey,
  executionNameFor,
  incidentIdFor,
  isStale,
  type ExecutionInput,
  type TimelineEventType,
  type WorkflowSettings,
} from '../domain/incident';
import type { IncidentLocks, IncidentRecords, OpenIncidentLock, Timeline, Workflow } from '../ports';

/** The settings intake reads (from the on-alarm function's configuration). */
export interface IntakeConfig {
  readonly protectedCaches: readonly ProtectedCache[];
  readonly settings: WorkflowSettings;
  /** An alarm state change older than this is stale: it opens nothing. */
  readonly alarmMaxAgeSeconds: number;
  /** Alarms from another account are rejected. */
  readonly expectedAccountId?: string;
  readonly dedupTtlSeconds: number;
  /** Names of this stack's incident (probe) alarms start with this. */
  readonly incidentAlarmPrefix?: string;
  /** The region this deployment recovers caches in; alarms from other regions are rejected. */
  readonly region?: string;
}

export interface IntakeDeps {
  store: IncidentRecords & Timeline & IncidentLocks;
  workflow: Workflow;
  config: IntakeConfig;
}

export type { RejectedReason };

export type IgnoredReason =
  /** No protected cache, several, or an unlisted alarm's OK / INSUFFICIENT_DATA (see screenAlarm). */
  | UnconcernedReason
  /** The ALARM is older than ALARM_MAX_AGE_SECONDS. */
  | 'stale'
  /** OK / INSUFFICIENT_DATA while no incident is open. */
  | 'no-open-incident'
  /** The same OK / INSUFFICIENT_DATA transition was delivered before. */
  | 'repeated-delivery'
  /** A redelivered ALARM of an incident that is already closed. */
  | 'incident-closed';

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
 * Handles the transitions of one delivery (an EventBridge event, an SNS batch
 * or a Lambda alarm action), in order. Errors of the store or of Step
 * Functions propagate so that the delivery is retried.
 */
export async function intake(
  deps: IntakeDeps,
  transitions: readonly AlarmTransition[],
  now: Date,
): Promise<IntakeResult> {
  const outcomes: IntakeOutcome[] = [];
  for (const t of transitions) outcomes.push(await handleTransition(deps, t, now));
  return { outcomes };
}

async function handleTransition(deps: IntakeDeps, t: AlarmTransition, now: Date): Promise<IntakeOutcome> {
  const { config, store } = deps;
  const base: Base = { alarmName: t.alarmName, newState: t.newState, stateChangeTime: t.stateChangeTime };

  const screening = screenAlarm(config, t);
  if (screening.verdict === 'rejected') {
    const { verdict: _, ...why } = screening;
    return { ...base, outcome: 'rejected', errorName: 'ValidationError', ...why };
  }
  if (screening.verdict === 'ignored') {
    const { verdict: _, ...why } = screening;
    return { ...base, outcome: 'ignored', ...why };
  }
  const { cacheId } = screening;

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
