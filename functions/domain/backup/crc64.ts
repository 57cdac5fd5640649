import { Buffer } from 'node:buffer';

/**
 * The CRC-64 Redis puts at the end of an RDB file and of every DUMP payload:
 * CRC-64/Jones, polynomial 0xad93d23594c935a9, reflected input and output,
 * initial value 0 and no final XOR (src/crc64.c in Redis; its test vector:
 * the CRC of "123456789" is 0xe9c6d914c4b8d9ca). Stored little-endian.
 *
 * The 64-bit register is kept as two 32-bit halves so the hot loop stays in
 * small integers; a table per byte position lets it take 8 bytes a step.
 */
const REFLECTED_POLY_HI = 0x95ac9329;
const REFLECTED_POLY_LO = 0xac4bc9b5;
const SLICES = 8;

/** TABLE_LO[k * 256 + b], TABLE_HI[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLE_LO = new Uint32Array(SLICES * 256);
const TABLE_HI = new Uint32Array(SLICES * 256);

for (let b = 0; b < 256; b++) {
  let lo = b;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      lo = (lo ^ REFLECTED_POLY_LO) >>> 0;
      hi = (hi ^ REFLECTED_POLY_HI) >>> 0;
    }
  }
  TABLE_LO[b] = lo;
  TABLE_HI[b] = hi;
}
for (let k = 1; k < SLICES; k++) {
  for (let b = 0; b < 256; b++) {
    const lo = TABLE_LO[(k - 1) * 256 + b] as number;
    const hi = TABLE_HI[(k - 1) * 256 + b] as number;
    const index = lo & 0xff;
    TABLE_LO[k * 256 + b] = (((lo >>> 8) | (hi << 24)) ^ (TABLE_LO[index] as number)) >>> 0;
    TABLE_HI[k * 256 + b] = ((hi >>> 8) ^ (TABLE_HI[index] as number)) >>> 0;
  }
}

/** A running CRC-64 over bytes fed in any number of pieces. */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(bytes: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const end = bytes.length;
    const fast = end - (end % SLICES);
    let i = 0;
    for (; i < fast; i += SLICES) {
      const a =
        lo ^
        ((bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24));
      const b =
        hi ^
        ((bytes[i + 4] as number) |
          ((bytes[i + 5] as number) << 8) |
          ((bytes[i + 6] as number) << 16) |
          ((bytes[i + 7] as number) << 24));
      lo =
        (TABLE_LO[7 * 256 + (a & 0xff)] as number) ^
        (TABLE_LO[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
        (TABLE_LO[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
        (TABLE_LO[4 * 256 + (a >>> 24)] as number) ^
        (TABLE_LO[3 * 256 + (b & 0xff)] as number) ^
        (TABLE_LO[2 * 256 + ((b >>> 8) & 0xff)] as number) ^
        (TABLE_LO[256 + ((b >>> 16) & 0xff)] as number) ^
        (TABLE_LO[b >>> 24] as number);
      hi =
        (TABLE_HI[7 * 256 + (a & 0xff)] as number) ^
        (TABLE_HI[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
        (TABLE_HI[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
        (TABLE_HI[4 * 256 + (a >>> 24)] as number) ^
        (TABLE_HI[3 * 256 + (b & 0xff)] as number) ^
        (TABLE_HI[2 * 256 + ((b >>> 8) & 0xff)] as number) ^
        (TABLE_HI[256 + ((b >>> 16) & 0xff)] as number) ^
        (TABLE_HI[b >>> 24] as number);
    }
    for (; i < end; i++) {
      const index = (lo ^ (bytes[i] as number)) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ (TABLE_LO[index] as number);
      hi = (hi >>> 8) ^ (TABLE_HI[index] as number);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The 8 bytes Redis writes: the CRC, little-endian. */
  toBytes(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  /** Whether 8 stored little-endian bytes hold this CRC. */
  matches(stored: Uint8Array): boolean {
    const view = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    return view.length === 8 && view.readUInt32LE(0) === this.lo && view.readUInt32LE(4) === this.hi;
  }
}

/** The CRC-64 of some bytes, as Redis computes it. */
export function crc64(bytes: Uint8Array): bigint {
  return new Crc64().update(bytes).value;
}

/** `0x` and 16 hex digits, as CRCs are printed in messages. */
export function crcHex(value: bigint): string {
  return `0x${value.toString(16).padStart(16, '0')}`;
}
