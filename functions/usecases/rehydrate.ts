/**
 * Rehydrate: writes into the recovered cache every record the source of
 * truth changed since the restored data was taken. Priority kinds
 * (customizations first) are written before anything else: one streamed pass
 * over the source per priority kind, then one for the rest, so memory stays
 * bounded whatever the table's size.
 */
import type { ProtectedCache } from '../domain/caches';
import { DomainError, RehydrationFailedError } from '../domain/errors';
import type { RehydrateInput, RehydrateOutput } from '../domain/steps';
import type { CacheWriter, Clock, IncidentStore, SecretReader, SourceOfTruth, SourceRecord } from '../ports';
import { addTimeline, authTokenFor, findCache, sinceMsOf } from './common';

export interface RehydrateDeps {
  store: IncidentStore;
  source: SourceOfTruth;
  writer: CacheWriter;
  secrets: SecretReader;
  clock: Clock;
  caches: readonly ProtectedCache[];
}

export async function rehydrate(deps: RehydrateDeps, input: RehydrateInput): Promise<RehydrateOutput> {
  const { incidentId, cutover, assessment } = input;
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

  const table = sot.tableName;
  const authToken = await authTokenFor(cache, deps.secrets);
  const nowSeconds = Math.floor(started.getTime() / 1000);
  const byKind: Record<string, number> = {};
  let written = 0;
  let expiredSkipped = 0;
  const priority = [...new Set(sot.priorityKinds)];
  const passes: ((kind: string) => boolean)[] = [
    ...priority.map((p) => (kind: string) => kind === p),
    (kind: string) => !priority.includes(kind),
  ];

  for (const belongs of passes) {
    const pages = async function* (): AsyncIterable<SourceRecord[]> {
      for await (const page of deps.source.changedSince(table, sinceMs)) {
        const kept: SourceRecord[] = [];
        for (const r of page) {
          if (!belongs(r.kind)) continue;
          if (r.expiresAt !== undefined && r.expiresAt <= nowSeconds) {
            expiredSkipped++;
            continue;
          }
          byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
          kept.push(r);
        }
        if (kept.length) yield kept;
      }
    };
    try {
      const result = await deps.writer.write(cutover.current, authToken, pages());
      written += result.written;
      expiredSkipped += result.expiredSkipped;
    } catch (cause) {
      if (cause instanceof DomainError) throw cause;
      throw new RehydrationFailedError(
        `writing back to ${cutover.current.host} failed after ${written} keys: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }

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
