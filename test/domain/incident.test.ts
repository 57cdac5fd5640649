import fc from 'fast-check';
import {
  alarmDeliveryKey,
  describeConfirmation,
  durationsOf,
  executionNameFor,
  incidentIdFor,
  isStale,
} from '../../functions/domain/incident';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

describe('incidentIdFor', () => {
  it('is the cache plus the compact UTC time of the first alarm', () => {
    expect(incidentIdFor('sessions', '2024-05-14T09:31:07.412Z')).toBe('sessions-20240514T093107Z');
  });

  it('is the same for the same alarm time written with an offset', () => {
    expect(incidentIdFor('sessions', '2024-05-14T11:31:07.412+02:00')).toBe(
      incidentIdFor('sessions', '2024-05-14T09:31:07.412Z'),
    );
  });
});

describe('executionNameFor', () => {
  it('is a valid Step Functions execution name for any incident id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (id) => {
        expect(executionNameFor(id)).toMatch(NAME);
      }),
      { numRuns: 2000 },
    );
  });

  it('is stable and distinguishes incident ids that only differ in characters it cannot keep', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.string({ maxLength: 120 }), (a, b) => {
        expect(executionNameFor(a)).toBe(executionNameFor(a));
        if (a !== b) expect(executionNameFor(a)).not.toBe(executionNameFor(b));
      }),
      { numRuns: 2000 },
    );
    expect(executionNameFor('cache:é-1')).not.toBe(executionNameFor('cache:è-1'));
  });

  it('stays readable for real incident ids', () => {
    const id = incidentIdFor('sessions', '2024-05-14T09:31:07.412Z');
    expect(executionNameFor(id).startsWith(`${id}-`)).toBe(true);
    expect(executionNameFor(id)).toMatch(NAME);
  });

  it('keeps a 40-character cache id readable within 80 characters', () => {
    const id = incidentIdFor('a'.repeat(40), '2024-05-14T09:31:07.412Z');
    expect(executionNameFor(id)).toMatch(NAME);
    expect(executionNameFor(id).startsWith('a'.repeat(40))).toBe(true);
  });
});

describe('alarmDeliveryKey', () => {
  const t = {
    alarmName: 'sessions-cache-unreachable',
    newState: 'ALARM' as const,
    stateChangeTime: '2024-05-14T09:31:07.412Z',
  };

  it('is the same for the same transition however it is delivered', () => {
    expect(alarmDeliveryKey({ ...t })).toBe(alarmDeliveryKey(t));
  });

  it('differs when the alarm, the state or the time differs', () => {
    const keys = new Set([
      alarmDeliveryKey(t),
      alarmDeliveryKey({ ...t, alarmName: 'other' }),
      alarmDeliveryKey({ ...t, newState: 'OK' }),
      alarmDeliveryKey({ ...t, stateChangeTime: '2024-05-14T09:31:07.413Z' }),
    ]);
    expect(keys.size).toBe(4);
  });

  it('cannot be confused by names that contain the separator-like text', () => {
    expect(alarmDeliveryKey({ ...t, alarmName: 'a', stateChangeTime: 'b' })).not.toBe(
      alarmDeliveryKey({ ...t, alarmName: 'a\u0000ALARM', stateChangeTime: 'b' }),
    );
  });
});

describe('isStale', () => {
  const now = new Date('2024-05-14T10:00:00.000Z');
  it('is false within the allowed age and true beyond it', () => {
    expect(isStale('2024-05-14T09:00:00.000Z', now, 3600)).toBe(false);
    expect(isStale('2024-05-14T08:59:59.999Z', now, 3600)).toBe(true);
  });
  it('is false for a time slightly in the future (clock skew)', () => {
    expect(isStale('2024-05-14T10:00:05.000Z', now, 60)).toBe(false);
  });
});

describe('durationsOf', () => {
  it('splits the incident into outage and degraded time', () => {
    expect(
      durationsOf({
        openedAt: '2024-05-14T09:00:00Z',
        restoredAt: '2024-05-14T09:12:30Z',
        resolvedAt: '2024-05-14T09:20:00Z',
      }),
    ).toEqual({ outageSeconds: 750, degradedSeconds: 450, totalSeconds: 1200 });
  });
  it('counts the outage up to resolution when there was no separate restore', () => {
    expect(durationsOf({ openedAt: '2024-05-14T09:00:00Z', resolvedAt: '2024-05-14T09:05:00Z' })).toEqual({
      outageSeconds: 300,
      totalSeconds: 300,
    });
  });
  it('has no durations while the incident is open', () => {
    expect(durationsOf({ openedAt: '2024-05-14T09:00:00Z' })).toEqual({});
  });
});

describe('describeConfirmation: what the check saw, for the timeline and the incident page', () => {
  type Facts = Parameters<typeof describeConfirmation>[0];
  const ping = (ok: boolean, at: string) => ({ ok, at, ...(ok ? { latencyMs: 2 } : { error: 'timeout' }) });
  const base: Facts = {
    confirmed: true,
    endpoint: 'sessions.abc123.use1.cache.amazonaws.com:6379 (TLS)',
    through: 'the endpoint record /cache/sessions/endpoint',
    from: 'confirm-outage in us-east-1',
    auth: true,
    windowSeconds: 10,
    pings: [ping(false, '2024-05-14T09:31:10.000Z')],
    error: 'connect ECONNREFUSED 10.0.0.12:6379',
    at: '2024-05-14T09:31:11.000Z',
    alarmAt: '2024-05-14T09:31:07.412Z',
    alarmToDecisionSeconds: 4,
  };
  const where =
    'sessions.abc123.use1.cache.amazonaws.com:6379 (TLS) through the endpoint record /cache/sessions/endpoint';

  it.each<[string, Partial<Facts>, string]>([
    [
      'a confirmed outage: the PING that failed, why, and how long after the alarm',
      {},
      `${where} with AUTH, from confirm-outage in us-east-1: PING 1 failed: connect ECONNREFUSED 10.0.0.12:6379; 4 s after the alarm`,
    ],
    [
      'confirmed on the third PING',
      {
        pings: [
          ping(true, '2024-05-14T09:31:08.000Z'),
          ping(true, '2024-05-14T09:31:09.000Z'),
          ping(false, '2024-05-14T09:31:10.000Z'),
        ],
      },
      `${where} with AUTH, from confirm-outage in us-east-1: PING 3 failed: connect ECONNREFUSED 10.0.0.12:6379; 4 s after the alarm`,
    ],
    [
      'a failure without an error message',
      { error: undefined },
      `${where} with AUTH, from confirm-outage in us-east-1: PING 1 failed: no answer; 4 s after the alarm`,
    ],
    [
      'a false alarm: how many PINGs answered over the window',
      {
        confirmed: false,
        error: undefined,
        pings: [
          ping(true, '2024-05-14T09:31:08.000Z'),
          ping(true, '2024-05-14T09:31:13.000Z'),
          ping(true, '2024-05-14T09:31:18.000Z'),
        ],
      },
      `${where} with AUTH, from confirm-outage in us-east-1: 3 of 3 PINGs answered over 10 s; 4 s after the alarm`,
    ],
    [
      'a cache without AUTH, and no alarm time',
      { auth: false, alarmAt: undefined, alarmToDecisionSeconds: undefined },
      `${where}, from confirm-outage in us-east-1: PING 1 failed: connect ECONNREFUSED 10.0.0.12:6379`,
    ],
  ])('%s', (_case, facts, description) => {
    expect(describeConfirmation({ ...base, ...facts } as Facts)).toBe(description);
  });
});
