/**
 * Scheduled synthetic probe (the schedule event's content is ignored): PINGs
 * every protected cache and publishes CacheReachable / PingLatency per cache.
 * An unreachable cache is a metric value, not an error.
 */
import type { Context } from 'aws-lambda';
import { config } from '../config';
import { powertoolsMetricsSink } from '../adapters/powertools-metrics';
import { logger, lambdaHandler } from '../lib/observability';
import type { MetricsSink } from '../ports';
import { probeCaches, type ProbeDeps, type ProbeResult } from '../usecases/probe';
import { cacheProbe } from '../wiring/redis-probe';
import { endpointRecord, secretReader } from '../wiring/ssm';

export const METRICS_SERVICE_NAME = 'cache-outage-workflow';

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

let sink: MetricsSink | undefined;
const metricsSink = (): MetricsSink => (sink ??= powertoolsMetricsSink(config.metricsNamespace, METRICS_SERVICE_NAME));

export const handler = makeHandler({
  get probe() {
    return cacheProbe();
  },
  get endpoints() {
    return endpointRecord();
  },
  get secrets() {
    return secretReader();
  },
  get metrics() {
    return metricsSink();
  },
  config,
});
