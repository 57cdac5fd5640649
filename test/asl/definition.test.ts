/**
 * Static checks of statemachines/incident-recovery.asl.json: what the Step
 * Functions API would reject, what would make an incident silently stall, and
 * the contracts with serverless.yml (placeholders) and functions/domain/errors.ts
 * (error names matched by Retry and Catch).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { load } from 'js-yaml';
import parseFrameworkVariables from 'serverless/lib/configuration/variables/parse';
import * as errors from '../../functions/domain/errors';
import { WORKFLOW_ERROR_NAMES } from '../../functions/domain/errors';

const ROOT = join(__dirname, '..', '..');
const ASL_TEXT = readFileSync(join(ROOT, 'statemachines', 'incident-recovery.asl.json'), 'utf8');

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Retry?: Retrier[];
  Catch?: Catcher[];
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const definition = JSON.parse(ASL_TEXT) as Definition;
const states = Object.entries(definition.States);
const tasks = states.filter(([, s]) => s.Type === 'Task');
const stateNamed = (name: string): State => {
  const state = definition.States[name];
  if (!state) throw new Error(`no state named "${name}"`);
  return state;
};
const isFail = (name: string) => stateNamed(name).Type === 'Fail';
/** States that record a failure and end the execution failed: Tasks whose next state is a Fail state. */
const recordingStates = tasks.filter(([, s]) => s.Next !== undefined && isFail(s.Next)).map(([name]) => name);

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const placeholdersIn = (text: string) => [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();

function transitionsOf(state: State): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

/** Every key anywhere in a JSON value. */
function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...keysDeep(v)]);
  }
  return [];
}

describe('incident-recovery.asl.json', () => {
  it('is a valid Amazon States Language definition once its placeholders are substituted', () => {
    const substituted = ASL_TEXT.replace(PLACEHOLDER, (_, name: string) =>
      name.endsWith('FunctionArn')
        ? `arn:aws:lambda:us-east-1:123456789012:function:${name.replace(/Arn$/, '')}`
        : `example-${name}`,
    );
    const result = aslValidator(JSON.parse(substituted), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('has tasks, and recording states that end failed', () => {
    expect(tasks.length).toBeGreaterThan(10);
    expect(recordingStates).toEqual(expect.arrayContaining(['Record Failure', 'Record Rejection']));
  });

  it.each(tasks)('task "%s" retries with capped, fully jittered backoff', (_name, state) => {
    expect(state.Retry?.length).toBeGreaterThan(0);
    for (const retrier of state.Retry ?? []) {
      expect(retrier.JitterStrategy).toBe('FULL');
      expect(retrier.MaxDelaySeconds).toEqual(expect.any(Number));
      expect(retrier.MaxAttempts).toBeGreaterThan(0);
      expect(retrier.BackoffRate).toBeGreaterThanOrEqual(1);
      expect(retrier.ErrorEquals).not.toContain('States.ALL');
    }
  });

  // The functions whose use cases call the ElastiCache control plane (functions/usecases/assess.ts, promote.ts,
  // provision.ts, check-cache.ts): ElastiCache throttles per account, so parallel recoveries back off longer.
  const ELASTICACHE_FUNCTIONS = [
    '${AssessFunctionArn}',
    '${PromoteFunctionArn}',
    '${ProvisionFunctionArn}',
    '${CheckCacheFunctionArn}',
  ];
  const callingElastiCache = tasks.filter(([, s]) => ELASTICACHE_FUNCTIONS.includes(s.Resource ?? ''));

  it('names the steps that call ElastiCache', () => {
    expect(callingElastiCache.map(([name]) => name).sort()).toEqual([
      'Assess',
      'Check Cache',
      'Promote Replica',
      'Promote Standby',
      'Provision Cache',
    ]);
  });

  it.each(callingElastiCache)(
    'task "%s" first retries throttling, longer and more spread out than other transient failures',
    (_name, state) => {
      const [first, ...rest] = state.Retry ?? [];
      expect(first?.ErrorEquals).toEqual(['DependencyThrottledError']);
      const transient = rest.find((r) => r.ErrorEquals.includes('TransientDependencyError'));
      expect(transient).toBeDefined();
      expect(first!.MaxAttempts!).toBeGreaterThan(transient!.MaxAttempts!);
      expect(first!.MaxDelaySeconds!).toBeGreaterThan(transient!.MaxDelaySeconds!);
      expect(first!.IntervalSeconds!).toBeGreaterThanOrEqual(transient!.IntervalSeconds!);
    },
  );

  it('lets a quota refusal stop the execution at its step, where a redrive continues once the quota is raised', () => {
    const matched = tasks.flatMap(([, s]) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals));
    expect(matched).not.toContain('QuotaExceededError');
  });

  it.each(tasks)(
    'task "%s" catches its known outcomes and lets a fault stop the execution at the step',
    (name, state) => {
      const catchers = state.Catch ?? [];
      expect(catchers.length).toBeGreaterThan(0);
      if (recordingStates.includes(name)) {
        // A failure while recording a failure still ends the execution failed, in the same Fail state,
        // where the execution-status rule escalates it.
        expect(catchers.map((c) => c.ErrorEquals)).toEqual([['States.ALL']]);
        for (const c of catchers) expect(c.Next).toBe(state.Next);
        // And keeps the original error for the Fail state's history.
        for (const c of catchers) expect(c.ResultPath).not.toBe('$.error');
        return;
      }
      // Redrive restarts the state the execution stopped in: a catch-all would move that to a Fail state.
      for (const c of catchers) {
        for (const wide of ['States.ALL', 'States.TaskFailed', 'States.Runtime'])
          expect(c.ErrorEquals).not.toContain(wide);
        expect(c.ResultPath).toBe('$.error');
      }
      const toRecording = catchers.filter((c) => recordingStates.includes(c.Next));
      if (name !== 'Record Incident') expect(toRecording.flatMap((c) => c.ErrorEquals)).toContain('ValidationError');
    },
  );

  it.each(tasks)('task "%s" has a timeout', (_name, state) => {
    const timeouts = [state.TimeoutSeconds, state.TimeoutSecondsPath].filter((t) => t !== undefined);
    expect(timeouts).toHaveLength(1);
  });

  it('gives every callback task a timeout, a heartbeat and the task token', () => {
    const callbacks = tasks.filter(([, s]) => s.Resource?.endsWith('.waitForTaskToken'));
    expect(callbacks.map(([name]) => name)).toEqual(['Request Approval']);
    for (const [, state] of callbacks) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath).toBeDefined();
      expect(state.HeartbeatSeconds ?? state.HeartbeatSecondsPath).toBeDefined();
      expect(JSON.stringify(state.Parameters)).toContain('"taskToken.$":"$$.Task.Token"');
      const timeoutsCaught = (state.Catch ?? []).flatMap((c) => c.ErrorEquals);
      expect(timeoutsCaught).toEqual(expect.arrayContaining(['States.Timeout', 'States.HeartbeatTimeout']));
    }
  });

  it('stays on JSONPath: no JSONata, no variables (Assign)', () => {
    const keys = keysDeep(definition);
    expect(keys).not.toContain('QueryLanguage');
    expect(keys).not.toContain('Assign');
    expect(keys).not.toContain('Arguments');
    expect(keys).not.toContain('Output');
    expect(ASL_TEXT).not.toMatch(/\{%/);
  });

  it('holds no account id and no ARN other than Step Functions service integrations', () => {
    expect(ASL_TEXT).not.toMatch(/(?<![0-9])[0-9]{12}(?![0-9])/);
    const arns = ASL_TEXT.match(/arn:[^"]*/g) ?? [];
    expect(arns.length).toBeGreaterThan(0);
    for (const arn of arns) expect(arn).toMatch(/^arn:aws:states:::[a-z]+:[A-Za-z.]+$/);
  });

  it('refers to Lambda functions and the table only through placeholders', () => {
    for (const [, state] of tasks) {
      const target =
        state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken'
          ? state.Parameters?.FunctionName
          : state.Resource;
      if (typeof target === 'string' && target.startsWith('arn:aws:states:::dynamodb:')) {
        expect(state.Parameters?.TableName).toBe('${IncidentsTable}');
      } else {
        expect(target).toMatch(/^\$\{[A-Za-z]+FunctionArn\}$/);
      }
    }
  });

  it('uses exactly the placeholders serverless.yml substitutes', () => {
    const doc = load(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
      resources: { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> }[] | string[];
    };
    const machines = (
      doc.resources as { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> }[]
    )
      .flatMap((part) => Object.values(typeof part === 'object' && part.Resources ? part.Resources : {}))
      .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(1);
    const properties = machines[0]!.Properties;
    expect(properties.DefinitionString).toBe('${file(./serverless/asl.js):definition}');
    const substituted = Object.keys(properties.DefinitionSubstitutions as Record<string, unknown>).sort();
    expect(substituted).toEqual(placeholdersIn(ASL_TEXT));
  });

  it('contains nothing the framework would take for one of its ${source:address} variables', () => {
    expect(parseFrameworkVariables(JSON.stringify(definition))).toBeNull();
    // The check itself can fail: a framework variable is found.
    expect(parseFrameworkVariables('{"TableName":"${self:custom.table}"}')).not.toBeNull();
  });

  it('matches in Retry and Catch only error names that functions/domain/errors.ts raises', () => {
    const builtIn = /^(States|Lambda|DynamoDB)\./;
    const matched = new Set(
      tasks
        .flatMap(([, s]) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals))
        .filter((n) => !builtIn.test(n)),
    );
    expect(matched.size).toBeGreaterThan(0);

    const namesOfClasses = new Set<string>();
    for (const exported of Object.values(errors)) {
      if (typeof exported !== 'function' || !(exported.prototype instanceof errors.DomainError)) continue;
      const ErrorClass = exported as unknown as new (...args: unknown[]) => Error;
      namesOfClasses.add(new ErrorClass('example', []).name);
    }
    for (const name of WORKFLOW_ERROR_NAMES) expect(namesOfClasses).toContain(name);
    for (const name of matched) {
      expect(WORKFLOW_ERROR_NAMES).toContain(name);
      expect(namesOfClasses).toContain(name);
    }
  });

  it('reaches every state from StartAt', () => {
    const seen = new Set<string>();
    const queue = [definition.StartAt];
    while (queue.length) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      queue.push(...transitionsOf(stateNamed(name)));
    }
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it('gives every Choice a Default', () => {
    const choices = states.filter(([, s]) => s.Type === 'Choice');
    expect(choices.length).toBeGreaterThan(0);
    for (const [name, state] of choices)
      expect({ name, Default: state.Default }).toEqual({ name, Default: expect.any(String) });
  });
});
