import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsMetricsSink } from '../../functions/adapters/powertools-metrics';
import type { Endpoint } from '../../functions/domain/caches';
import type { CacheProbe, EmitOptions, MetricValue, MetricsSink } from '../../functions/ports';
import {
  attemptTimeoutMs,
  PROBE_ATTEMPTS,
  probeCaches,
  roundBudgetMs,
  runProbe,
  type ProbeDeps,
} from '../../functions/usecases/probe';
import { FakeCacheProbe, FakeEndpointRecord, FakeSecretReader, testCache } from '../fakes';
import { FakeClock } from '../fakes/clock';

class RecordingSink implements MetricsSink {
  readonly flushes: { dimensions: Record<string, string>; metrics: MetricValue[]; timestamp?: string }[] = [];
  emit(dimensions: Record<string, string>, metrics: MetricValue[], options: EmitOptions = {}): void {
    this.flushes.push({
      dimensions: { ...dimensions },
      metrics: metrics.map((m) => ({ ...m })),
      ...(options.timestamp ? { timestamp: options.timestamp.toISOString() } : {}),
    });
  }
  of(cacheId: string): Record<string, number> {
    const f = this.flushes.filter((x) => x.dimensions.CacheId === cacheId);
    expect(f).toHaveLength(1);
    return Object.fromEntries(f[0]!.metrics.map((m) => [m.name, m.value]));
  }
}

const SESSIONS = testCache({
  id: 'sessions',
  endpoint: { host: 'sessions.internal', port: 6379 },
  endpointParameter: '/c/sessions/endpoint',
});
const PROFILES = testCache({
  id: 'profiles',
  endpoint: { host: 'profiles.internal', port: 6380, tls: true },
  endpointParameter: '/c/profiles/endpoint',
  authTokenParameter: '/c/profiles/auth',
});

function setup(caches = [SESSIONS, PROFILES], probe: CacheProbe = new FakeCacheProbe(), clock = new FakeClock()) {
  const endpoints = new FakeEndpointRecord();
  const secrets = new FakeSecretReader({ '/c/profiles/auth': 'profiles-token' });
  const metrics = new RecordingSink();
  const sleeps: number[] = [];
  const deps: ProbeDeps = {
    probe,
    endpoints,
    secrets,
    metrics,
    config: { protectedCaches: caches, probeTimeoutMs: 100, probeIntervalSeconds: 10, probeScheduleSeconds: 60 },
    clock,
    // Waiting moves the fake clock: a run of a minute takes no time.
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  };
  return { deps, probe, endpoints, secrets, metrics, clock, sleeps, run: () => probeCaches(deps) };
}

describe('probeCaches', () => {
  it('reports reachable caches with their latency and publishes 1 and the latency per cache', async () => {
    const probe = new FakeCacheProbe()
      .up(SESSIONS.endpoint)
      .up(PROFILES.endpoint)
      .requireAuth(PROFILES.endpoint, 'profiles-token');
    const s = setup(undefined, probe);
    const { results } = await s.run();
    expect(results).toEqual([
      expect.objectContaining({
        cacheId: 'sessions',
        reachable: true,
        latencyMs: 1,
        endpoint: SESSIONS.endpoint,
        endpointSource: 'config',
        attempts: 1,
      }),
      expect.objectContaining({
        cacheId: 'profiles',
        reachable: true,
        latencyMs: 1,
        endpointSource: 'config',
        warnings: [],
      }),
    ]);
    expect(s.metrics.of('sessions')).toEqual({ CacheReachable: 1, PingLatency: 1 });
    expect(s.metrics.of('profiles')).toEqual({ CacheReachable: 1, PingLatency: 1 });
    expect(s.metrics.flushes.every((f) => Object.keys(f.dimensions).join() === 'CacheId')).toBe(true);
  });

  it('reports an unreachable cache after two attempts and publishes 0 without a latency', async () => {
    const probe = new FakeCacheProbe().down(SESSIONS.endpoint).up(PROFILES.endpoint);
    const s = setup([SESSIONS], probe);
    const { results } = await s.run();
    expect(results).toEqual([
      expect.objectContaining({
        cacheId: 'sessions',
        reachable: false,
        error: 'ECONNREFUSED',
        attempts: PROBE_ATTEMPTS,
      }),
    ]);
    expect(results[0]!.latencyMs).toBeUndefined();
    expect(probe.pingsTo(SESSIONS.endpoint)).toBe(2);
    expect(s.metrics.of('sessions')).toEqual({ CacheReachable: 0 });
  });

  it('a single lost PING is retried and does not count as an outage', async () => {
    const probe = new FakeCacheProbe().script(SESSIONS.endpoint, [false, true]);
    const s = setup([SESSIONS], probe);
    const { results } = await s.run();
    expect(results[0]).toMatchObject({ reachable: true, attempts: 2 });
    expect(s.metrics.of('sessions')).toEqual({ CacheReachable: 1, PingLatency: 1 });
  });

  it('probes the endpoint clients follow after a cut-over, not the original one', async () => {
    const replacement: Endpoint = { host: 'sessions-r1.internal', port: 6379, tls: false };
    const probe = new FakeCacheProbe().down(SESSIONS.endpoint).up(replacement);
    const s = setup([SESSIONS], probe);
    s.endpoints.set(SESSIONS.endpointParameter, replacement);
    const { results } = await s.run();
    expect(results[0]).toMatchObject({ reachable: true, endpoint: replacement, endpointSource: 'record' });
    expect(probe.pingsTo(SESSIONS.endpoint)).toBe(0);
  });

  it('falls back to the configured endpoint when the record cannot be read, and says so', async () => {
    const probe = new FakeCacheProbe().up(SESSIONS.endpoint);
    const s = setup([SESSIONS], probe);
    s.endpoints.failures.fail('read', new Error('AccessDenied'));
    const { results } = await s.run();
    expect(results[0]).toMatchObject({ reachable: true, endpointSource: 'config' });
    expect(results[0]!.warnings.join()).toMatch(/endpoint record \/c\/sessions\/endpoint unreadable.*AccessDenied/);
  });

  it('sends the AUTH token read from the secret parameter', async () => {
    const probe = new FakeCacheProbe().up(PROFILES.endpoint).requireAuth(PROFILES.endpoint, 'profiles-token');
    const s = setup([PROFILES], probe);
    await s.run();
    expect(probe.calls.every((c) => c.authToken === 'profiles-token')).toBe(true);
    expect(s.secrets.reads).toEqual(['/c/profiles/auth']);
  });

  it('still pings without AUTH when the token cannot be read, and reports both problems without the token', async () => {
    const probe = new FakeCacheProbe().up(PROFILES.endpoint).requireAuth(PROFILES.endpoint, 'profiles-token');
    const s = setup([PROFILES], probe);
    s.secrets.failures.fail('secret', new Error('ParameterNotFound'));
    const { results } = await s.run();
    expect(probe.calls).toHaveLength(2);
    expect(probe.calls.every((c) => c.authToken === undefined)).toBe(true);
    expect(results[0]).toMatchObject({ reachable: false, error: expect.stringContaining('WRONGPASS') });
    expect(results[0]!.warnings.join()).toMatch(/AUTH token \/c\/profiles\/auth unreadable.*ParameterNotFound/);
    expect(JSON.stringify(results)).not.toContain('profiles-token');
  });

  it('does not send AUTH to a cache without a token parameter', async () => {
    const probe = new FakeCacheProbe().up(SESSIONS.endpoint);
    const s = setup([SESSIONS], probe);
    await s.run();
    expect(probe.calls[0]).not.toHaveProperty('authToken');
    expect(s.secrets.reads).toEqual([]);
  });

  it('gives up on a probe that never answers at its deadline', async () => {
    const hanging: CacheProbe = { ping: () => new Promise(() => undefined) };
    const s = setup([SESSIONS], hanging);
    const started = Date.now();
    const { results } = await s.run();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(results[0]).toMatchObject({
      reachable: false,
      attempts: 2,
      error: expect.stringMatching(/no answer within \d+ ms/),
    });
    expect(s.metrics.of('sessions')).toEqual({ CacheReachable: 0 });
  });

  it('treats a probe that throws as unreachable', async () => {
    const throwing: CacheProbe = { ping: async () => Promise.reject(new TypeError('socket exploded')) };
    const s = setup([SESSIONS], throwing);
    const { results } = await s.run();
    expect(results[0]).toMatchObject({ reachable: false, error: 'TypeError: socket exploded' });
  });

  it('pings caches concurrently, but no more than the bound at a time', async () => {
    const caches = Array.from({ length: 7 }, (_, i) =>
      testCache({ id: `c${i}`, endpoint: { host: `c${i}.internal`, port: 6379 } }),
    );
    let inFlight = 0;
    let peak = 0;
    const slow: CacheProbe = {
      ping: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return { ok: true, latencyMs: 20 };
      },
    };
    const s = setup(caches, slow);
    s.deps.concurrency = 3;
    const started = Date.now();
    const { results } = await s.run();
    expect(peak).toBe(3);
    expect(results.map((r) => r.cacheId)).toEqual(caches.map((c) => c.id));
    expect(Date.now() - started).toBeLessThan(7 * 20);
  });

  it('with no protected caches, publishes nothing', async () => {
    const s = setup([]);
    expect(await s.run()).toEqual({ results: [] });
    expect(s.metrics.flushes).toEqual([]);
  });
});

describe('runProbe', () => {
  const ample = () => 900_000;
  const times = (run: { rounds: { at: string }[] }) => run.rounds.map((r) => r.at.slice(11, 19));

  it('pings every cache once per interval, in the middle of each 10-second interval, for the minute plus one interval', async () => {
    const clock = new FakeClock('2025-03-01T12:00:02.300Z');
    const s = setup([SESSIONS], new FakeCacheProbe().up(SESSIONS.endpoint), clock);
    const run = await runProbe(s.deps, { remainingMs: ample });
    expect(times(run)).toEqual(['12:00:05', '12:00:15', '12:00:25', '12:00:35', '12:00:45', '12:00:55', '12:01:05']);
    expect(run.stoppedEarly).toBe(false);
    expect(s.sleeps[0]).toBe(2700);
    // Each round's datapoints carry the round's own time, stored at high resolution.
    expect(s.metrics.flushes.map((f) => f.timestamp)).toEqual(run.rounds.map((r) => r.at));
    for (const f of s.metrics.flushes)
      expect(f.metrics).toEqual([
        { name: 'CacheReachable', unit: 'Count', value: 1, storageResolution: 1 },
        { name: 'PingLatency', unit: 'Milliseconds', value: 1, storageResolution: 1 },
      ]);
  });

  it('leaves no 10-second period without a datapoint across runs that start late, and overlaps by one round', async () => {
    const periodsOf = async (starts: string[]) => {
      const ats: string[] = [];
      for (const start of starts) {
        const s = setup([SESSIONS], new FakeCacheProbe().down(SESSIONS.endpoint), new FakeClock(start));
        ats.push(...(await runProbe(s.deps, { remainingMs: ample })).rounds.map((r) => r.at));
      }
      return ats.map((at) => Math.floor(Date.parse(at) / 10_000));
    };
    // EventBridge starts each minute's run a few seconds late, by varying amounts.
    const periods = await periodsOf(['2025-03-01T12:00:01Z', '2025-03-01T12:01:08Z', '2025-03-01T12:02:06Z']);
    const first = Math.floor(Date.parse('2025-03-01T12:00:05Z') / 10_000);
    const last = Math.floor(Date.parse('2025-03-01T12:03:15Z') / 10_000);
    const covered = new Set(periods);
    for (let p = first; p <= last; p++) expect(covered.has(p)).toBe(true);
    expect([...covered].every((p) => p >= first && p <= last)).toBe(true);
    // The run at 12:00:01 ends with 12:01:05 and the late one at 12:01:08 begins at 12:01:15: no gap. The run
    // at 12:02:06 begins at 12:02:15, which the one before (until 12:02:18) pinged too: one period holds two.
    expect(periods.length - covered.size).toBe(1);
  });

  it('stops before a round it could not finish in the time the invocation has left', async () => {
    const clock = new FakeClock('2025-03-01T12:00:00Z');
    const s = setup([SESSIONS], new FakeCacheProbe().up(SESSIONS.endpoint), clock);
    const deadline = clock.now().getTime() + 25_000;
    const run = await runProbe(s.deps, { remainingMs: () => deadline - clock.now().getTime() });
    // 12:00:25 would start with no time left for its pings.
    expect(times(run)).toEqual(['12:00:05', '12:00:15']);
    expect(run.stoppedEarly).toBe(true);
    expect(roundBudgetMs(100)).toBe(2 * (100 + 250) + 1000);
  });

  it('gives up the rounds whose time passed while a round overran its interval', async () => {
    const clock = new FakeClock('2025-03-01T12:00:00Z');
    const slow: CacheProbe = {
      ping: async () => {
        clock.advance(15_000);
        return { ok: true, latencyMs: 15_000 };
      },
    };
    const s = setup([SESSIONS], slow, clock);
    const run = await runProbe(s.deps, { remainingMs: ample });
    expect(times(run)).toEqual(['12:00:05', '12:00:25', '12:00:45', '12:01:05']);
  });

  it('keeps every period covered for a cache that hangs: its attempts share half the interval at most', async () => {
    // The interval is shorter than twice the configured timeout per attempt (as on a scaled local stack).
    const clock = new FakeClock('2025-03-01T12:00:00Z');
    const timeouts: number[] = [];
    const hung: CacheProbe = {
      ping: async (_endpoint, options) => {
        timeouts.push(options.timeoutMs);
        clock.advance(options.timeoutMs);
        return { ok: false, error: `no answer within ${options.timeoutMs} ms` };
      },
    };
    const s = setup([SESSIONS], hung, clock);
    s.deps.config = { ...s.deps.config, probeTimeoutMs: 1000, probeIntervalSeconds: 0.4, probeScheduleSeconds: 2 };
    const run = await runProbe(s.deps, { remainingMs: ample });
    const periods = run.rounds.map((r) => Math.floor(Date.parse(r.at) / 400));
    // Every 0.4-s period from the first round to the last holds one failed round.
    expect(periods).toEqual(Array.from({ length: periods.length }, (_, i) => periods[0]! + i));
    expect(periods.length).toBe(6);
    expect(run.rounds.every((r) => r.results[0]?.reachable === false)).toBe(true);
    expect(new Set(timeouts)).toEqual(new Set([100]));
    // With the defaults the configured timeout holds.
    expect(attemptTimeoutMs(1000, 10_000)).toBe(1000);
  });

  it('with an interval no shorter than the schedule, pings once at once', async () => {
    const clock = new FakeClock('2025-03-01T12:00:02Z');
    const s = setup([SESSIONS, PROFILES], new FakeCacheProbe().up(SESSIONS.endpoint), clock);
    s.deps.config = { ...s.deps.config, probeIntervalSeconds: 60 };
    const rounds: string[] = [];
    const run = await runProbe(s.deps, { remainingMs: ample, onRound: (r) => rounds.push(r.at) });
    expect(times(run)).toEqual(['12:00:02']);
    expect(rounds).toEqual([run.rounds[0]!.at]);
    expect(run.rounds[0]!.results.map((r) => [r.cacheId, r.reachable])).toEqual([
      ['sessions', true],
      ['profiles', false],
    ]);
    expect(s.sleeps).toEqual([]);
  });
});

describe('PowertoolsMetricsSink', () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  const emf = () =>
    out
      .join('')
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            _aws: {
              Timestamp: number;
              CloudWatchMetrics: {
                Namespace: string;
                Dimensions: string[][];
                Metrics: { Name: string; Unit: string }[];
              }[];
            };
          },
      );

  it('writes one EMF document per cache, each with only its CacheId dimension', async () => {
    const sink = new PowertoolsMetricsSink(
      new Metrics({ namespace: 'CacheOutageWorkflow', serviceName: 'cache-outage-workflow' }),
      'cache-outage-workflow',
    );
    const probe = new FakeCacheProbe().up(SESSIONS.endpoint).down(PROFILES.endpoint);
    // A recent time: CloudWatch skips EMF timestamps more than 14 days old.
    const clock = new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000 - 5000));
    const s = setup([SESSIONS, PROFILES], probe, clock);
    s.deps.metrics = sink;
    await s.run();
    const docs = emf();
    expect(docs).toHaveLength(2);
    const byCache = Object.fromEntries(docs.map((d) => [d.CacheId as string, d]));
    expect(byCache.sessions).toMatchObject({ CacheId: 'sessions', CacheReachable: 1, PingLatency: 1 });
    expect(byCache.profiles).toMatchObject({ CacheId: 'profiles', CacheReachable: 0 });
    expect(byCache.profiles).not.toHaveProperty('PingLatency');
    for (const d of docs) {
      const [def] = d._aws.CloudWatchMetrics;
      expect(def?.Namespace).toBe('CacheOutageWorkflow');
      expect(def?.Dimensions).toEqual([['CacheId']]);
    }
    // Stored at one-second resolution, under the round's time.
    expect(byCache.sessions!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'CacheReachable', Unit: 'Count', StorageResolution: 1 },
      { Name: 'PingLatency', Unit: 'Milliseconds', StorageResolution: 1 },
    ]);
    for (const d of docs) expect(d._aws.Timestamp).toBe(clock.now().getTime());
  });

  it('leaves standard-resolution values as they were, stamped when emitted', () => {
    const sink = new PowertoolsMetricsSink(
      new Metrics({ namespace: 'CacheOutageWorkflow', serviceName: 'cache-outage-workflow' }),
      'cache-outage-workflow',
    );
    const before = Date.now();
    sink.emit({ CacheId: 'orders' }, [{ name: 'BackupAgeSeconds', unit: 'Seconds', value: 42 }]);
    const [doc] = emf();
    expect(doc!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: 'BackupAgeSeconds', Unit: 'Seconds' }]);
    expect(doc!._aws.Timestamp).toBeGreaterThanOrEqual(before);
  });
});
