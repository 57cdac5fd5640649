import { ConfigError, TransientDependencyError } from '../../functions/domain/errors';
import type { MetricValue, MetricsSink, ReplicationGroupView } from '../../functions/ports';
import { mirrorCache, mirrorLagSeconds, type MirrorDeps } from '../../functions/usecases/mirror';
import { fakeWorld, FakeKeyspaceMirror, testCache, type FakeClock } from '../fakes';

const NOW = '2025-03-01T12:00:00.000Z';
const PRIMARY = { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };
const STANDBY = { host: 'master.sessions-standby.xyz.use1.cache.amazonaws.com', port: 6379, tls: true };

class RecordingSink implements MetricsSink {
  readonly flushes: { dimensions: Record<string, string>; metrics: MetricValue[] }[] = [];
  emit(dimensions: Record<string, string>, metrics: MetricValue[]): void {
    this.flushes.push({ dimensions, metrics });
  }
  /** The metrics of the last flush, by name. */
  last(): Record<string, number> {
    const f = this.flushes.at(-1);
    return Object.fromEntries((f?.metrics ?? []).map((m) => [m.name, m.value]));
  }
}

function group(overrides: Partial<ReplicationGroupView> = {}): ReplicationGroupView {
  return {
    replicationGroupId: 'sessions-standby',
    status: 'available',
    primaryEndpoint: STANDBY,
    members: [{ cacheClusterId: 'sessions-standby-001', role: 'primary', endpoint: { ...STANDBY, host: 'node-1' } }],
    automaticFailover: false,
    ...overrides,
  };
}

function setup(cache: Record<string, unknown> = {}) {
  const world = fakeWorld({
    now: NOW,
    caches: [
      testCache({
        authTokenParameter: '/cache/sessions/auth',
        standby: { replicationGroupId: 'sessions-standby' },
        ...cache,
      }),
    ],
  });
  const clock = world.clock as FakeClock;
  world.secrets.set('/cache/sessions/auth', 'token-0123456789abcdef');
  world.fleet.addGroup(group());
  const mirror = new FakeKeyspaceMirror(clock);
  const metrics = new RecordingSink();
  const deps: MirrorDeps = {
    mirror,
    records: world.mirrorRecords,
    fleet: world.fleet,
    endpoints: world.endpoints,
    secrets: world.secrets,
    metrics,
    notifier: world.notifier,
    clock,
    caches: world.caches,
  };
  const deadline = new Date(Date.parse(NOW) + 40_000);
  const run = () => mirrorCache(deps, { cacheId: 'sessions', deadline });
  return { world, clock, mirror, metrics, run, deadline };
}

describe('mirrorCache', () => {
  it('copies the cache into the standby primary with the cache token, records the cycle and publishes the lag', async () => {
    // Prepare
    const { world, mirror, metrics, run, clock, deadline } = setup();
    mirror.cache(PRIMARY).set('customization:1', { value: 'blue' });
    mirror.cache(PRIMARY).set('flag:beta', { value: 'on', expiresAtMs: Date.parse(NOW) + 60_000 });
    mirror.cache(STANDBY).set('gone', { value: 'x' });
    mirror.calls.length = 0;

    // Act
    const cycle = await run();

    // Assess
    expect(cycle).toMatchObject({
      cacheId: 'sessions',
      standbyReplicationGroupId: 'sessions-standby',
      outcome: 'ok',
      pass: { copied: 2, deleted: 1, watermark: NOW },
    });
    expect(mirror.calls).toEqual([
      {
        ends: {
          source: PRIMARY,
          target: STANDBY,
          sourceAuthToken: 'token-0123456789abcdef',
          targetAuthToken: 'token-0123456789abcdef',
        },
        deadline,
      },
    ]);
    expect([...mirror.cache(STANDBY).keys()].sort()).toEqual(['customization:1', 'flag:beta']);
    expect(world.mirrorRecords.cycles).toEqual([cycle]);
    expect(metrics.flushes.at(-1)?.dimensions).toEqual({ CacheId: 'sessions' });
    expect(metrics.last()).toEqual({ MirrorLagSeconds: 0, MirrorSucceeded: 1, MirrorDurationMs: 0, MirrorKeys: 2 });
    expect(world.notifier.operators).toEqual([]);
    expect(clock.now().toISOString()).toBe(NOW);
  });

  it('follows the endpoint record: after a cut-over elsewhere it mirrors from where clients are', async () => {
    const { world, mirror, run } = setup();
    const replacement = { host: 'sessions-replacement.xyz', port: 6380, tls: true };
    await world.endpoints.write('/cache/sessions/endpoint', replacement);
    await run();
    expect(mirror.calls[0]?.ends.source).toEqual(replacement);
  });

  it('skips the cycle, publishing nothing, when clients already follow the standby', async () => {
    const { world, mirror, metrics, run } = setup();
    await world.endpoints.write('/cache/sessions/endpoint', STANDBY);
    const cycle = await run();
    expect(cycle).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/clients follow the standby/) });
    expect(mirror.calls).toEqual([]);
    expect(metrics.flushes).toEqual([]);
    expect(world.mirrorRecords.cycles).toHaveLength(1);
  });

  it.each([
    ['missing', undefined, /does not exist/],
    ['modifying', group({ status: 'modifying' }), /is modifying, not available/],
  ])('fails the cycle without copying when the standby is %s', async (_name, view, reason) => {
    const { world, mirror, metrics, run } = setup();
    world.fleet.removeGroup('sessions-standby');
    if (view) world.fleet.addGroup(view);
    const cycle = await run();
    expect(cycle).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(reason) });
    expect(mirror.calls).toEqual([]);
    // Never succeeded: no lag is published, so the alarm's missing data breaches.
    expect(metrics.last()).toEqual({ MirrorSucceeded: 0, MirrorDurationMs: 0 });
  });

  it('tells the operators once when cycles start failing after a success, with the lag still published', async () => {
    // Prepare
    const { world, mirror, metrics, run, clock } = setup();
    await run();
    clock.advance({ minutes: 1 });
    mirror.failures.fail('mirror', new TransientDependencyError('connection to standby failed: ECONNRESET'), 3);

    // Act
    const cycles = [];
    for (let i = 0; i < 3; i++) {
      cycles.push(await run());
      clock.advance({ minutes: 1 });
    }

    // Assess
    expect(cycles.map((c) => c.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(cycles[0]?.reason).toMatch(/ECONNRESET/);
    expect(world.notifier.operators).toEqual([
      expect.objectContaining({
        kind: 'mirror-failed',
        cacheId: 'sessions',
        subject: expect.stringMatching(/standby of sessions/),
        text: expect.stringContaining(NOW),
      }),
    ]);
    expect(metrics.last()).toMatchObject({ MirrorLagSeconds: 180, MirrorSucceeded: 0 });
    expect(await world.mirrorRecords.mirrorStatus('sessions')).toMatchObject({ consecutiveFailures: 3 });

    // A success, then a new failure: told again.
    await run();
    expect(metrics.last()).toMatchObject({ MirrorLagSeconds: 0, MirrorSucceeded: 1 });
    mirror.failures.fail('mirror');
    await run();
    expect(world.notifier.operators).toHaveLength(2);
  });

  it('does not tell the operators when no cycle ever succeeded (the lag alarm does)', async () => {
    const { world, mirror, run } = setup();
    mirror.failures.fail('mirror');
    await run();
    expect(world.notifier.operators).toEqual([]);
  });

  it('refuses to copy a cache that lost most of its keys into a standby that holds them; the standby keeps its data', async () => {
    const { world, mirror, run } = setup();
    for (let i = 0; i < 2000; i++) mirror.cache(STANDBY).set(`k${i}`, { value: 'v' });
    for (let i = 0; i < 10; i++) mirror.cache(PRIMARY).set(`k${i}`, { value: 'v' });
    const cycle = await run();
    expect(cycle).toMatchObject({
      outcome: 'failed',
      reason: expect.stringContaining('the cache holds 10 keys and its standby 2000: not mirrored'),
    });
    expect(mirror.cache(STANDBY).size).toBe(2000);
    expect(world.mirrorRecords.cycles.at(-1)?.outcome).toBe('failed');
  });

  it('refuses a cache without a standby', async () => {
    const { run } = setup({ standby: undefined });
    await expect(run()).rejects.toThrow(ConfigError);
  });

  it('throws when the cycle cannot be recorded (the invocation fails to its destination)', async () => {
    const { world, run } = setup();
    world.mirrorRecords.failures.fail('recordMirrorCycle', new TransientDependencyError('DynamoDB throttled'));
    await expect(run()).rejects.toThrow(/throttled/);
  });
});

describe('mirrorLagSeconds', () => {
  it('counts from the last successful watermark, and is undefined before any success', () => {
    const now = new Date(NOW);
    expect(mirrorLagSeconds(undefined, now)).toBeUndefined();
    expect(mirrorLagSeconds({ cacheId: 'c', consecutiveFailures: 2 }, now)).toBeUndefined();
    const lastSuccess = {
      cacheId: 'c',
      standbyReplicationGroupId: 's',
      startedAt: NOW,
      finishedAt: NOW,
      outcome: 'ok' as const,
      pass: { watermark: '2025-03-01T11:58:30.000Z', copied: 1, vanished: 0, deleted: 0, bytes: 1, databases: [0] },
    };
    expect(mirrorLagSeconds({ cacheId: 'c', consecutiveFailures: 0, lastSuccess }, now)).toBe(90);
  });
});
