import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsMetricsSink } from '../../functions/adapters/powertools-metrics';
import type { Endpoint } from '../../functions/domain/caches';
import type { CacheProbe, MetricValue, MetricsSink } from '../../functions/ports';
import { PROBE_ATTEMPTS, probeCaches, type ProbeDeps } from '../../functions/usecases/probe';
import { FakeCacheProbe, FakeEndpointRecord, FakeSecretReader, testCache } from '../fakes';

class RecordingSink implements MetricsSink {
  readonly flushes: { dimensions: Record<string, string>; metrics: MetricValue[] }[] = [];
  emit(dimensions: Record<string, string>, metrics: MetricValue[]): void {
    this.flushes.push({ dimensions: { ...dimensions }, metrics: metrics.map((m) => ({ ...m })) });
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

function setup(caches = [SESSIONS, PROFILES], probe: CacheProbe = new FakeCacheProbe()) {
  const endpoints = new FakeEndpointRecord();
  const secrets = new FakeSecretReader({ '/c/profiles/auth': 'profiles-token' });
  const metrics = new RecordingSink();
  const deps: ProbeDeps = {
    probe,
    endpoints,
    secrets,
    metrics,
    config: { protectedCaches: caches, probeTimeoutMs: 100 },
  };
  return { deps, probe, endpoints, secrets, metrics, run: () => probeCaches(deps) };
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
    const s = setup([SESSIONS, PROFILES], probe);
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
    expect(byCache.sessions!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'CacheReachable', Unit: 'Count' },
      { Name: 'PingLatency', Unit: 'Milliseconds' },
    ]);
  });
});
