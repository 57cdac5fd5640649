/**
 * Verify Cache (mode cache): the endpoint record, read as clients read it,
 * names the recovered cache, which answers PING and sample reads. Marks the
 * moment clients are served again.
 *
 * Verify Data (mode data): every record changed in the source of truth since
 * the restored data was taken holds the same value in the cache.
 */
import type { ProtectedCache } from '../domain/caches';
import { ValidationError, VerificationFailedError } from '../domain/errors';
import type { VerifyInput, VerifyOutput } from '../domain/steps';
import { describeEndpoint, sameEndpoint } from '../domain/endpoints';
import { sinceMsOf } from '../domain/rehydration';
import type {
  CacheProbe,
  CacheWriter,
  Clock,
  EndpointRecord,
  IncidentRecords,
  ReadShares,
  SecretReader,
  SourceOfTruth,
  SourceRecord,
  Timeline,
} from '../ports';
import { pingWithRetry } from './shared/ping';
import { authTokenFor, findCache } from './shared/protected-cache';
import { withReadShare } from './shared/read-share';
import { addTimeline } from './shared/timeline';

export interface VerifyDeps {
  store: IncidentRecords & Timeline;
  endpoints: EndpointRecord;
  probe: CacheProbe;
  secrets: SecretReader;
  source: SourceOfTruth;
  /** The readers of each source-of-truth table: Verify Data reads within its share, as Rehydrate does. */
  shares: ReadShares;
  writer: CacheWriter;
  clock: Clock;
  caches: readonly ProtectedCache[];
  probeTimeoutMs: number;
}

export const SAMPLE_KEYS = 20;
const SAMPLE_WINDOW_MS = 24 * 3600 * 1000;
const SAMPLE_BUDGET_MS = 10_000;
export const MAX_DATA_CHECKS = 100_000;
export const READ_BATCH = 500;
const PING_TRIES = 3;
const KEYS_IN_MESSAGE = 5;

export async function verify(deps: VerifyDeps, input: VerifyInput): Promise<VerifyOutput> {
  return input.mode === 'cache' ? verifyCache(deps, input) : verifyData(deps, input);
}

async function verifyCache(deps: VerifyDeps, input: VerifyInput): Promise<VerifyOutput> {
  const { incidentId, cutover } = input;
  const cache = findCache(deps.caches, input.cacheId);
  const authToken = await authTokenFor(cache, deps.secrets);
  const seen = await deps.endpoints.read(cutover.parameter);
  if (!sameEndpoint(seen, cutover.current)) {
    throw new VerificationFailedError(
      `${cutover.parameter} points at ${seen ? describeEndpoint(seen) : 'nothing'}, expected ${describeEndpoint(cutover.current)}`,
    );
  }
  const ping = await pingWithRetry(
    deps.probe,
    cutover.current,
    { timeoutMs: deps.probeTimeoutMs, authToken },
    PING_TRIES,
  );
  if (!ping.ok)
    throw new VerificationFailedError(`${describeEndpoint(cutover.current)} does not answer PING: ${ping.error}`);

  const now = deps.clock.now();
  const keys = cache.sourceOfTruth
    ? await newestKeys(deps.source, deps.clock, cache.sourceOfTruth.tableName, now.getTime() - SAMPLE_WINDOW_MS)
    : [];
  if (keys.length) {
    try {
      await deps.writer.read(cutover.current, authToken, keys);
    } catch (cause) {
      throw new VerificationFailedError(
        `sample reads from ${describeEndpoint(cutover.current)} failed: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  const at = now.toISOString();
  const incident = await deps.store.getIncident(incidentId);
  if (!incident?.restoredAt) await deps.store.updateIncident(incidentId, { restoredAt: at });
  await addTimeline(
    deps,
    incidentId,
    'VERIFIED',
    `clients reach ${describeEndpoint(cutover.current)} through ${cutover.parameter}`,
    {
      latencyMs: ping.latencyMs,
      keysChecked: keys.length,
    },
  );
  return { mode: 'cache', ok: true, latencyMs: ping.latencyMs, keysChecked: keys.length, at };
}

/**
 * Up to SAMPLE_KEYS keys among the records changed most recently. The source
 * is scanned, so the search stops after SAMPLE_BUDGET_MS with what it found.
 */
async function newestKeys(source: SourceOfTruth, clock: Clock, table: string, sinceMs: number): Promise<string[]> {
  const keys: string[] = [];
  const deadline = clock.now().getTime() + SAMPLE_BUDGET_MS;
  for await (const page of source.changedSince(table, sinceMs)) {
    for (const r of page) {
      keys.push(r.key);
      if (keys.length >= SAMPLE_KEYS) return keys;
    }
    if (clock.now().getTime() > deadline) break;
  }
  return keys;
}

async function verifyData(deps: VerifyDeps, input: VerifyInput): Promise<VerifyOutput> {
  const { incidentId, cutover, assessment } = input;
  if (!assessment)
    throw new ValidationError('verify input', [{ path: 'assessment', message: 'required in mode data' }]);
  const cache = findCache(deps.caches, input.cacheId);
  const since = assessment.rehydrateSince;
  if (!cache.sourceOfTruth) {
    const at = deps.clock.now().toISOString();
    await addTimeline(deps, incidentId, 'DATA_VERIFIED', 'no source of truth configured: nothing to compare', {
      keysChecked: 0,
    });
    return { mode: 'data', ok: true, keysChecked: 0, at };
  }
  const authToken = await authTokenFor(cache, deps.secrets);
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  let checked = 0;
  let capped = false;
  const mismatched: string[] = [];
  let mismatches = 0;
  let batch: SourceRecord[] = [];

  const compare = async (records: SourceRecord[]): Promise<void> => {
    const values = await deps.writer.read(
      cutover.current,
      authToken,
      records.map((r) => r.key),
    );
    records.forEach((r, i) => {
      if (values[i] !== r.value) {
        mismatches++;
        if (mismatched.length < KEYS_IN_MESSAGE) mismatched.push(r.key);
      }
    });
    checked += records.length;
  };

  const sot = cache.sourceOfTruth;
  await withReadShare(deps.shares, sot, `${incidentId}/verify-data`, async (pace) => {
    outer: for await (const page of deps.source.changedSince(sot.tableName, sinceMsOf(since), pace)) {
      for (const r of page) {
        if (r.expiresAt !== undefined && r.expiresAt <= nowSeconds) continue;
        if (checked + batch.length >= MAX_DATA_CHECKS) {
          capped = true;
          break outer;
        }
        batch.push(r);
        if (batch.length >= READ_BATCH) {
          await compare(batch);
          batch = [];
        }
      }
    }
    if (batch.length) await compare(batch);
  });

  if (mismatches > 0) {
    throw new VerificationFailedError(
      `${mismatches} of ${checked} keys changed since ${since ?? 'the beginning'} differ between the cache and the source of truth (first: ${mismatched.join(', ')})`,
    );
  }
  const at = deps.clock.now().toISOString();
  await addTimeline(
    deps,
    incidentId,
    'DATA_VERIFIED',
    `${checked} keys match the source of truth${capped ? ' (capped)' : ''}`,
    {
      keysChecked: checked,
      mismatches: 0,
      since: since ?? null,
      capped,
    },
  );
  return { mode: 'data', ok: true, keysChecked: checked, at };
}
