/**
 * Scheduled synthetic probe (the schedule event's content is ignored): PINGs
 * every protected cache and publishes CacheReachable / PingLatency per cache.
 * An unreachable cache is a metric value, not an error.
 */
import type { Context } from 'aws-lambda';
import { config } from '../config';
import { logger, lambdaHandler } from '../lib/observability';
import { probeCaches, type ProbeDeps, type ProbeResult } from '../usecases/probe';
import { lazyDeps } from '../wiring/lazy-deps';
import { metricsSink } from '../wiring/metrics';
import { cacheProbe } from '../wiring/redis-probe';
import { endpointRecord, secretReader } from '../wiring/ssm';

export function makeHandler(deps: ProbeDeps) {
  return lambdaHandler('probe', async (_event: unknown, _context: Context): Promise<{ results: ProbeResult[] }> => {
    const out = await probeCaches(deps);
    for (const r of out.results) {
      const keys = {
        cacheId: r.cacheId,
        reachable: r.reachable,
        endpoint: `${r.endpoint.host}:${r.endpoint.port}`,
        endpointSource: r.endpointSource,
        attempts: r.attempts,
        ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
      };
      if (r.reachable && r.warnings.length === 0) logger.info('cache reachable', keys);
      else logger.warn(r.reachable ? 'cache reachable with warnings' : 'cache unreachable', keys);
    }
    return out;
  });
}

export const handler = makeHandler(
  lazyDeps<ProbeDeps>({
    probe: cacheProbe,
    endpoints: endpointRecord,
    secrets: secretReader,
    metrics: metricsSink,
    config: () => config,
  }),
);
