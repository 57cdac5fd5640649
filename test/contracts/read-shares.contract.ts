/**
 * What every ReadShares promises (run against the fake the use-case tests use
 * and against the DynamoDB adapter on the local DynamoDB): the readers of a
 * table share its budget equally, a reader sees others come and go at its
 * next renewal, a lease not renewed stops counting, and leaving gives the
 * share back.
 */
import type { ReadShares } from '../../functions/ports';
import type { FakeClock } from '../fakes/clock';

const TABLE = 'account-settings';
const BUDGET = 300;

export function describeReadSharesContract(
  name: string,
  subject: () => Promise<{ shares: ReadShares; clock: FakeClock }>,
): void {
  describe(name, () => {
    let shares: ReadShares;
    let clock: FakeClock;
    beforeEach(async () => {
      ({ shares, clock } = await subject());
    });

    it('a lone reader has the whole budget', async () => {
      const a = await shares.join(TABLE, 'sessions-1/rehydrate', BUDGET);

      expect(await a.share()).toBe(BUDGET);
    });

    it('three readers converge to a third each; after one leaves, to a half', async () => {
      const a = await shares.join(TABLE, 'sessions-1/rehydrate', BUDGET);
      const b = await shares.join(TABLE, 'profiles-1/rehydrate', BUDGET);
      const c = await shares.join(TABLE, 'carts-1/rehydrate', BUDGET);
      // Each sees the readers that had joined when it last wrote its lease.
      expect([await a.share(), await b.share(), await c.share()]).toEqual([300, 150, 100]);

      clock.advance({ seconds: 10 });
      expect([await a.share(), await b.share(), await c.share()]).toEqual([100, 100, 100]);

      await c.leave();
      clock.advance({ seconds: 10 });
      expect([await a.share(), await b.share()]).toEqual([150, 150]);
    });

    it('tables do not share budgets', async () => {
      const a = await shares.join(TABLE, 'sessions-1/rehydrate', BUDGET);
      await shares.join('orders', 'orders-1/rehydrate', BUDGET);
      clock.advance({ seconds: 10 });

      expect(await a.share()).toBe(BUDGET);
    });

    it('a lease not renewed for a minute no longer counts', async () => {
      const a = await shares.join(TABLE, 'sessions-1/rehydrate', BUDGET);
      await shares.join(TABLE, 'crashed-1/rehydrate', BUDGET);
      const seen: number[] = [];
      for (let s = 10; s <= 60; s += 10) {
        clock.advance({ seconds: 10 });
        seen.push(await a.share());
      }

      expect(seen).toEqual([150, 150, 150, 150, 150, 300]);
    });

    it('a reader that leaves and joins again counts once', async () => {
      const a = await shares.join(TABLE, 'sessions-1/rehydrate', BUDGET);
      const b = await shares.join(TABLE, 'sessions-1/verify-data', BUDGET);
      await b.leave();
      await b.leave();
      const again = await shares.join(TABLE, 'sessions-1/verify-data', BUDGET);
      clock.advance({ seconds: 10 });

      expect([await a.share(), await again.share()]).toEqual([150, 150]);
    });
  });
}
