/**
 * The local backup schedule (local/stack/schedule.ts): each cache's job runs
 * at once, then every interval, never twice at the same time, and not at all
 * once stopped; a failed run is reported and the schedule goes on.
 */
import { CacheSchedule, type ScheduledJob } from '../../local/stack/schedule';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job that records when each run started and ended, taking `durationMs`. */
function recorded(name: string, intervalMs: number, durationMs: number, extra: Partial<ScheduledJob> = {}) {
  const runs: { start: number; end?: number }[] = [];
  const job: ScheduledJob = {
    name,
    intervalMs,
    run: async () => {
      const run: { start: number; end?: number } = { start: Date.now() };
      runs.push(run);
      await sleep(durationMs);
      run.end = Date.now();
    },
    ...extra,
  };
  return { job, runs };
}

describe('the local backup schedule', () => {
  let schedule: CacheSchedule | undefined;
  afterEach(() => schedule?.stop());

  it('runs each cache once right away, then every interval', async () => {
    const a = recorded('backup a', 100, 5);
    const b = recorded('backup b', 100, 5);
    const started = Date.now();
    schedule = new CacheSchedule({ jobs: [a.job, b.job], onError: () => undefined });
    schedule.start();
    await sleep(30);
    expect(a.runs.map((r) => r.start - started)).toEqual([expect.any(Number)]);
    expect(a.runs[0]!.start - started).toBeLessThan(30);
    expect(b.runs).toHaveLength(1);
    await sleep(360);
    // At 0, 100, 200, 300 ms (timers may run a little late, never early).
    expect(a.runs.length).toBeGreaterThanOrEqual(3);
    expect(a.runs.length).toBeLessThanOrEqual(5);
    expect(b.runs.length).toBeGreaterThanOrEqual(3);
  });

  it('pauses one job as a disabled rule would, the others running on, until it is resumed', async () => {
    const mirror = recorded('mirror a', 40, 1);
    const backup = recorded('backup a', 40, 1);
    schedule = new CacheSchedule({ jobs: [mirror.job, backup.job], onError: () => undefined });
    schedule.start();
    await sleep(20);
    schedule.pause('mirror a');
    const before = mirror.runs.length;
    await sleep(200);
    expect(mirror.runs).toHaveLength(before);
    expect(backup.runs.length).toBeGreaterThanOrEqual(4);
    schedule.resume('mirror a');
    await sleep(120);
    expect(mirror.runs.length).toBeGreaterThan(before);
    expect(() => schedule!.pause('mirror b')).toThrow(/no scheduled job mirror b/);
  });

  it('skips a turn while the previous run of the same cache is still going', async () => {
    const slow = recorded('backup slow', 40, 150);
    schedule = new CacheSchedule({ jobs: [slow.job], onError: () => undefined });
    schedule.start();
    await sleep(500);
    schedule.stop();
    await sleep(200);
    expect(slow.runs.length).toBeGreaterThanOrEqual(2);
    // Twelve turns came due; only back-to-back runs happened, none overlapping the one before.
    expect(slow.runs.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < slow.runs.length; i += 1) {
      expect(slow.runs[i]!.start).toBeGreaterThanOrEqual(slow.runs[i - 1]!.end!);
    }
  });

  it('runs nothing once stopped', async () => {
    const a = recorded('backup a', 50, 1);
    schedule = new CacheSchedule({ jobs: [a.job], onError: () => undefined });
    schedule.start();
    await sleep(120);
    schedule.stop();
    const count = a.runs.length;
    expect(count).toBeGreaterThanOrEqual(2);
    await sleep(200);
    expect(a.runs).toHaveLength(count);
    expect(schedule.running).toBe(false);
  });

  it('reports a failed run and keeps the schedule going', async () => {
    const errors: [string, string][] = [];
    let calls = 0;
    schedule = new CacheSchedule({
      jobs: [
        {
          name: 'backup broken',
          intervalMs: 50,
          run: async () => {
            calls += 1;
            throw new Error('NOAUTH Authentication required');
          },
        },
      ],
      onError: (job, error) => errors.push([job, (error as Error).message]),
    });
    schedule.start();
    await sleep(180);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toEqual(['backup broken', 'NOAUTH Authentication required']);
    expect(errors).toHaveLength(calls);
  });

  it('starts a test restore once the first backup of its cache has run', async () => {
    const backup = recorded('backup a', 10_000, 80);
    const testRestore = recorded('test-restore a', 10_000, 1, { after: 'backup a' });
    // Listed first: the order of the jobs does not matter.
    schedule = new CacheSchedule({ jobs: [testRestore.job, backup.job], onError: () => undefined });
    schedule.start();
    await sleep(40);
    expect(backup.runs).toHaveLength(1);
    expect(testRestore.runs).toHaveLength(0);
    await sleep(100);
    expect(testRestore.runs).toHaveLength(1);
    expect(testRestore.runs[0]!.start).toBeGreaterThanOrEqual(backup.runs[0]!.end!);
  });

  it('refuses an interval that is not positive and a job waiting for one that does not exist', () => {
    expect(() => new CacheSchedule({ jobs: [recorded('x', 0, 1).job], onError: () => undefined })).toThrow(
      /interval must be positive/,
    );
    expect(
      () => new CacheSchedule({ jobs: [recorded('x', 10, 1, { after: 'y' }).job], onError: () => undefined }),
    ).toThrow(/no job y/);
  });
});
