/**
 * An interactive drill running in the background, for the console, browser
 * and CLI tests: the stack, the console endpoint, a way to wait for the
 * pending approval, and everything the functions logged. Like `npm run drill
 * -- --interactive`, it keeps the stack up after the incident ends (its
 * report is ready then) until it is stopped.
 */
import { documentClient, DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { runDrill, type DrillReport } from '../../local/drill/run';
import type { Scenario } from '../../local/drill/scenarios';
import type { LocalStack } from '../../local/stack';

export interface BackgroundDrill {
  stack: LocalStack;
  consoleUrl: string;
  store: DynamoDbIncidentStore;
  /** Resolves once the incident ended; the stack stays up until `stop()`. */
  report: Promise<DrillReport>;
  logs: string[];
  progress: string[];
  /** Resolves with the incident id once its approval `step` is pending. */
  pendingApproval(step?: string, timeoutMs?: number): Promise<string>;
  /** Stops the drill and its stack, as Ctrl-C does, and waits until everything it started is gone. */
  stop(): Promise<void>;
}

export async function startInteractiveDrill(scenario: Scenario, keys = 2000): Promise<BackgroundDrill> {
  const logs: string[] = [];
  const progress: string[] = [];
  const controller = new AbortController();
  let resolveStack: (s: LocalStack) => void = () => undefined;
  const stackUp = new Promise<LocalStack>((r) => {
    resolveStack = r;
  });
  let resolveReport: (r: DrillReport) => void = () => undefined;
  const ended = new Promise<DrillReport>((r) => {
    resolveReport = r;
  });
  const run = runDrill({
    scenario,
    keys,
    interactive: true,
    signal: controller.signal,
    log: (line) => progress.push(line),
    functionLog: (fn, line) => logs.push(`${fn}\t${line}`),
    onStack: (s) => resolveStack(s),
    onReport: (r) => resolveReport(r),
    timeoutMs: 180_000,
  });
  run.catch(() => undefined);
  // The report when the incident ends, or the drill's failure if it ends before.
  const report = Promise.race([ended, run]);
  report.catch(() => undefined);
  const stack = await Promise.race([
    stackUp,
    run.then(() => Promise.reject(new Error('the drill ended before its stack was up'))),
  ]);
  if (!stack.description.consoleUrl) throw new Error('the local stack has no console');
  const store = new DynamoDbIncidentStore({
    tableName: stack.description.tables.incidents,
    client: documentClient(stack.clients.dynamodb),
  });
  return {
    stack,
    consoleUrl: stack.description.consoleUrl,
    store,
    report,
    logs,
    progress,
    async pendingApproval(step = 'recovery-plan', timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const [incident] = await store.listIncidents(1);
        if (incident) {
          const pending = await store.pendingApproval(incident.incidentId, step);
          if (pending?.approval.status === 'PENDING') return incident.incidentId;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`no pending approval after ${timeoutMs} ms:\n${progress.join('\n')}`);
    },
    async stop() {
      controller.abort();
      await run.catch(() => undefined);
    },
  };
}
