import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsMetricsSink } from '../../functions/adapters/powertools-metrics';
import { RedisProbe } from '../../functions/adapters/redis-probe';
import { makeHandler } from '../../functions/handlers/probe';
import { systemClock } from '../../functions/ports';
import type { ProbeDeps } from '../../functions/usecases/probe';
import { freePort, startRedis, type RedisProcess } from '../../local/elasticache';
import { FakeCacheProbe, FakeEndpointRecord, FakeSecretReader, lambdaContext, testCache } from '../fakes';

const TICK = path.join(__dirname, '..', 'fixtures', 'events', 'other', 'scheduled-probe-tick.json');

type Emf = Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } };

let out: string[];
beforeEach(() => {
  out = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
});
afterEach(() => jest.restoreAllMocks());

const jsonLines = (): Record<string, unknown>[] =>
  out
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const emf = (): Emf[] => jsonLines().filter((l): l is Emf => '_aws' in l);
const logs = () => jsonLines().filter((l) => !('_aws' in l));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A run of one round: the interval is the schedule's. */
const once = (
  protectedCaches: ProbeDeps['config']['protectedCaches'],
  probeTimeoutMs: number,
): ProbeDeps['config'] => ({
  protectedCaches,
  probeTimeoutMs,
  probeIntervalSeconds: 60,
  probeScheduleSeconds: 60,
});

const sink = () =>
  new PowertoolsMetricsSink(
    new Metrics({ namespace: 'CacheOutageWorkflow', serviceName: 'cache-outage-workflow' }),
    'cache-outage-workflow',
  );

describe('probe handler with fakes', () => {
  it('ignores the schedule event, probes every cache and logs one line per cache', async () => {
    const a = testCache({ id: 'sessions', endpoint: { host: 'sessions.internal', port: 6379 } });
    const b = testCache({
      id: 'profiles',
      endpoint: { host: 'profiles.internal', port: 6379 },
      endpointParameter: '/c/profiles/endpoint',
    });
    const deps: ProbeDeps = {
      probe: new FakeCacheProbe().up(a.endpoint),
      endpoints: new FakeEndpointRecord(),
      secrets: new FakeSecretReader(),
      metrics: sink(),
      clock: systemClock,
      sleep,
      config: once([a, b], 100),
    };
    const event = JSON.parse(await readFile(TICK, 'utf8')) as unknown;
    const result = await makeHandler(deps)(event, lambdaContext('probe'));
    expect(result.rounds[0]!.results.map((r) => [r.cacheId, r.reachable])).toEqual([
      ['sessions', true],
      ['profiles', false],
    ]);
    expect(logs()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'INFO',
          message: 'cache reachable',
          cacheId: 'sessions',
          endpoint: 'sessions.internal:6379',
        }),
        expect.objectContaining({
          level: 'WARN',
          message: 'cache unreachable',
          cacheId: 'profiles',
          error: 'ENOTFOUND',
        }),
      ]),
    );
    expect(emf().map((d) => [d.CacheId, d.CacheReachable])).toEqual([
      ['sessions', 1],
      ['profiles', 0],
    ]);
  });
});

describe('probe handler against a real redis-server', () => {
  let dir: string;
  let open: RedisProcess;
  let locked: RedisProcess;
  let closedPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'probe-test-'));
    const [d1, d2] = [await mkdtemp(path.join(dir, 'a-')), await mkdtemp(path.join(dir, 'b-'))];
    [open, locked] = await Promise.all([
      startRedis({ dir: d1 }),
      startRedis({ dir: d2, requirePass: 'probe-secret-token' }),
    ]);
    closedPort = await freePort();
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), locked?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes CacheReachable 1 with a latency for a live server, 0 for a closed port, and honours AUTH', async () => {
    const up = testCache({
      id: 'up',
      endpoint: { host: '127.0.0.1', port: open.port },
      endpointParameter: '/c/up/endpoint',
    });
    const down = testCache({
      id: 'down',
      endpoint: { host: '127.0.0.1', port: closedPort },
      endpointParameter: '/c/down/endpoint',
    });
    const auth = testCache({
      id: 'auth',
      endpoint: { host: '127.0.0.1', port: locked.port },
      endpointParameter: '/c/auth/endpoint',
      authTokenParameter: '/c/auth/token',
    });
    const noauth = testCache({
      id: 'noauth',
      endpoint: { host: '127.0.0.1', port: locked.port },
      endpointParameter: '/c/noauth/endpoint',
    });
    const deps: ProbeDeps = {
      probe: new RedisProbe(),
      endpoints: new FakeEndpointRecord(),
      secrets: new FakeSecretReader({ '/c/auth/token': 'probe-secret-token' }),
      metrics: sink(),
      clock: systemClock,
      sleep,
      config: once([up, down, auth, noauth], 500),
    };
    const result = await makeHandler(deps)({}, lambdaContext('probe'));
    const byId = Object.fromEntries(result.rounds[0]!.results.map((r) => [r.cacheId, r]));
    expect(byId.up).toMatchObject({ reachable: true, attempts: 1 });
    expect(byId.up!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(byId.up!.latencyMs).toBeLessThan(500);
    expect(byId.down).toMatchObject({ reachable: false, attempts: 2 });
    expect(byId.down!.error).toMatch(/refused|ECONNREFUSED/i);
    expect(byId.auth).toMatchObject({ reachable: true });
    expect(byId.noauth).toMatchObject({ reachable: false, error: expect.stringMatching(/auth/i) });

    const docs = Object.fromEntries(emf().map((d) => [d.CacheId as string, d]));
    expect(Object.keys(docs).sort()).toEqual(['auth', 'down', 'noauth', 'up']);
    expect(docs.up).toMatchObject({ CacheReachable: 1, PingLatency: byId.up!.latencyMs });
    expect(docs.down).toMatchObject({ CacheReachable: 0 });
    expect(docs.down).not.toHaveProperty('PingLatency');
    expect(docs.auth).toMatchObject({ CacheReachable: 1 });
    expect(docs.noauth).toMatchObject({ CacheReachable: 0 });
    for (const d of Object.values(docs))
      expect(d._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: 'CacheOutageWorkflow',
        Dimensions: [['CacheId']],
      });
    expect(out.join('')).not.toContain('probe-secret-token');
  });

  it('loops: one round per interval, each stamped with its interval middle, until the run ends or time runs short', async () => {
    const cache = testCache({ id: 'up', endpoint: { host: '127.0.0.1', port: open.port } });
    // Scaled down as the local stack scales the probe: 0.2 s rounds over a 0.6 s schedule.
    const deps: ProbeDeps = {
      probe: new RedisProbe(),
      endpoints: new FakeEndpointRecord(),
      secrets: new FakeSecretReader(),
      metrics: sink(),
      clock: systemClock,
      sleep,
      config: { protectedCaches: [cache], probeTimeoutMs: 100, probeIntervalSeconds: 0.2, probeScheduleSeconds: 0.6 },
    };
    const result = await makeHandler(deps)({}, lambdaContext('probe'));
    expect(result.stoppedEarly).toBe(false);
    expect(result.rounds.length).toBeGreaterThanOrEqual(3);
    expect(result.rounds.length).toBeLessThanOrEqual(4);
    const stamps = emf().map((d) => (d._aws as unknown as { Timestamp: number }).Timestamp);
    expect(stamps).toEqual(result.rounds.map((r) => Date.parse(r.at)));
    for (const t of stamps) expect(t % 200).toBe(100);
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(
      logs()
        .filter((l) => l.message === 'cache reachable')
        .map((l) => l.round),
    ).toEqual(result.rounds.map((r) => r.at));

    out.length = 0;
    const short = { ...lambdaContext('probe'), getRemainingTimeInMillis: () => 500 };
    const cut = await makeHandler(deps)({}, short);
    expect(cut).toMatchObject({ rounds: [], stoppedEarly: true });
    expect(logs()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/stopped early/) }),
      ]),
    );
  });

  it('reports a server that stopped as unreachable', async () => {
    const dir2 = await mkdtemp(path.join(dir, 'c-'));
    const gone = await startRedis({ dir: dir2 });
    const cache = testCache({ id: 'gone', endpoint: { host: '127.0.0.1', port: gone.port } });
    await gone.stop();
    const deps: ProbeDeps = {
      probe: new RedisProbe(),
      endpoints: new FakeEndpointRecord(),
      secrets: new FakeSecretReader(),
      metrics: sink(),
      clock: systemClock,
      sleep,
      config: once([cache], 300),
    };
    const result = await makeHandler(deps)({}, lambdaContext('probe'));
    expect(result.rounds[0]!.results[0]).toMatchObject({ cacheId: 'gone', reachable: false });
    expect(emf()[0]).toMatchObject({ CacheId: 'gone', CacheReachable: 0 });
  });
});
