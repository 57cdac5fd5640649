import type { BackupRecords, BackupRun, BackupStatus, TestRestore } from '../../functions/ports';
import { copy, Failures } from './failures';

/** Each cache's backup status in memory, as the incidents table keeps it. */
export class FakeBackupRecords implements BackupRecords {
  readonly failures = new Failures<keyof BackupRecords>();
  readonly runs: BackupRun[] = [];
  readonly testRestores: TestRestore[] = [];
  private readonly status = new Map<string, BackupStatus>();

  async recordBackupRun(run: BackupRun): Promise<BackupStatus> {
    this.failures.check('recordBackupRun');
    this.runs.push(copy(run));
    const before = this.status.get(run.cacheId) ?? { cacheId: run.cacheId, consecutiveFailures: 0 };
    const after: BackupStatus = {
      ...before,
      lastRun: copy(run),
      ...(run.outcome === 'ok' ? { lastSuccess: copy(run) } : {}),
      consecutiveFailures: run.outcome === 'ok' ? 0 : before.consecutiveFailures + 1,
    };
    this.status.set(run.cacheId, after);
    return copy(after);
  }

  async recordTestRestore(result: TestRestore): Promise<void> {
    this.failures.check('recordTestRestore');
    this.testRestores.push(copy(result));
    const before = this.status.get(result.cacheId) ?? { cacheId: result.cacheId, consecutiveFailures: 0 };
    this.status.set(result.cacheId, { ...before, lastTestRestore: copy(result) });
  }

  async backupStatus(cacheId: string): Promise<BackupStatus | undefined> {
    this.failures.check('backupStatus');
    const s = this.status.get(cacheId);
    return s ? copy(s) : undefined;
  }
}
