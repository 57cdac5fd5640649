import type { ReadPace, SourceOfTruth, SourceRecord } from '../../functions/ports';
import { Failures, copy } from './failures';

/**
 * Source-of-truth tables in memory. changedSince streams records with
 * `updatedAt >= sinceMs` in pages of `pageSize`, in insertion order (a Scan
 * has no useful order either). `scans` counts passes over a table; a paced
 * pass asks its pace for a share before each page and records the shares.
 */
export class FakeSourceOfTruth implements SourceOfTruth {
  readonly failures = new Failures<keyof SourceOfTruth>();
  readonly scans: { table: string; sinceMs: number; shares?: number[] }[] = [];
  private readonly tables = new Map<string, Map<string, SourceRecord>>();

  constructor(private readonly pageSize = 100) {}

  put(table: string, ...records: SourceRecord[]): this {
    const t = this.tables.get(table) ?? new Map<string, SourceRecord>();
    for (const r of records) t.set(r.key, copy(r));
    this.tables.set(table, t);
    return this;
  }

  records(table: string): SourceRecord[] {
    return [...(this.tables.get(table)?.values() ?? [])].map((r) => copy(r));
  }

  async *changedSince(tableName: string, sinceMs: number, pace?: ReadPace): AsyncIterable<SourceRecord[]> {
    this.failures.check('changedSince');
    const scan: { table: string; sinceMs: number; shares?: number[] } = { table: tableName, sinceMs };
    if (pace) scan.shares = [];
    this.scans.push(scan);
    const matching = this.records(tableName).filter((r) => r.updatedAt >= sinceMs);
    for (let i = 0; i < matching.length; i += this.pageSize) {
      if (pace) scan.shares?.push(await pace.share());
      yield matching.slice(i, i + this.pageSize);
    }
  }
}
