/**
 * Step Functions must never give up on a Lambda task while the invocation can
 * still be running: a task that times out is failed (and may be retried or
 * redriven) while the first run goes on writing. So every Task that invokes
 * a function waits longer than that function may run, plus the time Lambda
 * may spend before the function's own timer starts.
 *
 * - Step Functions "Task" state: TimeoutSeconds is how long the state waits
 *   before it fails with States.Timeout
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html).
 * - Lambda "Understanding the Lambda execution environment lifecycle": the
 *   Init phase is limited to 10 seconds, and an Init that does not finish in
 *   time is retried at the first invocation under the function's timeout
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
 *   A cold invocation can therefore take 10 s + the function timeout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../../local/stack/serverless-manifest';

const ROOT = join(__dirname, '..', '..');

/** Init phase limit (10 s) plus 5 s for the Invoke request and its response on the way. */
const INVOKE_MARGIN_SECONDS = 15;

interface State {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Branches?: { States: Record<string, State> }[];
  Iterator?: { States: Record<string, State> };
  ItemProcessor?: { States: Record<string, State> };
}

function tasks(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [[name, s] as [string, State]] : []),
    ...(s.Branches ?? []).flatMap((b) => tasks(b.States)),
    ...(s.Iterator ? tasks(s.Iterator.States) : []),
    ...(s.ItemProcessor ? tasks(s.ItemProcessor.States) : []),
  ]);
}

const definition = JSON.parse(readFileSync(join(ROOT, 'statemachines', 'incident-recovery.asl.json'), 'utf8')) as {
  States: Record<string, State>;
};
const manifest = readManifest(ROOT);
const timeoutOf = new Map(manifest.functions.map((f) => [f.key, f.timeoutSeconds]));

/** The serverless.yml function key a task invokes (`${VerifyFunctionArn}` → verify), if any. */
function invokedFunction(state: State): string | undefined {
  const where = `${state.Resource ?? ''} ${JSON.stringify(state.Parameters ?? {})}`;
  const m = /\$\{([A-Za-z0-9]+)FunctionArn\}/.exec(where);
  return m ? `${m[1]![0]!.toLowerCase()}${m[1]!.slice(1)}` : undefined;
}

describe('task timeouts against function timeouts', () => {
  const invoking = tasks(definition.States).filter(([, s]) => invokedFunction(s) !== undefined);

  it('finds the workflow functions in serverless.yml', () => {
    expect(invoking.length).toBeGreaterThan(10);
    for (const [name, s] of invoking)
      expect({ name, fn: timeoutOf.has(invokedFunction(s)!) }).toEqual({ name, fn: true });
  });

  it("keeps Lambda function timeouts within Lambda's 900 s maximum", () => {
    for (const [fn, seconds] of timeoutOf)
      expect({ fn, within: seconds >= 1 && seconds <= 900 }).toEqual({ fn, within: true });
  });

  it(`waits on every synchronous Lambda task longer than the function may run, by at least ${INVOKE_MARGIN_SECONDS} s`, () => {
    const short: string[] = [];
    for (const [name, s] of invoking) {
      // `.waitForTaskToken`: the invocation returns at once and the timeout is the wait for the callback.
      if (s.Resource?.endsWith('.waitForTaskToken')) continue;
      const fn = invokedFunction(s)!;
      const fnTimeout = timeoutOf.get(fn)!;
      if (s.TimeoutSeconds === undefined || s.TimeoutSeconds < fnTimeout + INVOKE_MARGIN_SECONDS) {
        short.push(
          `${name}: TimeoutSeconds ${String(s.TimeoutSeconds)} < ${fn} timeout ${fnTimeout} + ${INVOKE_MARGIN_SECONDS}`,
        );
      }
    }
    expect(short).toEqual([]);
  });
});
