/**
 * Test restores: the newest verified backup restored into a small temporary
 * replication group and read back. What a run is asked, how its scratch group
 * is named, and how what it reads back is judged.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { REPLICATION_GROUP_ID_MAX, isValidReplicationGroupId } from '../naming';

/** What a run found, as recorded (the ports' `TestRestore`). */
export interface TestRestoreFacts {
  cacheId: string;
  at: string;
  backup: { bucket: string; key: string };
  ok: boolean;
  /** Keys the manifest says the backup holds, and keys the restored cache held. */
  keysExpected: number;
  keysLoaded: number;
  /** Keys read back and compared with the source of truth, and how many differed. */
  sampled: number;
  mismatched: number;
  durationMs: number;
  reason?: string;
  /** What a reader should know about a passing run (keys that expired since the backup, a scratch group left behind). */
  note?: string;
}

/** The event of the `testRestore` function (the schedule rule's input). */
export const testRestoreEventSchema = z.object({ cacheId: z.string().min(1).max(40) });
export type TestRestoreEvent = z.output<typeof testRestoreEventSchema>;

const SCRATCH_SUFFIX = '-rt';

/**
 * The scratch group of a cache's test restores: `<cache id>-rt`, the same on
 * every run, so a run finds and deletes what an earlier one left behind. A
 * cache id that does not fit ElastiCache's replication group id rule with the
 * suffix is shortened and keeps a hash of itself, so two caches never share one.
 */
export function testRestoreGroupIdFor(cacheId: string): string {
  const plain = `${cacheId}${SCRATCH_SUFFIX}`;
  if (isValidReplicationGroupId(plain)) return plain;
  const hash = createHash('sha256').update(cacheId).digest('hex').slice(0, 6);
  const room = REPLICATION_GROUP_ID_MAX - SCRATCH_SUFFIX.length - hash.length - 1;
  const readable = cacheId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, room)
    .replace(/^[^a-z]+|-+$/g, '');
  return readable ? `${readable}-${hash}${SCRATCH_SUFFIX}` : `t${hash}${SCRATCH_SUFFIX}`;
}

export type KeyCountVerdict = { ok: true; note?: string } | { ok: false; reason: string };

/**
 * Whether the restored cache holds the keys the backup holds. It may hold
 * fewer by at most the keys that had a TTL: those may have expired since the
 * backup was taken, and a restore does not load expired keys. It never holds more.
 */
export function judgeKeyCount(counts: { expected: number; withExpiry: number; loaded: number }): KeyCountVerdict {
  const { expected, withExpiry, loaded } = counts;
  if (loaded === expected) return { ok: true };
  if (loaded > expected) {
    return { ok: false, reason: `the restored cache holds ${loaded} keys, more than the ${expected} the backup holds` };
  }
  const missing = expected - loaded;
  if (missing <= withExpiry) {
    return {
      ok: true,
      note: `${missing} of the ${expected} keys were not loaded: at most the ${withExpiry} keys with a TTL, which may have expired since the backup was taken`,
    };
  }
  return {
    ok: false,
    reason: `the restored cache holds ${loaded} of the ${expected} keys the backup holds: ${missing} missing, more than the ${withExpiry} keys with a TTL that may have expired`,
  };
}

/** Keys whose expiry is this close are not sampled: they may expire while they are read. */
export const SAMPLE_EXPIRY_MARGIN_SECONDS = 300;

/**
 * A source record the restored cache must hold with the source's value: last
 * updated before the backup's watermark (so the backup holds that value), and
 * not expiring before it is read.
 */
export function isSampleCandidate(
  record: { updatedAt: number; expiresAt?: number },
  watermarkMs: number,
  nowSeconds: number,
): boolean {
  if (record.updatedAt >= watermarkMs) return false;
  return record.expiresAt === undefined || record.expiresAt > nowSeconds + SAMPLE_EXPIRY_MARGIN_SECONDS;
}

/**
 * The operators' message about a run that failed, or that passed but could not
 * delete its scratch group. Test restores never reach customers.
 */
export function testRestoreMessage(
  result: TestRestoreFacts,
  scratchGroupId: string,
): {
  kind: 'backup-failed' | 'info';
  cacheId: string;
  subject: string;
  text: string;
  facts: Record<string, unknown>;
} {
  const what = result.ok ? 'left its scratch group behind' : 'failed';
  const lines = [
    `The test restore of cache ${result.cacheId} ${what}.`,
    result.reason ? `Reason: ${result.reason}` : undefined,
    result.backup.key ? `Backup: s3://${result.backup.bucket}/${result.backup.key}` : undefined,
    `Keys: ${result.keysLoaded} loaded of ${result.keysExpected}; sample: ${result.mismatched} of ${result.sampled} differ.`,
    result.note ? `Note: ${result.note}` : undefined,
  ];
  return {
    kind: result.ok ? 'info' : 'backup-failed',
    cacheId: result.cacheId,
    subject: `Test restore of ${result.cacheId} ${what}`,
    text: lines.filter((line): line is string => line !== undefined).join('\n'),
    facts: { ...result, scratchGroup: scratchGroupId },
  };
}
