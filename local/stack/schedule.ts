/**
 * The local stand-in for the per-cache EventBridge schedules serverless/alarms.js
 * and serverless/standby.js declare (backup, test restore, mirror): each job runs once as soon as the schedule
 * starts (or once the job it waits for has run once), then every interval.
 * A job whose previous run is still going skips its turn, so one cache never
 * has two runs of the same job at once. A failed run is reported, never thrown.
 */

export interface ScheduledJob {
  /** Names the job in reports, e.g. `backup account-settings`. */
  name: string;
  intervalMs: number;
  run: () => Promise<void>;
  /** Another job's name: this one starts once that job's first run has settled. */
  after?: string;
}

export interface CacheScheduleOptions {
  jobs: readonly ScheduledJob[];
  onError: (job: string, error: unknown) => void;
}

interface JobState {
  job: ScheduledJob;
  timer?: NodeJS.Timeout;
  running: boolean;
  /** Paused jobs skip their turns, as a rule whose State is DISABLED. */
  paused: boolean;
  firstRun?: Promise<void>;
}

export class CacheSchedule {
  private readonly states: JobState[];
  private stopped = true;

  constructor(private readonly options: CacheScheduleOptions) {
    const names = new Set(options.jobs.map((j) => j.name));
    for (const job of options.jobs) {
      if (!(job.intervalMs > 0)) throw new Error(`${job.name}: the interval must be positive, got ${job.intervalMs}`);
      if (job.after !== undefined && !names.has(job.after))
        throw new Error(`${job.name}: no job ${job.after} to wait for`);
    }
    this.states = options.jobs.map((job) => ({ job, running: false, paused: false }));
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const byName = new Map(this.states.map((s) => [s.job.name, s]));
    // Jobs that wait for no other first, so that the ones that do find their first run.
    const ordered = [...this.states].sort(
      (a, b) => Number(a.job.after !== undefined) - Number(b.job.after !== undefined),
    );
    for (const state of ordered) {
      const waitFor = state.job.after !== undefined ? byName.get(state.job.after)?.firstRun : undefined;
      state.firstRun = (waitFor ?? Promise.resolve()).then(() => {
        if (this.stopped) return;
        state.timer = setInterval(() => void this.tick(state), state.job.intervalMs);
        state.timer.unref();
        return this.tick(state);
      });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.states) {
      if (state.timer) clearInterval(state.timer);
      state.timer = undefined;
    }
  }

  /**
   * Stops running `name` as if its schedule rule were disabled (a run under way
   * finishes); `resume` runs it again from its next turn. Unknown names throw.
   */
  pause(name: string): void {
    this.stateOf(name).paused = true;
  }

  resume(name: string): void {
    this.stateOf(name).paused = false;
  }

  has(name: string): boolean {
    return this.states.some((s) => s.job.name === name);
  }

  private stateOf(name: string): JobState {
    const state = this.states.find((s) => s.job.name === name);
    if (!state) throw new Error(`no scheduled job ${name}`);
    return state;
  }

  private async tick(state: JobState): Promise<void> {
    if (this.stopped || state.running || state.paused) return;
    state.running = true;
    try {
      await state.job.run();
    } catch (error) {
      // A run cut short by stop() (its function stopped under it) is no failure to report.
      if (!this.stopped) this.options.onError(state.job.name, error);
    } finally {
      state.running = false;
    }
  }
}
