/**
 * Scheduled synthetic probe (the schedule event's content is ignored): a run
 * PINGs every protected cache once per probe interval until the next run
 * takes over, and publishes CacheReachable / PingLatency per cache and round.
 * An unreachable cache is a metric value, not an error.
 */
import type { Context } from 'aws-lambda';
import { config } from '../config';
import { logger, lambdaHandler } from '../lib/observability';
import { runProbe, type ProbeDeps, type ProbeRound, type ProbeRun } from '../usecases/probe';
import { clock, sleep } from '../wiring/clock';
import { lazyDeps } from '../wiring/lazy-deps';
import { metricsSink } from '../wiring/metrics';
import { cacheProbe } from '../wiring/redis-probe';
import { endpointRecord, secretReader } from '../wiring/ssm';

function logRound(round: ProbeRound): void {
  for (const r of round.results) {
    const keys = {
      round: round.at,
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
}

export function makeHandler(deps: ProbeDeps) {
  return lambdaHandler('probe', async (_event: unknown, context: Context): Promise<ProbeRun> => {
    const run = await runProbe(deps, { remainingMs: () => context.getRemainingTimeInMillis(), onRound: logRound });
    if (run.stoppedEarly)
      logger.warn('probe run stopped early: the invocation is running out of time', { rounds: run.rounds.length });
    return run;
  });
}

export const handler = makeHandler(
  lazyDeps<ProbeDeps>({
    probe: cacheProbe,
    endpoints: endpointRecord,
    secrets: secretReader,
    metrics: metricsSink,
    config: () => config,
    clock,
    sleep,
  }),
);
