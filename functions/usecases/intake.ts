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
 *
 * Incidents of caches of one provider join the provider's group: the group is
 * resolved before the lock is taken (its id goes into the execution input the
 * lock keeps), and joined once the lock is held; an alarm that meets a held
 * lock joins the lock's group again (a no-op unless a crash came between).
 */
import { screenAlarm, type AlarmState, type AlarmTransition, type RejectedReason } from '../domain/alarm';
import type { ProtectedCache } from '../domain/caches';
import { GROUP_WINDOW_SECONDS } from '../domain/groups';
import {
  alarmDeliveryKey,
  executionNameFor,
  incidentIdFor,
  isStale,
  type ExecutionInput,
  type TimelineEventType,
  type WorkflowSettings,
} from '../domain/incident';
import type { Base, IntakeOutcome, IntakeResult } from './intake-outcomes';
import { markGroupMember } from './shared/group';
import type { GroupStore, IncidentLocks, IncidentRecords, OpenIncidentLock, Timeline, Workflow } from '../ports';

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
  /** Alarms of one provider this close to its group's first alarm join the group; 300 s unless set. */
  readonly groupWindowSeconds?: number;
}

export interface IntakeDeps {
  store: IncidentRecords & Timeline & IncidentLocks & GroupStore;
  workflow: Workflow;
  config: IntakeConfig;
}

export type { RejectedReason };
export type { IgnoredReason, IntakeOutcome, IntakeResult } from './intake-outcomes';

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

  return openIncident(deps, t, cacheId, firstDelivery, false);
}

/** An ALARM of a cache: take the cache's lock for a new incident in its group, or meet the incident that holds it. */
async function openIncident(
  deps: IntakeDeps,
  t: AlarmTransition,
  cacheId: string,
  firstDelivery: boolean,
  retried: boolean,
): Promise<IntakeOutcome> {
  const { config, store } = deps;
  const base: Base = { alarmName: t.alarmName, newState: t.newState, stateChangeTime: t.stateChangeTime };
  const incidentId = incidentIdFor(cacheId, t.stateChangeTime);
  const executionName = executionNameFor(incidentId);
  const provider = config.protectedCaches.find((c) => c.id === cacheId)?.provider;
  const groupId = provider
    ? await store.resolveGroup(provider, t.stateChangeTime, config.groupWindowSeconds ?? GROUP_WINDOW_SECONDS.default)
    : incidentId;
  const input: ExecutionInput = {
    incidentId,
    cacheId,
    openedAt: t.stateChangeTime,
    trigger: { alarmName: t.alarmName, source: t.source, reason: t.reason, stateChangeTime: t.stateChangeTime },
    settings: { ...config.settings },
    groupId,
    ...(provider ? { provider } : {}),
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
    // The incident of this lock ended without releasing it: release it, then take it (once). A failed incident
    // superseded by a new one leaves its group: it no longer holds the group open or its last notices back.
    const old = held.existing;
    if (old.incidentId !== incidentId)
      await markGroupMember(store, { ...old, groupId: old.executionInput.groupId }, 'RELEASED');
    await store.releaseOpenLock(cacheId, old.incidentId);
    if (old.incidentId === incidentId) {
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

  if (held.acquired && !(await joinGroup(store, lock, !provider ? 'solo' : retried ? 'force' : 'join'))) {
    // The group closed since it was resolved (its last member left): nothing has started, so start over once.
    await store.releaseOpenLock(cacheId, incidentId);
    return openIncident(deps, t, cacheId, firstDelivery, true);
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

  // An incident is open: make sure it is in its group and its execution exists (same name and input: idempotent),
  // then note the alarm.
  const existing = held.existing;
  await joinGroup(store, existing, existing.executionInput.provider ? 'force' : 'solo');
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

/**
 * Puts the lock's incident in the group its execution input names: `join` may be refused (false), `force`
 * joins a group the incident already belongs to by its input, `solo` opens the group of one of a cache
 * without provider. A lock taken before groups existed names none: nothing to join.
 */
async function joinGroup(store: GroupStore, lock: OpenIncidentLock, how: 'join' | 'force' | 'solo'): Promise<boolean> {
  const { incidentId, cacheId, openedAt, executionInput } = lock;
  const groupId = executionInput.groupId;
  if (groupId === undefined) return true;
  const member = { cacheId, joinedAt: openedAt };
  if (how === 'solo') {
    await store.openSoloGroup(incidentId, member);
    return true;
  }
  return (await store.joinGroup(groupId, incidentId, member, { force: how === 'force' })) !== 'refused';
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
