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
  /** Streams records changed at or after `sinceMs`, in pages. */
  changedSince(tableName: string, sinceMs: number): AsyncIterable<SourceRecord[]>;
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
