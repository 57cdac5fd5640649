import {
  canMove,
  groupIdFor,
  groupStatusOf,
  GROUP_MEMBERS_MAX,
  isJoinable,
  MEMBER_STATES,
  openCountOf,
  windowEndOf,
  type GroupMember,
  type MemberState,
} from '../../functions/domain/groups';
import { protectedCachesSchema } from '../../functions/domain/caches';

const member = (state: MemberState): GroupMember => ({
  cacheId: 'c',
  joinedAt: '2025-03-01T12:00:00.000Z',
  state,
  at: '2025-03-01T12:00:00.000Z',
});

const cache = (id: string, provider?: string) => ({
  id,
  endpoint: { host: `${id}.internal`, port: 6379 },
  endpointParameter: `/cache-outage/${id}/endpoint`,
  ...(provider !== undefined ? { provider } : {}),
});

describe('groupIdFor', () => {
  it('is the provider plus the compact UTC time of the first alarm, whatever its offset', () => {
    expect(groupIdFor('redis-cloud-use1', '2025-03-01T13:00:07.412+01:00')).toBe('redis-cloud-use1-20250301T120007Z');
  });
});

describe('a cache names its provider', () => {
  it('with the characters of a cache id', () => {
    expect(protectedCachesSchema.parse([cache('sessions', 'redis-cloud-use1')])[0]?.provider).toBe('redis-cloud-use1');
    expect(protectedCachesSchema.parse([cache('sessions')])[0]?.provider).toBeUndefined();
    for (const bad of ['Redis', '1cloud', 'cloud_east', '', 'x'.repeat(41)]) {
      expect(protectedCachesSchema.safeParse([cache('sessions', bad)]).success).toBe(false);
    }
  });

  it('never named like a cache, so that a group id is never another cache incident id', () => {
    const parsed = protectedCachesSchema.safeParse([cache('sessions', 'profiles'), cache('profiles')]);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: [0, 'provider'],
        message: 'provider profiles is also a cache id: name the provider differently',
      }),
    ]);
  });
});

describe('joining a group', () => {
  const group = {
    status: 'OPEN' as const,
    openCount: 0,
    version: 1,
    windowEndsAt: windowEndOf('2025-03-01T12:00:00Z', 300),
  };

  it('is open to alarms within the window, counted from the first alarm', () => {
    expect(group.windowEndsAt).toBe('2025-03-01T12:05:00.000Z');
    expect(isJoinable(group, '2025-03-01T12:05:00.000Z')).toBe(true);
    expect(isJoinable(group, '2025-03-01T13:04:59+01:00')).toBe(true);
    expect(isJoinable(group, '2025-03-01T12:05:00.001Z')).toBe(false);
  });

  it('after the window, only while a member is still open', () => {
    expect(isJoinable({ ...group, openCount: 1 }, '2025-03-01T14:00:00Z')).toBe(true);
  });

  it('never once the group is over', () => {
    expect(isJoinable({ ...group, status: 'RESOLVED' }, '2025-03-01T12:00:01Z')).toBe(false);
  });

  it('never once it is full', () => {
    expect(isJoinable({ ...group, openCount: 49, version: GROUP_MEMBERS_MAX - 1 }, '2025-03-01T12:00:01Z')).toBe(true);
    expect(isJoinable({ ...group, openCount: 50, version: GROUP_MEMBERS_MAX }, '2025-03-01T12:00:01Z')).toBe(false);
  });
});

describe('member states', () => {
  it('move forward only: a resolved, false, rejected or released member never changes again', () => {
    expect(canMove('OPENED', 'CONFIRMED')).toBe(true);
    expect(canMove('FAILED', 'RESOLVED')).toBe(true);
    expect(canMove('CONFIRMED', 'CONFIRMED')).toBe(false);
    for (const from of ['RESOLVED', 'FALSE_ALARM', 'REJECTED', 'RELEASED'] as const) {
      for (const to of MEMBER_STATES) expect(canMove(from, to)).toBe(false);
    }
  });

  it('a failed member still holds the group open: the provider is presumably still down', () => {
    expect(openCountOf([member('FAILED'), member('RESOLVED'), member('OPENED')])).toBe(2);
    expect(groupStatusOf([member('FAILED'), member('RESOLVED')])).toBe('OPEN');
  });

  it('the group comes to what its members came to once none holds it open', () => {
    expect(groupStatusOf([])).toBe('OPEN');
    expect(groupStatusOf([member('RESOLVED'), member('FALSE_ALARM')])).toBe('RESOLVED');
    expect(groupStatusOf([member('FALSE_ALARM'), member('FALSE_ALARM')])).toBe('FALSE_ALARM');
    expect(groupStatusOf([member('REJECTED'), member('FALSE_ALARM')])).toBe('CLOSED');
  });
});
