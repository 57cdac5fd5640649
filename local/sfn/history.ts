import type { Json } from './json';

export type HistoryDetails = Record<string, string | number | boolean | Record<string, unknown> | undefined>;

export interface HistoryEvent {
  timestamp: Date;
  type: string;
  id: number;
  previousEventId: number;
  /** e.g. `stateEnteredEventDetails`, `taskFailedEventDetails` */
  detailsKey?: string;
  details?: HistoryDetails;
}

/** Details key AWS uses for each history event type. */
const DETAILS_KEYS: Record<string, string> = {
  ExecutionStarted: 'executionStartedEventDetails',
  ExecutionSucceeded: 'executionSucceededEventDetails',
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
  ExecutionRedriven: 'executionRedrivenEventDetails',
  TaskScheduled: 'taskScheduledEventDetails',
  TaskStarted: 'taskStartedEventDetails',
  TaskSubmitted: 'taskSubmittedEventDetails',
  TaskSucceeded: 'taskSucceededEventDetails',
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  LambdaFunctionScheduled: 'lambdaFunctionScheduledEventDetails',
  LambdaFunctionSucceeded: 'lambdaFunctionSucceededEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  MapStateStarted: 'mapStateStartedEventDetails',
  MapIterationStarted: 'mapIterationStartedEventDetails',
  MapIterationSucceeded: 'mapIterationSucceededEventDetails',
  MapIterationFailed: 'mapIterationFailedEventDetails',
  MapIterationAborted: 'mapIterationAbortedEventDetails',
};

/** The execution's event history, in order, with AWS ids; closed once the execution has ended. */
export class History {
  private readonly events: HistoryEvent[] = [];
  private closed = false;

  add(type: string, details?: HistoryDetails, timestamp: number = Date.now()): void {
    if (this.closed) return;
    const id = this.events.length + 1;
    const event: HistoryEvent = { timestamp: new Date(timestamp), type, id, previousEventId: id - 1 };
    if (details) {
      event.detailsKey = type.endsWith('StateEntered')
        ? 'stateEnteredEventDetails'
        : type.endsWith('StateExited')
          ? 'stateExitedEventDetails'
          : DETAILS_KEYS[type];
      event.details = details;
    }
    this.events.push(event);
  }

  close(): void {
    this.closed = true;
  }

  reopen(): void {
    this.closed = false;
  }

  list(): readonly HistoryEvent[] {
    return this.events;
  }
}

/** A JSON payload as history details carry it, with the `…Details` truncation flag. */
export function dataField(key: 'input' | 'output', value: Json | string): HistoryDetails {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { [key]: text, [`${key}Details`]: { truncated: false } };
}
