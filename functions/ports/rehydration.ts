/** Rehydration: the system of record the cache was filled from, and writing into a cache. */
import type { Endpoint } from '../domain/caches';

export interface SourceRecord {
  key: string;
  value: string;
  kind: string;
  updatedAt: number;
  /** Absolute expiry, epoch seconds. */
  expiresAt?: number;
}

/** The system of record the cache was filled from. */
export interface SourceOfTruth {
  /**
   * Streams records changed at or after `sinceMs`, in pages. With a `pace`,
   * reads at most the pace's current share of read units per second (the
   * first page is always allowed); without one, as fast as the table answers.
   */
  changedSince(tableName: string, sinceMs: number, pace?: ReadPace): AsyncIterable<SourceRecord[]>;
}

/** How fast a reader may read a source-of-truth table: its current share of the table's budget. */
export interface ReadPace {
  /** Read units per second, above 0; renews the reader's lease when due. */
  share(): Promise<number>;
}

/** A reader's place among the readers of one table, held until it leaves. */
export interface ReadShare extends ReadPace {
  /** Gives the share back to the other readers (best effort: an unrenewed lease ends by itself). */
  leave(): Promise<void>;
}

/** The readers of each source-of-truth table, sharing its read budget equally. */
export interface ReadShares {
  /** Joins the readers of `table` as `holder`, sharing `budget` read units per second with them. */
  join(table: string, holder: string, budget: number): Promise<ReadShare>;
}

/** Bulk writer into a Redis endpoint. */
export interface CacheWriter {
  write(
    endpoint: Endpoint,
    authToken: string | undefined,
    records: AsyncIterable<SourceRecord[]>,
  ): Promise<{ written: number; expiredSkipped: number }>;
  read(endpoint: Endpoint, authToken: string | undefined, keys: string[]): Promise<(string | null)[]>;
  /** Keys the cache holds, summed over its databases (DBSIZE of each, as INFO keyspace reports them). */
  keyCount(endpoint: Endpoint, authToken: string | undefined): Promise<number>;
}
