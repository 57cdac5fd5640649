import type { Clock } from '../../functions/ports';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start: string | Date = '2025-03-01T12:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves forward by milliseconds, or by the given units. */
  advance(by: number | { ms?: number; seconds?: number; minutes?: number; hours?: number }): this {
    const ms =
      typeof by === 'number'
        ? by
        : (by.ms ?? 0) + (by.seconds ?? 0) * 1e3 + (by.minutes ?? 0) * 60e3 + (by.hours ?? 0) * 3600e3;
    this.ms += ms;
    return this;
  }

  set(at: string | Date): this {
    this.ms = new Date(at).getTime();
    return this;
  }

  iso(): string {
    return this.now().toISOString();
  }
}
