import type { MirrorCycle, MirrorRecords, MirrorStatus } from '../../functions/ports';
import { copy, Failures } from './failures';

/** Each cache's mirror status in memory, as the incidents table keeps it. */
export class FakeMirrorRecords implements MirrorRecords {
  readonly failures = new Failures<keyof MirrorRecords>();
  readonly cycles: MirrorCycle[] = [];
  private readonly status = new Map<string, MirrorStatus>();

  async recordMirrorCycle(cycle: MirrorCycle): Promise<MirrorStatus> {
    this.failures.check('recordMirrorCycle');
    this.cycles.push(copy(cycle));
    const before = this.status.get(cycle.cacheId) ?? { cacheId: cycle.cacheId, consecutiveFailures: 0 };
    const after: MirrorStatus = {
      ...before,
      lastCycle: copy(cycle),
      ...(cycle.outcome === 'ok' ? { lastSuccess: copy(cycle) } : {}),
      consecutiveFailures:
        cycle.outcome === 'ok'
          ? 0
          : cycle.outcome === 'failed'
            ? before.consecutiveFailures + 1
            : before.consecutiveFailures,
    };
    this.status.set(cycle.cacheId, after);
    return copy(after);
  }

  async mirrorStatus(cacheId: string): Promise<MirrorStatus | undefined> {
    this.failures.check('mirrorStatus');
    const s = this.status.get(cacheId);
    return s ? copy(s) : undefined;
  }
}
