/**
 * Times as operators read them: the clock in their zone with its label, how
 * long ago, the full time on hover, and no ISO timestamp inside a sentence.
 */
import { ConfigError } from '../../functions/domain/errors';
import {
  clockTime,
  durationText,
  fullTime,
  readableTimes,
  relativeTime,
  timeZoneOf,
  UTC,
} from '../../functions/domain/time-labels';

const ET = timeZoneOf('America/New_York');

describe('time labels', () => {
  it('labels a zone as people say it, in summer and winter alike', () => {
    expect(ET).toEqual({ name: 'America/New_York', label: 'ET' });
    expect(timeZoneOf('America/Los_Angeles').label).toBe('PT');
    expect(timeZoneOf(undefined)).toEqual(UTC);
    expect(timeZoneOf('Europe/Berlin', 'CET').label).toBe('CET');
    expect(() => timeZoneOf('Eastern')).toThrow(ConfigError);
  });

  it('writes the post-mortem times as the company read them (4:24 pm ET in December is 21:24 UTC)', () => {
    const now = new Date('2025-12-02T21:30:00Z');
    expect(clockTime('2025-12-02T21:24:00Z', ET, now)).toBe('16:24 ET');
    // Summer time: the same wall clock is an hour earlier in UTC.
    expect(clockTime('2025-07-02T20:24:00Z', ET, new Date('2025-07-02T20:30:00Z'))).toBe('16:24 ET');
    // Another day in the zone carries its date.
    expect(clockTime('2025-12-02T03:10:05Z', ET, now, { seconds: true })).toBe('Dec 1, 22:10:05 ET');
    expect(fullTime('2025-12-02T21:24:07Z', ET)).toBe('Dec 2, 2025, 16:24:07 ET (21:24:07 UTC)');
    expect(fullTime('2025-12-02T21:24:07Z', UTC)).toBe('Dec 2, 2025, 21:24:07 UTC');
  });

  it('says how long ago, in whole minutes past the first one', () => {
    const now = new Date('2025-12-02T21:30:00Z');
    expect(relativeTime('2025-12-02T21:29:58Z', now)).toBe('just now');
    expect(relativeTime('2025-12-02T21:29:15Z', now)).toBe('45 s ago');
    expect(relativeTime('2025-12-02T21:27:03Z', now)).toBe('3 min ago');
    expect(relativeTime('2025-12-02T19:25:00Z', now)).toBe('2 h 5 min ago');
    expect(relativeTime('2025-12-02T21:40:00Z', now)).toBe('in 10 min');
    expect(durationText(46 * 60)).toBe('46 min');
    expect(durationText(70 * 60 + 5)).toBe('1 h 10 min');
    expect(durationText(7)).toBe('7 s');
  });

  it('replaces every ISO timestamp inside a message by its clock time', () => {
    const now = new Date('2025-12-02T21:30:00Z');
    expect(
      readableTimes('standby mirrored up to 2025-12-02T21:20:00.000Z; backup of 2025-12-02T21:12:30Z', ET, now),
    ).toBe('standby mirrored up to 16:20:00 ET; backup of 16:12:30 ET');
    expect(readableTimes('no time here: 2025-12-02 only', ET, now)).toBe('no time here: 2025-12-02 only');
  });
});

describe('a zone without a generic short name', () => {
  it('labels each time with the offset it had then, not the offset when the configuration was read', () => {
    const berlin = timeZoneOf('Europe/Berlin');
    const july = new Date('2026-07-15T12:00:00Z');
    expect(clockTime('2026-12-06T17:14:00Z', berlin, july)).toBe('Dec 6, 18:14 GMT+1');
    expect(clockTime('2026-07-15T11:00:00Z', berlin, july)).toBe('13:00 GMT+2');
    expect(fullTime('2026-12-06T17:14:00Z', berlin)).toBe('Dec 6, 2026, 18:14:00 GMT+1 (17:14:00 UTC)');
    // A label the configuration gives holds for every instant.
    expect(clockTime('2026-07-15T11:00:00Z', timeZoneOf('Europe/Berlin', 'CET'), july)).toBe('13:00 CET');
  });
});
