/**
 * What every BackupRecords promises, as one suite run against each
 * implementation (backup-records.test.ts): the in-memory fake the use-case
 * tests rely on, and the DynamoDB adapter on the local DynamoDB.
 */
import type { BackupRecords, BackupRun, TestRestore } from '../../functions/ports';

const location = { bucket: 'backups', key: 'sessions/2025-03-01T12:00:00.000Z-sync.rdb' };

export const okRun = (cacheId: string, finishedAt = '2025-03-01T12:00:30.000Z'): BackupRun => ({
  cacheId,
  startedAt: '2025-03-01T12:00:00.000Z',
  finishedAt,
  outcome: 'ok',
  attempts: [{ method: 'sync', outcome: 'ok' }],
  backup: {
    ...location,
    method: 'sync',
    watermark: '2025-03-01T12:00:00.100Z',
    pointInTime: true,
    keys: 1200,
    bytes: 52_000,
    rdbVersion: 11,
  },
});

export const failedRun = (cacheId: string, reason = 'SYNC refused; SCAN refused'): BackupRun => ({
  cacheId,
  startedAt: '2025-03-01T12:15:00.000Z',
  finishedAt: '2025-03-01T12:15:02.000Z',
  outcome: 'failed',
  attempts: [
    { method: 'sync', outcome: 'refused', reason: 'SYNC refused' },
    { method: 'scan-dump', outcome: 'failed', reason: 'SCAN refused' },
  ],
  reason,
});

const testRestore = (cacheId: string, ok = true): TestRestore => ({
  cacheId,
  at: '2025-03-02T03:00:00.000Z',
  backup: location,
  ok,
  keysExpected: 1200,
  keysLoaded: ok ? 1200 : 1100,
  sampled: 100,
  mismatched: ok ? 0 : 3,
  durationMs: 8000,
  ...(ok ? {} : { reason: '3 of 100 sampled keys differ from the source of truth' }),
});

export function describeBackupRecordsContract(name: string, subject: () => Promise<BackupRecords>): void {
  describe(`${name}: the backup records contract`, () => {
    let records: BackupRecords;
    beforeEach(async () => {
      records = await subject();
    });

    it('knows nothing of a cache never backed up', async () => {
      expect(await records.backupStatus('sessions')).toBeUndefined();
    });

    it('keeps the last run and the last success, and counts failures since the success', async () => {
      const first = await records.recordBackupRun(okRun('sessions'));
      expect(first).toEqual({
        cacheId: 'sessions',
        lastRun: okRun('sessions'),
        lastSuccess: okRun('sessions'),
        consecutiveFailures: 0,
      });

      await records.recordBackupRun(failedRun('sessions', 'first'));
      const afterTwo = await records.recordBackupRun(failedRun('sessions', 'second'));

      expect(afterTwo).toEqual({
        cacheId: 'sessions',
        lastRun: failedRun('sessions', 'second'),
        lastSuccess: okRun('sessions'),
        consecutiveFailures: 2,
      });
      expect(await records.backupStatus('sessions')).toEqual(afterTwo);

      const again = await records.recordBackupRun(okRun('sessions', '2025-03-01T12:30:30.000Z'));
      expect(again.consecutiveFailures).toBe(0);
      expect(again.lastSuccess?.finishedAt).toBe('2025-03-01T12:30:30.000Z');
    });

    it('counts failures from the first run of a cache that never succeeded', async () => {
      const status = await records.recordBackupRun(failedRun('orders'));

      expect(status).toEqual({ cacheId: 'orders', lastRun: failedRun('orders'), consecutiveFailures: 1 });
      expect(status.lastSuccess).toBeUndefined();
    });

    it('keeps the test restore across runs, and the runs across a test restore', async () => {
      await records.recordBackupRun(failedRun('sessions'));
      await records.recordTestRestore(testRestore('sessions', false));
      expect(await records.backupStatus('sessions')).toEqual({
        cacheId: 'sessions',
        lastRun: failedRun('sessions'),
        consecutiveFailures: 1,
        lastTestRestore: testRestore('sessions', false),
      });

      const after = await records.recordBackupRun(okRun('sessions'));
      expect(after.lastTestRestore).toEqual(testRestore('sessions', false));
      expect(after.consecutiveFailures).toBe(0);
    });

    it('records a test restore of a cache with no run yet', async () => {
      await records.recordTestRestore(testRestore('sessions'));

      expect(await records.backupStatus('sessions')).toEqual({
        cacheId: 'sessions',
        consecutiveFailures: 0,
        lastTestRestore: testRestore('sessions'),
      });
    });

    it('keeps each cache apart', async () => {
      await records.recordBackupRun(failedRun('sessions'));
      await records.recordBackupRun(okRun('orders'));

      expect((await records.backupStatus('sessions'))?.consecutiveFailures).toBe(1);
      expect((await records.backupStatus('orders'))?.consecutiveFailures).toBe(0);
    });

    it('loses no failure when runs of the same cache are recorded at once', async () => {
      await records.recordBackupRun(okRun('sessions'));

      const statuses = await Promise.all(
        Array.from({ length: 25 }, (_, i) => records.recordBackupRun(failedRun('sessions', `run ${i}`))),
      );

      expect((await records.backupStatus('sessions'))?.consecutiveFailures).toBe(25);
      // Each run saw the count it left: every value from 1 to 25 exactly once.
      expect(statuses.map((s) => s.consecutiveFailures).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
    });
  });
}
