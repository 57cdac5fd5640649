/** The system clock. */
import { systemClock, type Clock } from '../ports';

export function clock(): Clock {
  return systemClock;
}
