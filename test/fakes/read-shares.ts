import { READ_LEASE, endedReaders, shareOf, type ReadLeases } from '../../functions/domain/read-shares';
import type { Clock, ReadShare, ReadShares } from '../../functions/ports';

/**
 * The readers of each table in memory, with the DynamoDB adapter's rules:
 * joining and each renewal (on share(), when due) set the
 * reader's lease and drop ended ones; leaving removes it. `joins` records
 * every join, `leaves` every leave.
 */
export class FakeReadShares implements ReadShares {
  readonly joins: { table: string; holder: string; budget: number }[] = [];
  readonly leaves: { table: string; holder: string }[] = [];
  private readonly tables = new Map<string, Record<string, number>>();

  constructor(private readonly clock: Clock) {}

  /** Every lease of `table`, as the item would hold them. */
  leases(table: string): ReadLeases {
    return { ...(this.tables.get(table) ?? {}) };
  }

  /** Puts a lease as another reader (say, a crashed one) left it. */
  seed(table: string, holder: string, until: number): this {
    this.tables.set(table, { ...(this.tables.get(table) ?? {}), [holder]: until });
    return this;
  }

  async join(table: string, holder: string, budget: number): Promise<ReadShare> {
    this.joins.push({ table, holder, budget });
    const now = () => this.clock.now().getTime();
    this.renew(table, holder);
    let renewAt = now() + READ_LEASE.firstRenewMs;
    let seen = this.leases(table);
    return {
      share: async () => {
        if (now() >= renewAt) {
          seen = this.renew(table, holder);
          renewAt = now() + READ_LEASE.renewMs;
        }
        return shareOf(budget, seen, now(), holder);
      },
      leave: async () => {
        this.leaves.push({ table, holder });
        const leases = this.tables.get(table);
        if (leases) delete leases[holder];
      },
    };
  }

  private renew(table: string, holder: string): ReadLeases {
    const nowMs = this.clock.now().getTime();
    const leases = { ...(this.tables.get(table) ?? {}) };
    for (const ended of endedReaders(leases, nowMs, holder)) delete leases[ended];
    leases[holder] = nowMs + READ_LEASE.expireMs;
    this.tables.set(table, leases);
    return { ...leases };
  }
}
