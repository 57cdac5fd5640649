import { RdbWriter, type RdbEntry } from '../../functions/domain/backup/rdb-writer';
import { verifyRdb } from '../../functions/domain/backup/rdb-verifier';
import { chunked, stringDump } from './rdb-bytes';

/**
 * Neither side of a backup holds the file: the writer streams it from the
 * entries, and the verifier reads it in small network-sized chunks keeping
 * only a chunk and the record at hand, whatever the file's size.
 */
const SMALL_KEYS = 120_000;
const BIG_VALUES = 3;
const BIG_VALUE_BYTES = 4 * 1024 * 1024;
const CHUNK_BYTES = 4096;

function* entries(): Generator<RdbEntry> {
  const filler = Buffer.alloc(180, 'abcdefghijklmnopqrstuvwxyz0123456789');
  for (let i = 0; i < SMALL_KEYS; i++) {
    const value = Buffer.concat([Buffer.from(`${i}:`), filler]);
    yield {
      db: i % 3,
      key: Buffer.from(`key:${i}`),
      dump: stringDump(value),
      ...(i % 4 === 0 ? { expiresAtMs: 2e12 + i } : {}),
    };
  }
  for (let i = 0; i < BIG_VALUES; i++)
    yield { db: 0, key: Buffer.from(`big:${i}`), dump: stringDump(Buffer.alloc(BIG_VALUE_BYTES, i + 1)) };
}

it('verifies a file of tens of MB, fed in 4 KiB chunks, holding a few KiB at most', async () => {
  const writer = new RdbWriter(entries(), { sourceVersion: '7.0.15', createdAt: new Date('2030-01-01T00:00:00Z') });
  let largestChunk = 0;
  async function* watched(): AsyncGenerator<Buffer> {
    for await (const chunk of writer) {
      largestChunk = Math.max(largestChunk, chunk.length);
      yield chunk;
    }
  }
  const started = Date.now();
  const result = await verifyRdb(chunked(watched(), CHUNK_BYTES));
  console.info(
    `${(result.bytes / 1e6).toFixed(1)} MB written and verified in ${Date.now() - started} ms, peak ${result.peakBufferedBytes} bytes held`,
  );

  expect(result.bytes).toBeGreaterThan(30e6);
  expect(result).toMatchObject({
    keys: SMALL_KEYS + BIG_VALUES,
    keysPerDb: { 0: SMALL_KEYS / 3 + BIG_VALUES, 1: SMALL_KEYS / 3, 2: SMALL_KEYS / 3 },
    keysWithExpiry: SMALL_KEYS / 4,
    bytes: writer.summary.bytes,
  });
  expect(result.peakBufferedBytes).toBeLessThanOrEqual(2 * CHUNK_BYTES);
  // The writer holds one entry and one gathered chunk: its largest output is the largest value.
  expect(largestChunk).toBeLessThan(BIG_VALUE_BYTES + 16);
});
