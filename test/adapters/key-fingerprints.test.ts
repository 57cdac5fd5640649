import { KeyFingerprints } from '../../functions/adapters/key-fingerprints';

describe('KeyFingerprints', () => {
  it('tells a key seen before from a new one, over enough keys to grow the table many times', () => {
    // Prepare
    const seen = new KeyFingerprints();
    const keys = Array.from({ length: 200_000 }, (_, i) => Buffer.from(`user:${i}:prefs`));

    // Act
    const first = keys.map((k) => seen.add(k));
    const again = keys.map((k) => seen.add(Buffer.from(k)));

    // Assess
    expect(first.every(Boolean)).toBe(true);
    expect(again.some(Boolean)).toBe(false);
    expect(seen.size).toBe(200_000);
    expect(seen.bytes).toBeLessThanOrEqual(200_000 * 32);
  });

  it('tells apart binary keys one byte apart, the empty key included', () => {
    // Prepare
    const seen = new KeyFingerprints();
    const keys = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0]), Buffer.from([0xff]), Buffer.from([0, 0xff])];
    for (let b = 0; b < 256; b++) keys.push(Buffer.from([1, b]), Buffer.from([b, 1]));
    const distinct = new Set(keys.map((k) => k.toString('hex'))).size;

    // Act
    const added = keys.filter((k) => seen.add(k)).length;

    // Assess
    expect(added).toBe(distinct);
  });

  it('forgets every key when cleared (each database starts empty)', () => {
    // Prepare
    const seen = new KeyFingerprints();
    seen.add(Buffer.from('a'));

    // Act
    seen.clear();

    // Assess
    expect(seen.size).toBe(0);
    expect(seen.add(Buffer.from('a'))).toBe(true);
  });
});
