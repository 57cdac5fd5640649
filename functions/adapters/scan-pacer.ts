/**
 * Paces the pages of a Scan to a reader's share of a table's read budget: a
 * token bucket refilled at the current share, waited on before each page and
 * charged with the page's consumed read units after it. The first page always
 * goes; a long wait is cut into slices no longer than a lease renewal, so the
 * reader keeps its lease and picks up a larger share as soon as others leave.
 */
import { READ_LEASE, refilled, waitMs, type ReadBucket } from '../domain/read-shares';
import type { Clock, ReadPace } from '../ports';

export type Sleep = (ms: number) => Promise<void>;

export class ScanPacer {
  private bucket: ReadBucket;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly pace: ReadPace,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {
    this.bucket = { units: 0, atMs: clock.now().getTime() };
  }

  /** Resolves when the next page may be read; callers are served one at a time, in order. */
  beforePage(): Promise<void> {
    const mine = this.turn.then(() => this.untilOutOfDebt());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** Charges a page's read units. */
  afterPage(units: number): void {
    this.bucket = { units: this.bucket.units - units, atMs: this.bucket.atMs };
  }

  private async untilOutOfDebt(): Promise<void> {
    for (;;) {
      const rate = await this.pace.share();
      this.bucket = refilled(this.bucket, rate, this.clock.now().getTime());
      const wait = waitMs(this.bucket, rate);
      if (wait === 0) return;
      await this.sleep(Math.min(wait, READ_LEASE.renewMs));
    }
  }
}
