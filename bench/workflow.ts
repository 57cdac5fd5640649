/**
 * workflow_overhead_s and transitions_per_incident, from whole drills on the
 * local stack (runDrill): the execution's own history, captured while it
 * runs, gives precise state timings; the incident timeline gives provisioning.
 */
import { GetExecutionHistoryCommand, ListExecutionsCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { runDrill, type DrillReport } from '../local/drill/run';
import type { Scenario } from '../local/drill/scenarios';
import type { LocalStack } from '../local/stack';
import { summarize, type Summary } from './stats';

/** Standard workflow pricing: $0.025 per 1,000 state transitions. */
export const USD_PER_TRANSITION = 0.025 / 1000;

export interface OverheadBreakdown {
  /** ExecutionStarted → ExecutionSucceeded, from the execution history. */
  executionS: number;
  /** RECOVERY_STARTED → CACHE_AVAILABLE, from the incident timeline. */
  provisioningS: number;
  /** The Rehydrate state, entered → exited, from the execution history. */
  rehydratingS: number;
  overheadS: number;
  /**
   * Part of the overhead spent starting the functions' execution environments
   * in the local Lambda runtime (the `Init Duration` of each function's first
   * invocation; the rehydrate and check-cache functions' fall in the subtracted time).
   */
  coldStartsS: number;
  /** The slowest states (entered → exited), to show where the overhead goes. */
  slowestStates: { state: string; seconds: number }[];
}

export interface DrillRun {
  scenario: Scenario;
  keys: number;
  ok: boolean;
  why: string;
  transitions: number;
  wallS: number;
  overhead?: OverheadBreakdown;
}

const ms = (iso: string | Date | undefined): number => (iso instanceof Date ? iso.getTime() : Date.parse(iso ?? ''));

/** Keeps the latest full history of the stack's executions until stopped. */
function historyRecorder(): {
  attach(stack: LocalStack): void;
  stop(): Promise<void>;
  histories: Map<string, HistoryEvent[]>;
} {
  const histories = new Map<string, HistoryEvent[]>();
  let stopped = false;
  let loop: Promise<void> = Promise.resolve();
  return {
    histories,
    attach(stack) {
      const { sfn } = stack.clients;
      const arn = stack.description.stateMachineArn;
      loop = (async () => {
        while (!stopped) {
          try {
            const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
            for (const e of list.executions ?? []) {
              if (!e.executionArn) continue;
              const events: HistoryEvent[] = [];
              let nextToken: string | undefined;
              do {
                const page = await sfn.send(
                  new GetExecutionHistoryCommand({ executionArn: e.executionArn, maxResults: 1000, nextToken }),
                );
                events.push(...(page.events ?? []));
                nextToken = page.nextToken;
              } while (nextToken);
              histories.set(e.executionArn, events);
            }
          } catch {
            // the stack is going down
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Entered → exited time of each state visit, in seconds. */
export function stateDurations(events: readonly HistoryEvent[]): { state: string; seconds: number }[] {
  const open = new Map<string, number>();
  const out: { state: string; seconds: number }[] = [];
  for (const e of events) {
    const name = e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;
    if (!name) continue;
    if (e.type?.endsWith('StateEntered')) open.set(name, ms(e.timestamp));
    else if (e.type?.endsWith('StateExited') && open.has(name)) {
      out.push({ state: name, seconds: (ms(e.timestamp) - (open.get(name) as number)) / 1000 });
      open.delete(name);
    }
  }
  return out;
}

/** Functions whose first invocation happens inside the subtracted provisioning or rehydrating time. */
const COLD_STARTS_SUBTRACTED = new Set(['rehydrate', 'checkcache']);
const normalized = (fn: string) => fn.toLowerCase().replace(/[^a-z]/g, '');

export function overheadOf(
  report: DrillReport,
  events: readonly HistoryEvent[],
  initMs: ReadonlyMap<string, number> = new Map(),
): OverheadBreakdown {
  const started = events.find((e) => e.type === 'ExecutionStarted');
  const ended = events.find((e) => e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed');
  if (!started || !ended) throw new Error('the execution history has no start or end');
  const at = (type: string) => {
    const e = report.timeline.find((t) => t.type === type);
    if (!e) throw new Error(`the incident timeline has no ${type} event`);
    return ms(e.at);
  };
  const durations = stateDurations(events);
  const executionS = (ms(ended.timestamp) - ms(started.timestamp)) / 1000;
  const provisioningS = (at('CACHE_AVAILABLE') - at('RECOVERY_STARTED')) / 1000;
  const rehydratingS = durations.filter((d) => d.state === 'Rehydrate').reduce((s, d) => s + d.seconds, 0);
  const slowestStates = [...durations].sort((a, b) => b.seconds - a.seconds).slice(0, 6);
  const coldStartsS =
    [...initMs].filter(([fn]) => !COLD_STARTS_SUBTRACTED.has(normalized(fn))).reduce((s, [, v]) => s + v, 0) / 1000;
  return {
    executionS,
    provisioningS,
    rehydratingS,
    overheadS: executionS - provisioningS - rehydratingS,
    coldStartsS,
    slowestStates,
  };
}

export async function drill(scenario: Scenario, keys: number): Promise<DrillRun> {
  const recorder = historyRecorder();
  /** Init Duration of each workflow function's first invocation (REPORT lines of the local runtime). */
  const initMs = new Map<string, number>();
  const functionLog = (fn: string, line: string) => {
    const m = /Init Duration: ([\d.]+) ms/.exec(line);
    if (m && !['probe', 'onalarm', 'console'].includes(normalized(fn)))
      initMs.set(fn, (initMs.get(fn) ?? 0) + Number(m[1]));
  };
  let report: DrillReport;
  try {
    report = await runDrill({ scenario, keys, functionLog, onStack: (stack) => recorder.attach(stack) });
  } finally {
    await recorder.stop();
  }
  const events = report.executionArn ? recorder.histories.get(report.executionArn) : undefined;
  const run: DrillRun = {
    scenario,
    keys,
    ok: report.ok,
    why: report.why,
    transitions: events ? events.filter((e) => e.type?.endsWith('StateEntered')).length : report.transitions,
    wallS: report.wallMs / 1000,
  };
  if (scenario === 'restore' && report.ok && events) run.overhead = overheadOf(report, events, initMs);
  return run;
}

export interface WorkflowResult {
  overheadS: Summary;
  restoreRuns: DrillRun[];
  transitions: Record<string, { transitions: number; usdPerIncident: number; ok: boolean }>;
}

export async function benchWorkflow(opts: {
  keys: number;
  runs: number;
  otherScenarioKeys: number;
  log: (line: string) => void;
}): Promise<WorkflowResult> {
  const { keys, runs, log } = opts;
  const restoreRuns: DrillRun[] = [];
  for (let run = 0; run < runs; run += 1) {
    const r = await drill('restore', keys);
    restoreRuns.push(r);
    if (!r.ok || !r.overhead) throw new Error(`the restore drill did not resolve: ${r.why}`);
    const o = r.overhead;
    log(
      `  restore drill ${run + 1}/${runs}: execution ${o.executionS.toFixed(1)} s − provisioning ${o.provisioningS.toFixed(1)} s − rehydrating ${o.rehydratingS.toFixed(1)} s = ${o.overheadS.toFixed(1)} s (of which ${o.coldStartsS.toFixed(1)} s starting functions in the local runtime), ${r.transitions} transitions; slowest states: ${o.slowestStates.map((x) => `${x.state} ${x.seconds.toFixed(1)} s`).join(', ')}`,
    );
  }
  const transitions: WorkflowResult['transitions'] = {};
  const restore = restoreRuns[0] as DrillRun;
  transitions.restore = {
    transitions: restore.transitions,
    usdPerIncident: restore.transitions * USD_PER_TRANSITION,
    ok: restore.ok,
  };
  for (const scenario of ['promote', 'recovers'] as const) {
    const r = await drill(scenario, opts.otherScenarioKeys);
    transitions[scenario] = {
      transitions: r.transitions,
      usdPerIncident: r.transitions * USD_PER_TRANSITION,
      ok: r.ok,
    };
    log(`  ${scenario} drill: ${r.transitions} transitions (${r.ok ? 'resolved' : r.why})`);
  }
  return {
    overheadS: summarize(restoreRuns.map((r) => (r.overhead as OverheadBreakdown).overheadS)),
    restoreRuns,
    transitions,
  };
}
