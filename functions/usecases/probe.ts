/**
 * The synthetic probe: PINGs every protected cache at the endpoint clients
 * currently follow and publishes `CacheReachable` (1/0) and `PingLatency`
 * with the dimension `CacheId`, stored at high resolution. The CloudWatch
 * alarm on `CacheReachable` is what opens an incident when a cache stops
 * answering.
 *
 * A run is one round per probe interval: EventBridge schedules run at most
 * once a minute, so a run loops (see runProbe).
 */
import type { Endpoint, ProtectedCache } from '../domain/caches';
import { PING_DEADLINE_SLACK_MS } from '../domain/detection';
import type { CacheProbe, Clock, EndpointRecord, MetricValue, MetricsSink, SecretReader } from '../ports';

/** The settings the probe reads (from the function's configuration). */
export interface ProbeConfig {
  readonly protectedCaches: readonly ProtectedCache[];
  readonly probeTimeoutMs: number;
  /** Seconds between two rounds; every alarm period of this length holds one. */
  readonly probeIntervalSeconds: number;
  /** Seconds between two scheduled runs (the schedule rule's rate). */
  readonly probeScheduleSeconds: number;
}

export interface ProbeDeps {
  probe: CacheProbe;
  endpoints: EndpointRecord;
  secrets: SecretReader;
  metrics: MetricsSink;
  config: ProbeConfig;
  clock: Clock;
  /** Waits until the next round. */
  sleep: (ms: number) => Promise<void>;
  /** How many caches are pinged at the same time. */
  concurrency?: number;
}

export interface ProbeRound {
  /** The round's time (ISO 8601): the middle of its interval, and its datapoints' timestamp. */
  at: string;
  results: ProbeResult[];
}

export interface ProbeRun {
  rounds: ProbeRound[];
  /** True when the run ended before its last round because the invocation's time was running out. */
  stoppedEarly: boolean;
}

export interface ProbeRunOptions {
  /** Milliseconds left before the invocation times out (the Lambda context's getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** Told each round as soon as it is done (the handler logs it). */
  onRound?: (round: ProbeRound) => void;
}

export interface ProbeResult {
  cacheId: string;
  reachable: boolean;
  latencyMs?: number;
  /** Why the last attempt failed, when the cache is unreachable. */
  error?: string;
  endpoint: Endpoint;
  /** Where the endpoint came from: the endpoint record clients follow, or the configured one. */
  endpointSource: 'record' | 'config';
  attempts: number;
  /** Problems that did not stop the ping (endpoint record or AUTH token unreadable). */
  warnings: string[];
}

export const PROBE_ATTEMPTS = 2;
export const DEFAULT_PROBE_CONCURRENCY = 8;
/** Kept for the reads (endpoint record, AUTH token) and the metrics of a round, beyond its pings. */
const ROUND_OVERHEAD_MS = 1000;

/**
 * Each attempt's timeout in a run that loops: the configured one, but never so
 * long that a round's attempts take more than half its interval. A round that
 * overran its interval would leave the next period without a datapoint, and
 * with missing data not breaching a cache that hangs (every PING timing out)
 * would then never alarm. With the defaults (10 s, 2 × 1,000 ms) it is the
 * configured timeout.
 */
export function attemptTimeoutMs(probeTimeoutMs: number, intervalMs: number): number {
  return Math.max(1, Math.min(probeTimeoutMs, Math.floor(intervalMs / (2 * PROBE_ATTEMPTS))));
}

/** The longest a round may take: every attempt at its deadline, and the reads. */
export function roundBudgetMs(probeTimeoutMs: number): number {
  return PROBE_ATTEMPTS * (probeTimeoutMs + PING_DEADLINE_SLACK_MS) + ROUND_OVERHEAD_MS;
}

/**
 * One scheduled run. Rounds fall in the middle of each wall-clock interval
 * (intervals start at epoch multiples of the probe interval, as CloudWatch's
 * periods do), so every alarm period of that length holds exactly one round
 * even when the run starts a few seconds late. A run covers its schedule
 * period plus one interval: consecutive runs overlap by one round rather
 * than leave a gap (two datapoints in one period change nothing for the
 * alarm's Minimum). It stops early when the invocation could not finish
 * another round. An interval not shorter than the schedule is one round,
 * at once.
 */
export async function runProbe(deps: ProbeDeps, options: ProbeRunOptions): Promise<ProbeRun> {
  const { probeIntervalSeconds, probeScheduleSeconds, probeTimeoutMs } = deps.config;
  const rounds: ProbeRound[] = [];
  const intervalMs = probeIntervalSeconds * 1000;
  const scheduleMs = probeScheduleSeconds * 1000;
  const looping = intervalMs < scheduleMs;
  const timeoutMs = looping ? attemptTimeoutMs(probeTimeoutMs, intervalMs) : probeTimeoutMs;
  const round = async (at: Date) => {
    const done: ProbeRound = { at: at.toISOString(), ...(await probeCaches(deps, at, timeoutMs)) };
    rounds.push(done);
    options.onRound?.(done);
  };
  const startMs = deps.clock.now().getTime();
  if (!looping) {
    await round(new Date(startMs));
    return { rounds, stoppedEarly: false };
  }
  const endMs = startMs + scheduleMs + intervalMs;
  const budgetMs = roundBudgetMs(timeoutMs);
  let next = middleAtOrAfter(startMs, intervalMs);
  while (next < endMs) {
    const waitMs = Math.max(0, next - deps.clock.now().getTime());
    if (options.remainingMs() - waitMs < budgetMs) return { rounds, stoppedEarly: true };
    if (waitMs > 0) await deps.sleep(waitMs);
    await round(new Date(next));
    // A round that overran its interval gives up the rounds whose time has passed.
    next = Math.max(next + intervalMs, middleAtOrAfter(deps.clock.now().getTime(), intervalMs));
  }
  return { rounds, stoppedEarly: false };
}

/** The first middle of an interval (epoch multiples of `intervalMs`) at or after `ms`. */
function middleAtOrAfter(ms: number, intervalMs: number): number {
  const half = intervalMs / 2;
  return Math.ceil((ms - half) / intervalMs) * intervalMs + half;
}

/** One round: every protected cache pinged once, its datapoints stamped `at`. */
export async function probeCaches(
  deps: ProbeDeps,
  at: Date = deps.clock.now(),
  timeoutMs: number = deps.config.probeTimeoutMs,
): Promise<{ results: ProbeResult[] }> {
  const caches = deps.config.protectedCaches;
  const limit = Math.max(1, deps.concurrency ?? DEFAULT_PROBE_CONCURRENCY);
  const results = await mapBounded(caches, limit, (cache) => probeOne(deps, cache, at, timeoutMs));
  return { results };
}

async function probeOne(deps: ProbeDeps, cache: ProtectedCache, at: Date, timeoutMs: number): Promise<ProbeResult> {
  const warnings: string[] = [];
  let endpoint: Endpoint = cache.endpoint;
  let endpointSource: ProbeResult['endpointSource'] = 'config';
  try {
    const recorded = await deps.endpoints.read(cache.endpointParameter);
    if (recorded) {
      endpoint = recorded;
      endpointSource = 'record';
    }
  } catch (err) {
    warnings.push(
      `endpoint record ${cache.endpointParameter} unreadable, probing the configured endpoint: ${messageOf(err)}`,
    );
  }

  let authToken: string | undefined;
  if (cache.authTokenParameter) {
    try {
      authToken = await deps.secrets.secret(cache.authTokenParameter);
    } catch (err) {
      warnings.push(`AUTH token ${cache.authTokenParameter} unreadable, probing without AUTH: ${messageOf(err)}`);
    }
  }

  let attempts = 0;
  let error = 'not probed';
  let latencyMs: number | undefined;
  while (attempts < PROBE_ATTEMPTS && latencyMs === undefined) {
    attempts++;
    const outcome = await pingWithDeadline(deps.probe, endpoint, timeoutMs, authToken);
    if (outcome.ok) latencyMs = outcome.latencyMs;
    else error = outcome.error;
  }

  const reachable = latencyMs !== undefined;
  // High resolution: the alarm evaluates periods shorter than a minute.
  const values: MetricValue[] = [
    { name: 'CacheReachable', unit: 'Count', value: reachable ? 1 : 0, storageResolution: 1 },
  ];
  if (latencyMs !== undefined)
    values.push({ name: 'PingLatency', unit: 'Milliseconds', value: latencyMs, storageResolution: 1 });
  deps.metrics.emit({ CacheId: cache.id }, values, { timestamp: at });
  return {
    cacheId: cache.id,
    reachable,
    ...(reachable ? { latencyMs } : { error }),
    endpoint,
    endpointSource,
    attempts,
    warnings,
  };
}

/** The probe adapter enforces the timeout; this deadline only guards against one that hangs. */
async function pingWithDeadline(
  probe: CacheProbe,
  endpoint: Endpoint,
  timeoutMs: number,
  authToken: string | undefined,
): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }> {
  const deadlineMs = timeoutMs + PING_DEADLINE_SLACK_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ ok: false; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${deadlineMs} ms` }), deadlineMs);
  });
  try {
    const ping = probe
      .ping(endpoint, { timeoutMs, ...(authToken !== undefined ? { authToken } : {}) })
      .catch((err: unknown) => ({
        ok: false as const,
        error: messageOf(err),
      }));
    return await Promise.race([ping, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}
