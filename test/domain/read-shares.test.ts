import {
  READ_LEASE,
  activeReaders,
  endedReaders,
  estimatedReadUnits,
  refilled,
  segmentsFor,
  shareOf,
  waitMs,
} from '../../functions/domain/read-shares';

const NOW = 1_000_000;
const leases = { me: NOW + 30_000, other: NOW + 1, crashed: NOW, older: NOW - READ_LEASE.expireMs };

describe('read shares', () => {
  it('counts the readers whose lease ends after now', () => {
    expect(activeReaders(leases, NOW)).toEqual(['me', 'other']);
    expect(endedReaders(leases, NOW, 'me')).toEqual(['crashed', 'older']);
  });

  it.each([
    ['alone', {}, 300],
    ['with one other active reader', { other: NOW + 1 }, 150],
    ['with two others', { a: NOW + 1, b: NOW + 1 }, 100],
    ['with an ended lease, ignored', { a: NOW + 1, crashed: NOW }, 150],
    ['its own lease ended: still counted once', { me: NOW - 1, a: NOW + 1 }, 150],
    ['among a thousand: small, never zero', Object.fromEntries([...Array(999)].map((_, i) => [`r${i}`, NOW + 1])), 0.3],
  ])("a reader's share of 300 units per second, %s", (_, others, share) => {
    expect(shareOf(300, others, NOW, 'me')).toBeCloseTo(share);
  });

  it.each([
    [100, 1],
    [499, 1],
    [500, 2],
    [999, 3],
    [1000, 4],
    [40_000, 4],
  ])('a share of %d units per second scans in %d segments', (share, segments) => {
    expect(segmentsFor(share)).toBe(segments);
  });

  it('refills the bucket at the rate, holding at most one second of credit, and waits out a debt', () => {
    const start = { units: 0, atMs: NOW };
    expect(refilled(start, 10, NOW + 500)).toEqual({ units: 5, atMs: NOW + 500 });
    expect(refilled(start, 10, NOW + 5_000)).toEqual({ units: 10, atMs: NOW + 5_000 });
    expect(waitMs({ units: 0, atMs: NOW }, 10)).toBe(0);
    expect(waitMs({ units: -25, atMs: NOW }, 10)).toBe(2_500);
    expect(waitMs(refilled({ units: -25, atMs: NOW }, 10, NOW + 2_500), 10)).toBe(0);
  });

  it.each([
    [0, 0],
    [1, 0.5],
    [4096, 0.5],
    [4097, 1],
    [1_048_576, 128],
  ])('estimates %d bytes read eventually consistent as %d units', (bytes, units) => {
    expect(estimatedReadUnits(bytes)).toBe(units);
  });
});
