/**
 * Sharing a source-of-truth table's read budget among the recoveries reading
 * it at once. Each reader holds a lease it renews; the readers whose lease has
 * not ended share the budget equally, so each gets budget / readers, never
 * zero, and a reader that crashed stops counting once its lease ends.
 */

/**
 * A reader renews its lease this often and lets it end this long after its
 * last renewal. Its first renewal comes sooner: readers that join together
 * each see only those that joined before them until they renew.
 */
export const READ_LEASE = { firstRenewMs: 1_000, renewMs: 10_000, expireMs: 60_000 } as const;

/** Parallel Scan segments at most, and the share (read units per second) each extra segment needs. */
export const SCAN_SEGMENTS_MAX = 4;
const UNITS_PER_SEGMENT = 250;

/** Each reader's lease: holder → when it ends, epoch ms. */
export type ReadLeases = Readonly<Record<string, number>>;

/** The holders whose lease has not ended at `nowMs`. */
export function activeReaders(leases: ReadLeases, nowMs: number): string[] {
  return Object.entries(leases)
    .filter(([, until]) => typeof until === 'number' && until > nowMs)
    .map(([holder]) => holder);
}

/** `self`'s share of `budget`: an equal part among the active readers, `self` always counted. */
export function shareOf(budget: number, leases: ReadLeases, nowMs: number, self: string): number {
  const others = activeReaders(leases, nowMs).filter((h) => h !== self).length;
  return budget / (others + 1);
}

/** Holders whose lease ended (other than `self`): their entries can go. */
export function endedReaders(leases: ReadLeases, nowMs: number, self: string): string[] {
  return Object.entries(leases)
    .filter(([holder, until]) => holder !== self && !(typeof until === 'number' && until > nowMs))
    .map(([holder]) => holder);
}

/** Parallel Scan segments for a share: one per 250 units per second, 1 to 4. */
export function segmentsFor(share: number): number {
  return Math.min(SCAN_SEGMENTS_MAX, Math.max(1, Math.floor(share / UNITS_PER_SEGMENT)));
}

/**
 * A token bucket that may go into debt: units are taken after a page (its
 * cost is known only then), and the next page waits until the debt is paid
 * at the current rate. It holds at most one second of credit.
 */
export interface ReadBucket {
  /** Credit in read units; negative while in debt. */
  readonly units: number;
  readonly atMs: number;
}

export function refilled(bucket: ReadBucket, ratePerSecond: number, nowMs: number): ReadBucket {
  const elapsed = Math.max(0, nowMs - bucket.atMs);
  return { units: Math.min(ratePerSecond, bucket.units + (ratePerSecond * elapsed) / 1000), atMs: nowMs };
}

/** Milliseconds until the bucket is out of debt at `ratePerSecond` (0 when it is). */
export function waitMs(bucket: ReadBucket, ratePerSecond: number): number {
  return bucket.units >= 0 ? 0 : Math.ceil((-bucket.units / ratePerSecond) * 1000);
}

/**
 * Read units a Scan page cost, estimated from the bytes it returned when the
 * response carries no ConsumedCapacity: 0.5 per 4 KB (eventually consistent).
 * The items the filter dropped are not in the page, so this is a lower bound.
 */
export function estimatedReadUnits(bytes: number): number {
  return Math.ceil(bytes / 4096) * 0.5;
}
