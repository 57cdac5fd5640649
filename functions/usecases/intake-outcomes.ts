/** What intake tells of each alarm transition it handled. */
import type { AlarmState, RejectedReason, UnconcernedReason } from '../domain/alarm';

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

export interface Base {
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
