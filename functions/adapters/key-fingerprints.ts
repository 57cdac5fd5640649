/**
 * The keys of one database already yielded by a scan, as 64-bit fingerprints
 * in an open-addressing table (16 to 32 bytes a key), so a key SCAN returns
 * twice is dumped once: Redis refuses to load an RDB file with a duplicated
 * key. Two distinct keys share a fingerprint with a probability of about
 * n²/2⁶⁵ (3·10⁻⁸ for a million keys); the second would then count as a duplicate.
 */
const INITIAL_SLOTS = 1 << 12;
/** Bound once: a global looked up per byte is slow where globals are proxied (a test runner's sandbox). */
const imul = Math.imul;

export class KeyFingerprints {
  private table = new Uint32Array(INITIAL_SLOTS * 2);
  private slots = INITIAL_SLOTS;
  private count = 0;

  /** Records the key; false when it was recorded before. */
  add(key: Buffer): boolean {
    let h1 = 0x811c9dc5 ^ key.length;
    let h2 = 0x2545f491 ^ key.length;
    for (let i = 0; i < key.length; i++) {
      const b = key[i] as number;
      h1 = imul(h1 ^ b, 0x01000193);
      h2 = imul(h2 ^ b, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
    h1 = imul(h1 ^ (h1 >>> 13), 0xc2b2ae35) ^ (h1 >>> 16);
    h2 = imul(h2 ^ (h2 >>> 16), 0x7feb352d);
    h2 = imul(h2 ^ (h2 >>> 15), 0x846ca68b) ^ (h2 >>> 16);
    if (h1 === 0 && h2 === 0) h2 = 1;
    if (!this.insert(h1 >>> 0, h2 >>> 0)) return false;
    this.count++;
    if (this.count * 2 > this.slots) this.grow();
    return true;
  }

  /** Forgets every key (the next database starts empty). */
  clear(): void {
    this.table = new Uint32Array(INITIAL_SLOTS * 2);
    this.slots = INITIAL_SLOTS;
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }

  /** Memory held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  private insert(h1: number, h2: number): boolean {
    const mask = this.slots - 1;
    const table = this.table;
    for (let slot = (h1 ^ imul(h2, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const a = table[slot * 2] as number;
      const b = table[slot * 2 + 1] as number;
      if (a === 0 && b === 0) {
        table[slot * 2] = h1;
        table[slot * 2 + 1] = h2;
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }

  private grow(): void {
    const old = this.table;
    this.slots *= 2;
    this.table = new Uint32Array(this.slots * 2);
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a !== 0 || b !== 0) this.insert(a, b);
    }
  }
}
