import {
  authTokenProblem,
  findCacheForAlarm,
  mirrorRefusal,
  protectedCachesSchema,
  type ProtectedCache,
} from '../../functions/domain/caches';

const caches: ProtectedCache[] = protectedCachesSchema.parse([
  {
    id: 'sessions',
    endpoint: { host: 'sessions.abc123.euw1.cache.amazonaws.com', port: 6379, tls: true },
    endpointParameter: '/cache-outage/sessions/endpoint',
    replicationGroupId: 'sessions-rg',
    alarmNames: ['sessions-cache-unreachable'],
  },
  {
    id: 'profiles',
    endpoint: { host: 'profiles.abc123.euw1.cache.amazonaws.com', port: 6379 },
    endpointParameter: '/cache-outage/profiles/endpoint',
    replicationGroupId: 'profiles-rg',
  },
  {
    id: 'profiles-rg-archive',
    endpoint: { host: 'archive.internal', port: 6380 },
    endpointParameter: '/cache-outage/archive/endpoint',
  },
]);

const find = (alarmName: string, dimensions: Record<string, string> = {}) =>
  findCacheForAlarm(caches, { alarmName, dimensions })?.id;

describe('findCacheForAlarm', () => {
  it('matches configured alarm names first', () => {
    expect(find('sessions-cache-unreachable', { CacheId: 'profiles' })).toBe('sessions');
  });

  it('matches the probe metric by its CacheId dimension', () => {
    expect(find('anything', { CacheId: 'profiles' })).toBe('profiles');
  });

  it('matches ElastiCache alarms by ReplicationGroupId', () => {
    expect(find('x', { ReplicationGroupId: 'profiles-rg' })).toBe('profiles');
  });

  it('matches member clusters <group>-NNN by CacheClusterId', () => {
    expect(find('x', { CacheClusterId: 'profiles-rg-001' })).toBe('profiles');
    expect(find('x', { CacheClusterId: 'sessions-rg-003', CacheNodeId: '0001' })).toBe('sessions');
  });

  it('does not mistake a differently named cluster for a member', () => {
    expect(find('x', { CacheClusterId: 'profiles-rg-archive' })).toBeUndefined();
    expect(find('x', { CacheClusterId: 'profiles-rg-01' })).toBeUndefined();
    expect(find('x', { CacheClusterId: 'profiles-rg' })).toBeUndefined();
  });

  it('finds nothing for an unknown CacheId or no dimensions', () => {
    expect(find('x', { CacheId: 'billing' })).toBeUndefined();
    expect(find('x')).toBeUndefined();
  });

  it('is not fooled by an undefined ReplicationGroupId on a cache without one', () => {
    expect(find('x', { CacheClusterId: 'whatever-001' })).toBeUndefined();
  });
});

describe('protectedCachesSchema', () => {
  const base = { endpoint: { host: 'h', port: 6379 }, endpointParameter: '/p' };

  it('fills defaults', () => {
    const [c] = protectedCachesSchema.parse([{ id: 'a', ...base }]);
    expect(c).toMatchObject({
      displayName: 'cache',
      alarmNames: [],
      endpoint: { tls: false },
      replacement: { engine: 'valkey', numCacheClusters: 2 },
    });
  });

  it('rejects duplicate ids, bad ids and bad parameter names', () => {
    expect(
      protectedCachesSchema.safeParse([
        { id: 'a', ...base },
        { id: 'a', ...base },
      ]).success,
    ).toBe(false);
    expect(protectedCachesSchema.safeParse([{ id: 'Sessions', ...base }]).success).toBe(false);
    expect(protectedCachesSchema.safeParse([{ id: 'a'.repeat(41), ...base }]).success).toBe(false);
    expect(protectedCachesSchema.safeParse([{ id: 'a', ...base, endpointParameter: 'relative' }]).success).toBe(false);
    expect(protectedCachesSchema.safeParse([{ id: 'a', ...base, endpoint: { host: 'h', port: 70000 } }]).success).toBe(
      false,
    );
  });

  describe('sourceOfTruth.readUnitsPerSecond', () => {
    const reading = (id: string, tableName: string, readUnitsPerSecond?: number) => ({
      id,
      ...base,
      sourceOfTruth: { tableName, ...(readUnitsPerSecond === undefined ? {} : { readUnitsPerSecond }) },
    });
    const problems = (doc: unknown[]) => {
      const parsed = protectedCachesSchema.safeParse(doc);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };

    it.each([
      ['unset: unpaced', [reading('a', 'accounts')], []],
      [
        'a budget of at least 1 read unit per second',
        [reading('a', 'accounts', 0.5)],
        ['0.sourceOfTruth.readUnitsPerSecond: Too small: expected number to be >=1'],
      ],
      [
        'the same budget on every cache reading a table',
        [reading('a', 'accounts', 400), reading('b', 'accounts', 400), reading('c', 'orders')],
        [],
      ],
      [
        'different budgets for one table',
        [reading('a', 'accounts', 400), reading('b', 'accounts', 200)],
        [
          '1.sourceOfTruth.readUnitsPerSecond: caches reading accounts share its budget: set the same readUnitsPerSecond on each',
        ],
      ],
      [
        'a budget on one cache of a table and none on another',
        [reading('a', 'accounts'), reading('b', 'accounts', 200)],
        [
          '1.sourceOfTruth.readUnitsPerSecond: caches reading accounts share its budget: set the same readUnitsPerSecond on each',
        ],
      ],
    ])('%s', (_, doc, expected) => {
      expect(problems(doc)).toEqual(expected);
    });
  });
});

describe('authTokenProblem (CreateReplicationGroup AuthToken rules)', () => {
  it('accepts 16 to 128 letters, digits and ! & # $ ^ < > -, and nothing else', () => {
    expect(authTokenProblem('a'.repeat(16))).toBeUndefined();
    expect(authTokenProblem('a'.repeat(128))).toBeUndefined();
    expect(authTokenProblem('Ab1!&#$^<>-Ab1!&#$^<>-')).toBeUndefined();
    expect(authTokenProblem('a'.repeat(15))).toMatch(/shorter than 16/);
    expect(authTokenProblem('a'.repeat(129))).toMatch(/longer than 128/);
    for (const bad of ['@', ' ', '%', '/', '"', "'", '*', 'é'])
      expect(authTokenProblem(`${'a'.repeat(16)}${bad}`)).toBeDefined();
  });
});

describe('mirrorRefusal', () => {
  it('lets a cycle run unless the cache holds under half the keys of a standby of at least 1000', () => {
    expect(mirrorRefusal({ source: 0, target: 999 })).toBeUndefined();
    expect(mirrorRefusal({ source: 500, target: 1000 })).toBeUndefined();
    expect(mirrorRefusal({ source: 499, target: 1000 })).toMatch(/holds 499 keys and its standby 1000: not mirrored/);
    expect(mirrorRefusal({ source: 0, target: 1_000_000 })).toMatch(/not mirrored/);
  });
});
