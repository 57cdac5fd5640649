/**
 * The synthetic probe: PINGs every protected cache at the endpoint clients
 * currently follow and publishes `CacheReachable` (1/0) and `PingLatency`
 * with the dimension `CacheId`. The CloudWatch alarm on `CacheReachable`
 * is what opens an incident when a cache stops answering.
 */
import type { Endpoint, ProtectedCache } from '../domain/caches';
import type { CacheProbe, EndpointRecord, MetricValue, MetricsSink, SecretReader } from '../ports';

/** The settings the probe reads (from the function's configuration). */
export interface ProbeConfig {
  readonly protectedCaches: readonly ProtectedCache[];
  readonly probeTimeoutMs: number;
}

export interface ProbeDeps {
  probe: CacheProbe;
  endpoints: EndpointRecord;
  secrets: SecretReader;
  metrics: MetricsSink;
  config: ProbeConfig;
  /** How many caches are pinged at the same time. */
  concurrency?: number;
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

export async function probeCaches(deps: ProbeDeps): Promise<{ results: ProbeResult[] }> {
  const caches = deps.config.protectedCaches;
  const limit = Math.max(1, deps.concurrency ?? DEFAULT_PROBE_CONCURRENCY);
  const results = await mapBounded(caches, limit, (cache) => probeOne(deps, cache));
  return { results };
}

async function probeOne(deps: ProbeDeps, cache: ProtectedCache): Promise<ProbeResult> {
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

  const timeoutMs = deps.config.probeTimeoutMs;
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
  const values: MetricValue[] = [{ name: 'CacheReachable', unit: 'Count', value: reachable ? 1 : 0 }];
  if (latencyMs !== undefined) values.push({ name: 'PingLatency', unit: 'Milliseconds', value: latencyMs });
  deps.metrics.emit({ CacheId: cache.id }, values);
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
  const deadlineMs = timeoutMs + 250;
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
