import { sinceMsOf } from '../../functions/domain/rehydration';

describe('sinceMsOf', () => {
  it.each([
    ['2025-03-01T12:00:00.000Z', Date.UTC(2025, 2, 1, 12)],
    [undefined, 0],
    ['', 0],
    ['not a time', 0],
  ])('%s → %d', (since, ms) => {
    expect(sinceMsOf(since)).toBe(ms);
  });
});
