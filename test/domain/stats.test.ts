/**
 * Reliability over time: medians and worst values, what one incident's record
 * and timeline say, a provider outage as one event overall, and the window.
 * The known set's medians are worked out by hand in the comments.
 */
import type { Incident, TimelineEvent } from '../../functions/domain/incident';
import {
  countsText,
  eventOf,
  factsOf,
  reliabilityOf,
  sinceOf,
  spread,
  spreadText,
  type IncidentFacts,
} from '../../functions/domain/stats';

const at = (hms: string) => `2025-03-01T${hms}.000Z`;

describe('spread', () => {
  it.each([
    [[], { count: 0 }],
    [[42], { count: 1, medianSeconds: 42, worstSeconds: 42 }],
    [[30, 10, 20], { count: 3, medianSeconds: 20, worstSeconds: 30 }],
    // Even count: the mean of the two middle values, (20 + 30) / 2.
    [[40, 10, 30, 20], { count: 4, medianSeconds: 25, worstSeconds: 40 }],
    // Rounded to the second: (1 + 2) / 2 = 1.5 → 2.
    [[1, 2], { count: 2, medianSeconds: 2, worstSeconds: 2 }],
    [[600, 600, 7200], { count: 3, medianSeconds: 600, worstSeconds: 7200 }],
  ])('of %j is %j', (values, expected) => {
    expect(spread(values)).toEqual(expected);
  });
});

const incident = (over: Partial<Incident> = {}): Incident => ({
  incidentId: 'accounts-20250301T100000Z',
  cacheId: 'accounts',
  status: 'RESOLVED',
  openedAt: at('10:00:00'),
  executionName: 'x',
  ...over,
});
const event = (type: TimelineEvent['type'], hms: string): TimelineEvent => ({ at: at(hms), type, message: type });

describe('factsOf', () => {
  it('reads confirmation, recovery start, restoration and resolution off the record and timeline', () => {
    const facts = factsOf(
      incident({ confirmedAt: at('10:00:40'), restoredAt: at('10:20:00'), resolvedAt: at('10:30:00') }),
      [event('INCIDENT_OPENED', '10:00:00'), event('RECOVERY_STARTED', '10:03:00'), event('CUT_OVER', '10:19:00')],
    );
    expect(facts).toEqual({
      incidentId: 'accounts-20250301T100000Z',
      cacheId: 'accounts',
      groupId: 'accounts-20250301T100000Z',
      status: 'RESOLVED',
      openedAt: at('10:00:00'),
      confirmedAt: at('10:00:40'),
      recoveryStartedAt: at('10:03:00'),
      restoredAt: at('10:20:00'),
      resolvedAt: at('10:30:00'),
      operatorNeeded: false,
    });
  });

  it.each<[string, boolean, Partial<Incident>, TimelineEvent['type'][]]>([
    ['an approval requested', true, {}, ['APPROVAL_REQUESTED']],
    ['operators escalated to', true, {}, ['ESCALATED']],
    ['a plan to escalate', true, { plan: 'ESCALATE' }, []],
    ['a promotion nobody was asked about', false, { plan: 'PROMOTE_REPLICA' }, ['RECOVERY_STARTED', 'NOTICE_SENT']],
  ])('with %s, an operator was needed: %s', (_what, needed, over, types) => {
    expect(
      factsOf(
        incident(over),
        types.map((t) => event(t, '10:01:00')),
      ).operatorNeeded,
    ).toBe(needed);
  });

  it('ends the outage at resolution when no restoration was recorded, and keeps the group', () => {
    const facts = factsOf(incident({ resolvedAt: at('10:10:00'), groupId: 'acme-20250301T100000Z' }), []);
    expect(facts).toMatchObject({ restoredAt: at('10:10:00'), groupId: 'acme-20250301T100000Z' });
    expect(facts.recoveryStartedAt).toBeUndefined();
  });

  it('takes the confirmation check time when the record has no confirmedAt', () => {
    const confirmation = {
      confirmed: true,
      endpoint: 'h:6379',
      through: 'record',
      from: 'x',
      auth: false,
      windowSeconds: 30,
      pings: [],
      at: at('10:00:35'),
    };
    expect(factsOf(incident({ confirmation }), []).confirmedAt).toBe(at('10:00:35'));
    expect(factsOf(incident({ confirmation: { ...confirmation, confirmed: false } }), []).confirmedAt).toBeUndefined();
  });
});

const facts = (f: Partial<IncidentFacts> & Pick<IncidentFacts, 'incidentId' | 'cacheId'>): IncidentFacts => ({
  groupId: f.incidentId,
  status: 'RESOLVED',
  openedAt: at('00:00:00'),
  operatorNeeded: false,
  ...f,
});

/**
 * accounts: three incidents of its own. sessions and carts: one provider outage (group acme), with a flags
 * false alarm in it. flags: a false alarm of its own too.
 */
const KNOWN: IncidentFacts[] = [
  // detect 40 s, recovery start 180 s, outage 1200 s, degraded 600 s, approval.
  facts({
    incidentId: 'a1',
    cacheId: 'accounts',
    openedAt: at('10:00:00'),
    confirmedAt: at('10:00:40'),
    recoveryStartedAt: at('10:03:00'),
    restoredAt: at('10:20:00'),
    resolvedAt: at('10:30:00'),
    operatorNeeded: true,
  }),
  // detect 60, recovery start 120, outage 600, degraded 120.
  facts({
    incidentId: 'a2',
    cacheId: 'accounts',
    openedAt: at('12:00:00'),
    confirmedAt: at('12:01:00'),
    recoveryStartedAt: at('12:02:00'),
    restoredAt: at('12:10:00'),
    resolvedAt: at('12:12:00'),
  }),
  // detect 20, recovery start 600, outage 3600, degraded 2400, escalated.
  facts({
    incidentId: 'a3',
    cacheId: 'accounts',
    openedAt: at('14:00:00'),
    confirmedAt: at('14:00:20'),
    recoveryStartedAt: at('14:10:00'),
    restoredAt: at('15:00:00'),
    resolvedAt: at('15:40:00'),
    operatorNeeded: true,
  }),
  // Group acme, sessions: detect 30, recovery start 60, outage 660, degraded 600, approval.
  facts({
    incidentId: 's1',
    cacheId: 'sessions',
    groupId: 'acme',
    openedAt: at('20:00:00'),
    confirmedAt: at('20:00:30'),
    recoveryStartedAt: at('20:01:00'),
    restoredAt: at('20:11:00'),
    resolvedAt: at('20:21:00'),
    operatorNeeded: true,
  }),
  // Group acme, carts: detect 40, recovery start 80, outage 900, degraded 300.
  facts({
    incidentId: 'c1',
    cacheId: 'carts',
    groupId: 'acme',
    openedAt: at('20:00:10'),
    confirmedAt: at('20:00:50'),
    recoveryStartedAt: at('20:01:30'),
    restoredAt: at('20:15:10'),
    resolvedAt: at('20:20:10'),
  }),
  facts({ incidentId: 'f1', cacheId: 'flags', groupId: 'acme', status: 'FALSE_ALARM', openedAt: at('20:00:05') }),
  facts({ incidentId: 'f2', cacheId: 'flags', status: 'FALSE_ALARM', openedAt: at('22:00:00') }),
];

describe('reliabilityOf a known set of incidents', () => {
  const stats = reliabilityOf(KNOWN);

  it('measures each cache over its own incidents', () => {
    expect(stats.caches.map((c) => c.scope)).toEqual(['accounts', 'carts', 'flags', 'sessions']);
    // accounts: detect 20, 40, 60 → 40; recovery start 120, 180, 600 → 180; outage 600, 1200, 3600 → 1200;
    // degraded 120, 600, 2400 → 600; two of three needed an operator.
    expect(stats.caches[0]).toEqual({
      scope: 'accounts',
      incidents: 3,
      falseAlarms: 0,
      resolved: 3,
      failed: 0,
      open: 0,
      detect: { count: 3, medianSeconds: 40, worstSeconds: 60 },
      recoveryStart: { count: 3, medianSeconds: 180, worstSeconds: 600 },
      outage: { count: 3, medianSeconds: 1200, worstSeconds: 3600 },
      degraded: { count: 3, medianSeconds: 600, worstSeconds: 2400 },
      operatorNeeded: 2,
    });
    expect(stats.caches[1]).toMatchObject({
      scope: 'carts',
      incidents: 1,
      detect: { medianSeconds: 40 },
      outage: { medianSeconds: 900 },
      operatorNeeded: 0,
    });
    // flags only had false alarms: counted, never measured.
    expect(stats.caches[2]).toMatchObject({ scope: 'flags', incidents: 0, falseAlarms: 2, outage: { count: 0 } });
    expect(stats.caches[3]).toMatchObject({ scope: 'sessions', incidents: 1, outage: { medianSeconds: 660 } });
  });

  it('counts the provider outage once overall, from its first alarm to its last cache', () => {
    // Events: a1, a2, a3, acme (s1 + c1 + the f1 false alarm), f2 (a false alarm).
    // acme: detect 20:00:00 → 20:00:30 = 30; recovery start → 20:01:00 = 60; outage → 20:15:10 = 910;
    // degraded 20:15:10 → 20:21:00 = 350; an operator (s1's approval).
    // detect 20, 30, 40, 60 → (30 + 40) / 2 = 35; recovery start 60, 120, 180, 600 → 150;
    // outage 600, 910, 1200, 3600 → 1055; degraded 120, 350, 600, 2400 → 475.
    expect(stats.overall).toEqual({
      scope: 'overall',
      incidents: 4,
      falseAlarms: 1,
      resolved: 4,
      failed: 0,
      open: 0,
      detect: { count: 4, medianSeconds: 35, worstSeconds: 60 },
      recoveryStart: { count: 4, medianSeconds: 150, worstSeconds: 600 },
      outage: { count: 4, medianSeconds: 1055, worstSeconds: 3600 },
      degraded: { count: 4, medianSeconds: 475, worstSeconds: 2400 },
      operatorNeeded: 3,
    });
  });
});

describe('eventOf', () => {
  it('leaves the outage unmeasured while one of its caches is still down', () => {
    const e = eventOf([
      facts({ incidentId: 'x', cacheId: 'a', groupId: 'g', restoredAt: at('00:10:00'), resolvedAt: at('00:20:00') }),
      facts({ incidentId: 'y', cacheId: 'b', groupId: 'g', status: 'OPEN', openedAt: at('00:00:05') }),
    ]);
    expect(e).toMatchObject({ status: 'OPEN', openedAt: at('00:00:00') });
    expect(e.restoredAt).toBeUndefined();
    expect(e.resolvedAt).toBeUndefined();
  });

  it('is failed when a cache failed and none is open', () => {
    const e = eventOf([
      facts({ incidentId: 'x', cacheId: 'a', groupId: 'g' }),
      facts({ incidentId: 'y', cacheId: 'b', groupId: 'g', status: 'FAILED' }),
    ]);
    expect(e.status).toBe('FAILED');
  });
});

describe('sinceOf', () => {
  const now = new Date('2025-04-01T12:00:00.000Z');
  it.each([
    [undefined, '2025-01-01T12:00:00.000Z'],
    ['90d', '2025-01-01T12:00:00.000Z'],
    ['12h', '2025-04-01T00:00:00.000Z'],
    ['2w', '2025-03-18T12:00:00.000Z'],
    ['2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['2025-02-01T08:30:00Z', '2025-02-01T08:30:00.000Z'],
    ['2025-02-01T08:30:00-05:00', '2025-02-01T13:30:00.000Z'],
  ])('%s starts at %s', (text, expected) => {
    expect(sinceOf(text, now).toISOString()).toBe(expected);
  });

  it.each(['', 'yesterday', '90', '-5d', '99999d', '2025-13-01', '2025-01-01T25:00:00Z', '1 quarter'])(
    'refuses %j, saying what it takes',
    (text) => {
      expect(() => sinceOf(text, now)).toThrow(/since: an ISO 8601 date \(2025-01-01\) or a span back from now/);
    },
  );
});

describe('how the numbers read', () => {
  it.each([
    [{ count: 0 }, 3, '–'],
    [{ count: 3, medianSeconds: 40, worstSeconds: 3600 }, 3, 'median 40 s · worst 1 h'],
    [{ count: 2, medianSeconds: 1530, worstSeconds: 2760 }, 3, 'median 25 min 30 s · worst 46 min (2 of 3)'],
  ])('%j of %i incidents reads %j', (s, of, text) => {
    expect(spreadText(s, of)).toBe(text);
  });

  it('counts events overall and incidents per cache, with what needed an operator', () => {
    const { overall, caches } = reliabilityOf(KNOWN);
    expect(countsText(overall)).toBe('4 events · 1 false alarm · 3 needed an operator');
    expect(caches.map(countsText)).toEqual([
      '3 incidents · 0 false alarms · 2 needed an operator',
      '1 incident · 0 false alarms · 0 needed an operator',
      '0 incidents · 2 false alarms',
      '1 incident · 0 false alarms · 1 needed an operator',
    ]);
  });
});
