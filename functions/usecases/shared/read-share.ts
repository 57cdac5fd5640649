/**
 * Reading a source-of-truth table within its read budget: with a budget, the
 * reader joins the table's readers for the duration of `read` and leaves
 * after it, whatever the outcome; without one, `read` runs unpaced.
 */
import type { ProtectedCache } from '../../domain/caches';
import type { ReadPace, ReadShares } from '../../ports';

type SourceOfTruthSettings = NonNullable<ProtectedCache['sourceOfTruth']>;

export async function withReadShare<T>(
  shares: ReadShares,
  source: SourceOfTruthSettings,
  holder: string,
  read: (pace: ReadPace | undefined) => Promise<T>,
): Promise<T> {
  const budget = source.readUnitsPerSecond;
  if (budget === undefined) return read(undefined);
  const share = await shares.join(source.tableName, holder, budget);
  try {
    return await read(share);
  } finally {
    await share.leave();
  }
}
