export type EventSourceType = 'replication-group' | 'cache-cluster';

export interface CacheEvent {
  readonly sourceIdentifier: string;
  readonly sourceType: EventSourceType;
  readonly message: string;
  readonly date: Date;
}

export interface EventFilter {
  readonly sourceIdentifier?: string;
  readonly sourceType?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  /** Minutes of history to return when no StartTime is given (AWS defaults to 60). */
  readonly durationMinutes?: number;
  readonly maxRecords?: number;
}

const MAX_STORED_EVENTS = 10_000;

export class EventLog {
  private readonly events: CacheEvent[] = [];

  record(sourceType: EventSourceType, sourceIdentifier: string, message: string): void {
    this.events.push({ sourceType, sourceIdentifier, message, date: new Date() });
    if (this.events.length > MAX_STORED_EVENTS) this.events.shift();
  }

  /** Matching events, newest first. */
  query(filter: EventFilter, now = new Date()): CacheEvent[] {
    const end = filter.endTime ?? now;
    const start = filter.startTime ?? new Date(end.getTime() - (filter.durationMinutes ?? 60) * 60_000);
    return this.events
      .filter((event) => filter.sourceIdentifier === undefined || event.sourceIdentifier === filter.sourceIdentifier)
      .filter((event) => filter.sourceType === undefined || event.sourceType === filter.sourceType)
      .filter((event) => event.date >= start && event.date <= end)
      .reverse()
      .slice(0, filter.maxRecords ?? 100);
  }
}
