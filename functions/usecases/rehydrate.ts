/**
 * Rehydrate: writes into the recovered cache every record the source of
 * truth changed since the restored data was taken. Priority kinds
 * (customizations first) are written before anything else. One streamed pass
 * writes the first priority kind as it comes and keeps the other records, up
 * to a bound, to write after it in priority order; when more changed than that
 * bound, the other kinds get a pass each instead, so memory stays bounded
 * whatever the table's size.
 */
import type { ProtectedCache } from '../domain/caches';
import { DomainError, RehydrationFailedError } from '../domain/errors';
import type { RehydrateInput, RehydrateOutput } from '../domain/steps';
import { sinceMsOf } from '../domain/rehydration';
import type {
  CacheWriter,
  Clock,
  IncidentLocks,
  ReadPace,
  ReadShares,
  SecretReader,
  SourceOfTruth,
  SourceRecord,
  Timeline,
} from '../ports';
import { assertCurrentIncident } from './shared/current-incident';
import { authTokenFor, findCache } from './shared/protected-cache';
import { withReadShare } from './shared/read-share';
import { addTimeline } from './shared/timeline';

/** Records kept in memory during the first pass (a few hundred bytes each). */
export const BUFFERED_RECORDS_MAX = 50_000;

export interface RehydrateDeps {
  store: Timeline & IncidentLocks;
  source: SourceOfTruth;
  /** The readers of each source-of-truth table, sharing its read budget (when the cache sets one). */
  shares: ReadShares;
  writer: CacheWriter;
  secrets: SecretReader;
  clock: Clock;
  caches: readonly ProtectedCache[];
}

export async function rehydrate(deps: RehydrateDeps, input: RehydrateInput): Promise<RehydrateOutput> {
  const { incidentId, assessment } = input;
  await assertCurrentIncident(deps.store, input.cacheId, incidentId);
  const started = deps.clock.now();
  const sinceMs = sinceMsOf(assessment.rehydrateSince);
  const since = new Date(sinceMs).toISOString();
  const cache = findCache(deps.caches, input.cacheId);
  const sot = cache.sourceOfTruth;
  if (!sot) {
    await addTimeline(deps, incidentId, 'REHYDRATED', 'no source of truth configured: nothing written back', {
      written: 0,
    });
    return { since, written: 0, expiredSkipped: 0, byKind: {}, seconds: 0 };
  }

  const authToken = await authTokenFor(cache, deps.secrets);
  const { written, expiredSkipped, byKind } = await withReadShare(deps.shares, sot, `${incidentId}/rehydrate`, (pace) =>
    writeBack(deps, { table: sot.tableName, priorityKinds: sot.priorityKinds, pace }, input, authToken),
  );

  const seconds = Math.round((deps.clock.now().getTime() - started.getTime()) / 1000);
  const summary = Object.entries(byKind)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  await addTimeline(
    deps,
    incidentId,
    'REHYDRATED',
    `wrote back ${written} keys changed since ${since}${summary ? ` (${summary})` : ''}`,
    {
      since,
      written,
      expiredSkipped,
      byKind,
      seconds,
    },
  );
  return { since, written, expiredSkipped, byKind, seconds };
}

/** Writes back every live record changed since the assessment's time, priority kinds first. */
async function writeBack(
  deps: RehydrateDeps,
  source: { table: string; priorityKinds: readonly string[]; pace: ReadPace | undefined },
  input: RehydrateInput,
  authToken: string | undefined,
): Promise<{ written: number; expiredSkipped: number; byKind: Record<string, number> }> {
  const { cutover } = input;
  const { table, pace } = source;
  const sinceMs = sinceMsOf(input.assessment.rehydrateSince);
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const byKind: Record<string, number> = {};
  let written = 0;
  let expiredSkipped = 0;
  const priority = [...new Set(source.priorityKinds)];
  const rank = (kind: string) => (priority.includes(kind) ? priority.indexOf(kind) : priority.length);
  const live = (r: SourceRecord) => {
    if (r.expiresAt !== undefined && r.expiresAt <= nowSeconds) {
      expiredSkipped++;
      return false;
    }
    return true;
  };
  const counted = (records: SourceRecord[]) => {
    for (const r of records) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    return records;
  };
  const write = async (pages: AsyncIterable<SourceRecord[]>) => {
    try {
      const result = await deps.writer.write(cutover.current, authToken, pages);
      written += result.written;
      expiredSkipped += result.expiredSkipped;
    } catch (cause) {
      if (cause instanceof DomainError) throw cause;
      throw new RehydrationFailedError(
        `writing back to ${cutover.current.host} failed after ${written} keys: ${(cause as Error).message}`,
        { cause },
      );
    }
  };

  // Pass 1: the first rank as it streams by; later ranks kept in memory while they fit.
  const later: SourceRecord[][] = Array.from({ length: priority.length + 1 }, () => []);
  let kept = 0;
  let overflowed = false;
  await write(
    (async function* () {
      for await (const page of deps.source.changedSince(table, sinceMs, pace)) {
        const first: SourceRecord[] = [];
        for (const r of page) {
          if (!live(r)) continue;
          const k = rank(r.kind);
          if (k === 0) first.push(r);
          else if (!overflowed) {
            (later[k] as SourceRecord[]).push(r);
            overflowed = ++kept > BUFFERED_RECORDS_MAX;
          }
        }
        if (first.length) yield counted(first);
      }
    })(),
  );

  for (let k = 1; k <= priority.length; k++) {
    if (!overflowed) {
      const records = later[k] as SourceRecord[];
      if (records.length) await write(chunks(counted(records)));
      continue;
    }
    // Too much changed to keep: let go of what was kept, and make one more streamed pass for this rank.
    later.fill([]);
    await write(
      (async function* () {
        for await (const page of deps.source.changedSince(table, sinceMs, pace)) {
          const mine = page.filter((r) => rank(r.kind) === k && live(r));
          if (mine.length) yield counted(mine);
        }
      })(),
    );
  }

  return { written, expiredSkipped, byKind };
}

async function* chunks(records: SourceRecord[], size = 1000): AsyncIterable<SourceRecord[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size);
}
