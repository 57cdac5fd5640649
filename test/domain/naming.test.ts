import fc from 'fast-check';
import { isValidReplicationGroupId, replacementGroupIdFor } from '../../functions/domain/naming';

const INCIDENT = 'sessions-20240514T093107Z';

describe('isValidReplicationGroupId (ElastiCache CreateReplicationGroup rules)', () => {
  it.each<[string, string, boolean]>([
    ['a plain id', 'sessions-rg', true],
    ['one letter', 'a', true],
    ['40 characters', 'a'.repeat(40), true],
    ['letters, digits and single hyphens', 'r-sessions-2024-a1b2c3', true],
    ['41 characters', 'a'.repeat(41), false],
    ['an empty id', '', false],
    ['a leading digit', '1sessions', false],
    ['a leading hyphen', '-sessions', false],
    ['capitals', 'Sessions', false],
    ['two hyphens in a row', 'sessions--rg', false],
    ['a trailing hyphen', 'sessions-', false],
    ['an underscore', 'sessions_rg', false],
    ['a dot', 'sessions.rg', false],
  ])('%s: %s → %s', (_case, id, valid) => {
    expect(isValidReplicationGroupId(id)).toBe(valid);
  });
});

describe('replacementGroupIdFor: the replacement cache of one incident', () => {
  it.each<[string, string, RegExp]>([
    ['is r-<cache id>-<hash>', 'sessions', /^r-sessions-[0-9a-f]{6}$/],
    ['lower-cases the cache id', 'Sessions', /^r-sessions-[0-9a-f]{6}$/],
    ['turns other characters into single hyphens', 'Sessions_Cache..v2', /^r-sessions-cache-v2-[0-9a-f]{6}$/],
    ['drops hyphens at the ends of the cache id', '--sessions--', /^r-sessions-[0-9a-f]{6}$/],
    ['shortens a long cache id to fit 40 characters', 'a'.repeat(40), /^r-a{31}-[0-9a-f]{6}$/],
    ['never ends the shortened cache id with a hyphen', `${'a'.repeat(30)}-bcd`, /^r-a{30}-[0-9a-f]{6}$/],
    ['is only the hash when nothing of the cache id is usable', '___', /^r-[0-9a-f]{6}$/],
  ])('%s', (_case, cacheId, expected) => {
    const id = replacementGroupIdFor(cacheId, INCIDENT);
    expect(id).toMatch(expected);
    expect(isValidReplicationGroupId(id)).toBe(true);
  });

  it('is the same for a retried or redriven step of the same incident', () => {
    expect(replacementGroupIdFor('sessions', INCIDENT)).toBe(replacementGroupIdFor('sessions', INCIDENT));
  });

  it('differs between incidents of the same cache', () => {
    expect(replacementGroupIdFor('sessions', INCIDENT)).not.toBe(
      replacementGroupIdFor('sessions', 'sessions-20240514T101500Z'),
    );
  });

  it('is an id ElastiCache accepts for any cache id and incident', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ maxLength: 80 }), (cacheId, incident) => {
        expect(isValidReplicationGroupId(replacementGroupIdFor(cacheId, incident))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
