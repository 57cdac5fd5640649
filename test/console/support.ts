/**
 * An interactive drill running in the background, for the console, browser
 * and CLI tests: the stack, the console endpoint, a way to wait for the
 * pending approval, and everything the functions logged.
 */
import { documentClient, DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { runDrill, type DrillReport } from '../../local/drill/run';
import type { Scenario } from '../../local/drill/scenarios';
import type { LocalStack } from '../../local/stack';

export interface BackgroundDrill {
  stack: LocalStack;
  consoleUrl: string;
  store: DynamoDbIncidentStore;
  report: Promise<DrillReport>;
  logs: string[];
  progress: string[];
  /** Resolves with the incident id once its approval `step` is pending. */
  pendingApproval(step?: string, timeoutMs?: number): Promise<string>;
  /** Stops the drill (and its stack) if it is still running. */
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
  const report = runDrill({
    scenario,
    keys,
    interactive: true,
    signal: controller.signal,
    log: (line) => progress.push(line),
    functionLog: (fn, line) => logs.push(`${fn}\t${line}`),
    onStack: (s) => resolveStack(s),
    timeoutMs: 180_000,
  });
  report.catch(() => undefined);
  const stack = await Promise.race([
    stackUp,
    report.then(() => Promise.reject(new Error('the drill ended before its stack was up'))),
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
      await report.catch(() => undefined);
    },
  };
}
