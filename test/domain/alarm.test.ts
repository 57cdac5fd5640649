import {
  probeAlarmNameFor,
  probeAlarmProven,
  screenAlarm,
  type AlarmPolicy,
  type AlarmTransition,
  type Screening,
} from '../../functions/domain/alarm';
import { protectedCachesSchema } from '../../functions/domain/caches';

describe('the datapoints CloudWatch says it evaluated', () => {
  it('prove a probe ALARM only with as many failed probes as the alarm needs', () => {
    expect(probeAlarmProven({ evaluatedValues: [0, 0] })).toBe(true);
    expect(probeAlarmProven({ evaluatedValues: [1, 0, 1] })).toBe(false);
    expect(probeAlarmProven({ evaluatedValues: [] })).toBe(false);
    expect(probeAlarmProven({})).toBe(false);
  });
});

describe('screenAlarm: whether a transition may concern a protected cache', () => {
  const PREFIX = 'cow-prod-incident-';
  const POLICY: AlarmPolicy = {
    protectedCaches: protectedCachesSchema.parse([
      {
        id: 'sessions',
        endpoint: { host: 'sessions.example', port: 6379 },
        endpointParameter: '/cache/sessions/endpoint',
        replicationGroupId: 'sessions-rg',
        alarmNames: ['sessions-latency'],
      },
      {
        id: 'profiles',
        endpoint: { host: 'profiles.example', port: 6379 },
        endpointParameter: '/cache/profiles/endpoint',
        alarmNames: ['profiles-latency'],
      },
    ]),
    expectedAccountId: '123456789012',
    region: 'eu-west-1',
    incidentAlarmPrefix: PREFIX,
  };
  const PROBE = probeAlarmNameFor(PREFIX, 'sessions');
  const alarm = (overrides: Partial<AlarmTransition>): AlarmTransition => ({
    source: 'eventbridge',
    alarmName: 'sessions-latency',
    accountId: '123456789012',
    region: 'eu-west-1',
    newState: 'ALARM',
    reason: 'Threshold Crossed',
    stateChangeTime: '2024-05-14T09:31:07.412Z',
    dimensions: {},
    childAlarmNames: [],
    ...overrides,
  });

  const cases: [string, Partial<AlarmTransition>, Partial<Screening>][] = [
    ['a listed alarm', {}, { verdict: 'admitted', cacheId: 'sessions' }],
    ['a listed alarm whose delivery names no region', { region: undefined }, { verdict: 'admitted' }],
    [
      'another account',
      { accountId: '999999999999' },
      { verdict: 'rejected', reason: 'foreign-account', accountId: '999999999999' },
    ],
    ['no account where one is expected', { accountId: undefined }, { verdict: 'rejected', reason: 'foreign-account' }],
    ['another region', { region: 'us-east-1' }, { verdict: 'rejected', reason: 'foreign-region' }],
    [
      'an alarm about no protected cache',
      { alarmName: 'orders-latency' },
      { verdict: 'ignored', reason: 'unknown-cache' },
    ],
    [
      'a composite whose one listed child concerns a cache',
      { alarmName: 'outage', childAlarmNames: ['profiles-latency', 'orders-latency'] },
      { verdict: 'admitted', cacheId: 'profiles' },
    ],
    [
      'a composite whose children concern two caches',
      { alarmName: 'outage', childAlarmNames: ['sessions-latency', 'profiles-latency'] },
      { verdict: 'ignored', reason: 'ambiguous-cache' },
    ],
    [
      'an ALARM naming the cache only by its dimensions',
      { alarmName: 'sessions-evictions', dimensions: { ReplicationGroupId: 'sessions-rg' } },
      { verdict: 'rejected', reason: 'unlisted-alarm', cacheId: 'sessions' },
    ],
    [
      'an OK naming the cache only by its dimensions',
      { alarmName: 'sessions-evictions', dimensions: { CacheClusterId: 'sessions-rg-002' }, newState: 'OK' },
      { verdict: 'ignored', reason: 'unlisted-alarm', cacheId: 'sessions' },
    ],
    [
      "this stack's probe ALARM with the failed probes it needs",
      { alarmName: PROBE, dimensions: { CacheId: 'sessions' }, evaluatedValues: [0, 0, 1] },
      { verdict: 'admitted', cacheId: 'sessions' },
    ],
    [
      "this stack's probe ALARM without them",
      { alarmName: PROBE, dimensions: { CacheId: 'sessions' }, evaluatedValues: [1, 0, 1] },
      { verdict: 'rejected', reason: 'unproven-alarm', cacheId: 'sessions' },
    ],
    [
      "this stack's probe OK, which shows no failed probe",
      { alarmName: PROBE, dimensions: { CacheId: 'sessions' }, newState: 'OK', evaluatedValues: [1, 1] },
      { verdict: 'admitted', cacheId: 'sessions' },
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(screenAlarm(POLICY, alarm(overrides))).toMatchObject(expected);
  });

  it('takes any account and region when the deployment names none', () => {
    const open: AlarmPolicy = { protectedCaches: POLICY.protectedCaches };
    expect(screenAlarm(open, alarm({ accountId: undefined, region: 'ap-southeast-2' }))).toEqual({
      verdict: 'admitted',
      cacheId: 'sessions',
    });
  });
});
