/** The system clock, and waiting on it. */
import { systemClock, type Clock } from '../ports';

export function clock(): Clock {
  return systemClock;
}

/** Waits `ms` milliseconds (between the PINGs of a confirmation window). */
export function sleep(): (ms: number) => Promise<void> {
  return (ms) => new Promise((resolve) => setTimeout(resolve, ms));
}
