/**
 * The real state machine, run on the local Step Functions endpoint, through
 * every branch: each Lambda step is a scripted stand-in, so each test decides
 * what the steps answer and asserts on the execution history.
 */
import '../../local/polyfills';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { ExecutionInput } from '../../functions/domain/incident';
import type { InvokeOutcome } from '../../local/lambda';
import { startStepFunctions, type ExecutionStatusEvent, type LocalStepFunctions } from '../../local/sfn';
import { substitute } from '../../local/stack/serverless-manifest';

const ASL = readFileSync(path.join(__dirname, '../../statemachines/incident-recovery.asl.json'), 'utf8');
const FUNCTIONS = [
  'ConfirmOutage',
  'Notify',
  'Assess',
  'RequestApproval',
  'Promote',
  'Provision',
  'CheckCache',
  'CutOver',
  'Verify',
  'Rehydrate',
  'CloseIncident',
  'Escalate',
];
const arn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:${fn}`;

type Step = (payload: Record<string, unknown>) => unknown;
/** A step that fails with a named error, as a Lambda function error. */
class StepError extends Error {
  constructor(readonly errorType: string) {
    super(`${errorType} from the stand-in`);
  }
}

const assessment = (plan: string, requiresApproval: boolean) => ({
  plan,
  reason: `plan ${plan}`,
  requiresApproval,
  etaMinutes: 7,
  primaryReachable: plan === 'RECOVERED',
  rejectedBackups: [],
  rehydrateSince: '2026-01-01T00:00:00.000Z',
});

const confirmation = (confirmed: boolean) => ({
  confirmed,
  endpoint: '127.0.0.1:6379',
  through: 'the endpoint record /p',
  from: 'here',
  auth: false,
  windowSeconds: 10,
  pings: confirmed
    ? [{ at: 't', ok: false, error: 'ECONNREFUSED' }]
    : [1, 2, 3].map(() => ({ at: 't', ok: true, latencyMs: 1 })),
  ...(confirmed ? { error: 'ECONNREFUSED' } : {}),
  at: 't',
});

/** The customer-facing stages, in the only order they may be sent. */
const NOTICE_ORDER = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED'];

/** Every transition the definition declares: Next, Choices, Default, Catch. */
function declaredTransitions(asl: string): string[] {
  const states = (JSON.parse(asl) as { States: Record<string, Record<string, unknown>> }).States;
  const edges = new Set<string>();
  for (const [name, state] of Object.entries(states)) {
    const targets = [
      state.Next,
      state.Default,
      ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
      ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
    ].filter((t): t is string => typeof t === 'string');
    for (const t of targets) edges.add(`${name} → ${t}`);
  }
  return [...edges].sort();
}

function defaultSteps(): Record<string, Step> {
  const recovery = {
    plan: 'PROVISION_FROM_BACKUP',
    replicationGroupId: 'r-x',
    startedAt: 't',
    polls: 0,
    status: 'creating',
    ready: false,
  };
  const endpoint = { host: '127.0.0.1', port: 6380, tls: true };
  return {
    ConfirmOutage: () => confirmation(true),
    Notify: (p) => ({ stage: p.stage, published: true }),
    Assess: () => assessment('PROVISION_FROM_BACKUP', true),
    RequestApproval: () => ({ published: true }),
    Promote: () => ({ ...recovery, plan: 'PROMOTE_REPLICA', status: 'modifying' }),
    Provision: () => recovery,
    CheckCache: (p) => ({ ...(p.recovery as object), polls: 1, ready: true, status: 'available', endpoint }),
    CutOver: () => ({ parameter: '/p', current: endpoint, version: 2, at: 't' }),
    Verify: (p) => ({ mode: p.mode, ok: true, keysChecked: 1, at: 't' }),
    Rehydrate: () => ({ since: 't', written: 3, expiredSkipped: 0, byKind: {}, seconds: 0 }),
    CloseIncident: () => ({ status: 'RESOLVED' }),
    Escalate: () => ({}),
  };
}

describe('state machine branches (real ASL, local Step Functions)', () => {
  const ddb = mockClient(DynamoDBClient);
  const sns = mockClient(SNSClient);
  let sfnLocal: LocalStepFunctions;
  let sfn: SFNClient;
  let stateMachineArn: string;
  let steps: Record<string, Step>;
  let calls: { fn: string; payload: Record<string, unknown> }[];
  let tokens: string[];
  let statusEvents: ExecutionStatusEvent[];
  /** Every execution this file ran: the states it entered and the Lambda calls it made, in order. */
  const runs: { name: string; entered: string[]; calls: { fn: string; payload: Record<string, unknown> }[] }[] = [];

  beforeAll(async () => {
    const invoke = async (functionName: string, payload: unknown): Promise<InvokeOutcome> => {
      const fn = functionName.slice(functionName.lastIndexOf(':') + 1);
      const p = payload as Record<string, unknown>;
      calls.push({ fn, payload: p });
      if (typeof p.taskToken === 'string') tokens.push(p.taskToken);
      const step = steps[fn];
      if (!step) return { ok: false, error: { errorType: 'ResourceNotFoundException', errorMessage: fn } };
      try {
        return { ok: true, payload: await step(p) };
      } catch (err) {
        const type = err instanceof StepError ? err.errorType : 'Error';
        return { ok: false, error: { errorType: type, errorMessage: (err as Error).message } };
      }
    };
    sfnLocal = await startStepFunctions({
      lambda: { invoke },
      clients: { dynamodb: new DynamoDBClient({ region: 'us-east-1' }), sns: new SNSClient({ region: 'us-east-1' }) },
      waitScale: 0.01,
      onStatusChange: (event) => statusEvents.push(event),
    });
    sfn = new SFNClient({
      endpoint: sfnLocal.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const definition = substitute(ASL, {
      IncidentsTable: 'incidents',
      ...Object.fromEntries(FUNCTIONS.map((f) => [`${f}FunctionArn`, arn(f)])),
    });
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'recovery',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
        type: 'STANDARD',
      }),
    );
    stateMachineArn = created.stateMachineArn as string;
  });

  afterAll(async () => {
    sfn.destroy();
    await sfnLocal.stop();
  });

  beforeEach(() => {
    ddb.reset();
    sns.reset();
    ddb.on(PutItemCommand).resolves({});
    steps = defaultSteps();
    calls = [];
    tokens = [];
    statusEvents = [];
  });

  let n = 0;
  async function run(settings: Partial<ExecutionInput['settings']> = {}, approve?: (token: string) => Promise<void>) {
    n += 1;
    const input: ExecutionInput = {
      incidentId: `cache-2026010${n}T000000Z`,
      cacheId: 'cache',
      openedAt: '2026-01-01T00:00:00.000Z',
      trigger: { alarmName: 'a', source: 'eventbridge', reason: 'r', stateChangeTime: '2026-01-01T00:00:00.000Z' },
      settings: {
        pollIntervalSeconds: 1,
        maxPolls: 10,
        approvalTimeoutSeconds: 30,
        approvalHeartbeatSeconds: 20,
        approvalDefault: 'abort',
        ...settings,
      },
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: `run-${n}`, input: JSON.stringify(input) }),
    );
    if (approve) {
      const deadline = Date.now() + 10_000;
      while (!tokens.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await approve(tokens[0] as string);
    }
    return settled(executionArn as string);
  }

  async function settled(executionArn: string) {
    const done = await sfnLocal.waitForExecution(executionArn, 30_000);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const entered = (history.events ?? [])
      .filter((e: HistoryEvent) => e.type?.endsWith('StateEntered'))
      .map((e: HistoryEvent) => e.stateEnteredEventDetails?.name as string);
    runs.push({ name: expect.getState().currentTestName ?? '', entered, calls: [...calls] });
    return { executionArn, done, entered, stages: calls.filter((c) => c.fn === 'Notify').map((c) => c.payload.stage) };
  }

  const approve = (token: string) =>
    sfn
      .send(
        new SendTaskSuccessCommand({
          taskToken: token,
          output: JSON.stringify({ approved: true, decidedBy: 'op', decidedAt: 't', reason: 'go' }),
        }),
      )
      .then(() => undefined);

  it('restore: approval, provision, poll until ready, cut over, verify, rehydrate, resolve', async () => {
    let polls = 0;
    const ready = defaultSteps().CheckCache as Step;
    steps.CheckCache = (p) =>
      ++polls < 3 ? { ...(p.recovery as object), polls, ready: false, status: 'creating' } : ready(p);
    const { done, entered, stages } = await run({}, approve);
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toEqual([
      'Record Incident',
      'Confirm Outage',
      'Outage Confirmed?',
      'Notify Investigating',
      'Assess',
      'Choose Recovery',
      'Request Approval',
      'Notify ETA',
      'Run Plan',
      'Provision Cache',
      'Check Cache',
      'Cache Ready?',
      'Wait For Cache',
      'Check Cache',
      'Cache Ready?',
      'Wait For Cache',
      'Check Cache',
      'Cache Ready?',
      'Cut Over',
      'Verify Cache',
      'Notify Partially Restored',
      'Rehydrate',
      'Verify Data',
      'Notify Resolved',
      'Close Incident',
      'Resolved',
    ]);
    expect(stages).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(calls.find((c) => c.fn === 'Notify' && c.payload.stage === 'ETA')?.payload.etaMinutes).toBe(7);
    // The token went to the approval step only, never to another step.
    expect(calls.filter((c) => JSON.stringify(c.payload).includes(tokens[0] as string)).map((c) => c.fn)).toEqual([
      'RequestApproval',
    ]);
  });

  it('promote: no approval needed, the replica is promoted', async () => {
    steps.Assess = () => assessment('PROMOTE_REPLICA', false);
    const { done, entered } = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toContain('Promote Replica');
    expect(entered).not.toContain('Request Approval');
    expect(entered).not.toContain('Provision Cache');
  });

  it('standby: no approval, the standby group is checked, clients are cut over to it, rehydrated from its watermark', async () => {
    steps.Assess = () => ({
      ...assessment('PROMOTE_STANDBY', false),
      etaMinutes: 1,
      standby: {
        replicationGroupId: 'sessions-standby',
        endpoint: { host: '127.0.0.1', port: 6390, tls: true },
        watermark: '2025-12-31T23:59:00.000Z',
        lagSeconds: 60,
      },
      rehydrateSince: '2025-12-31T23:58:00.000Z',
    });
    steps.Promote = () => ({
      plan: 'PROMOTE_STANDBY',
      replicationGroupId: 'sessions-standby',
      startedAt: 't',
      polls: 0,
      ready: false,
      status: 'available',
    });
    const { done, entered, stages } = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toEqual([
      'Record Incident',
      'Confirm Outage',
      'Outage Confirmed?',
      'Notify Investigating',
      'Assess',
      'Choose Recovery',
      'Notify ETA',
      'Run Plan',
      'Promote Standby',
      'Check Cache',
      'Cache Ready?',
      'Cut Over',
      'Verify Cache',
      'Notify Partially Restored',
      'Rehydrate',
      'Verify Data',
      'Notify Resolved',
      'Close Incident',
      'Resolved',
    ]);
    expect(stages).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(calls.find((c) => c.fn === 'Notify' && c.payload.stage === 'ETA')?.payload.etaMinutes).toBe(1);
    // The promote function gets the assessment naming the standby; Check Cache polls the standby group.
    expect(calls.find((c) => c.fn === 'Promote')?.payload).toMatchObject({
      assessment: { plan: 'PROMOTE_STANDBY', standby: { replicationGroupId: 'sessions-standby' } },
    });
    expect(calls.find((c) => c.fn === 'CheckCache')?.payload).toMatchObject({
      recovery: { plan: 'PROMOTE_STANDBY', replicationGroupId: 'sessions-standby' },
    });
    expect(calls.find((c) => c.fn === 'Rehydrate')?.payload).toMatchObject({
      assessment: { rehydrateSince: '2025-12-31T23:58:00.000Z' },
    });
    expect(calls.find((c) => c.fn === 'CloseIncident')?.payload).toMatchObject({ plan: 'PROMOTE_STANDBY' });
  });

  it('an unconfirmed alarm is a false alarm: no customer notice, no assessment, the execution succeeds', async () => {
    steps.ConfirmOutage = () => confirmation(false);
    const { done, entered, stages } = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toEqual(['Record Incident', 'Confirm Outage', 'Outage Confirmed?', 'False Alarm']);
    expect(stages).toEqual([]);
    expect(calls.map((c) => c.fn)).toEqual(['ConfirmOutage']);
    expect(calls[0]?.payload).toEqual({
      incidentId: expect.any(String),
      cacheId: 'cache',
      trigger: { alarmName: 'a', reason: 'r', stateChangeTime: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('a confirmed outage is checked before the first notice', async () => {
    const { done, stages } = await run({}, approve);
    expect(done.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.fn).slice(0, 2)).toEqual(['ConfirmOutage', 'Notify']);
    expect(stages[0]).toBe('INVESTIGATING');
  });

  it('a second execution for the same incident ends quietly at Record Incident', async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const { done, entered } = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toEqual(['Record Incident', 'Duplicate Incident']);
    expect(calls).toEqual([]);
  });

  it('recovered by itself: straight to the resolved notice', async () => {
    steps.Assess = () => assessment('RECOVERED', false);
    const { done, entered, stages } = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toEqual([
      'Record Incident',
      'Confirm Outage',
      'Outage Confirmed?',
      'Notify Investigating',
      'Assess',
      'Choose Recovery',
      'Notify Resolved',
      'Close Incident',
      'Resolved',
    ]);
    expect(stages).toEqual(['INVESTIGATING', 'RESOLVED']);
  });

  it('nothing possible: escalates and fails with the reason', async () => {
    steps.Assess = () => assessment('ESCALATE', false);
    const { done, entered } = await run();
    expect(done).toMatchObject({ status: 'FAILED', error: 'RecoveryFailed' });
    expect(entered).toEqual([
      'Record Incident',
      'Confirm Outage',
      'Outage Confirmed?',
      'Notify Investigating',
      'Assess',
      'Choose Recovery',
      'No Recovery Path',
      'Record Failure',
      'Recovery Failed',
    ]);
    expect(calls.find((c) => c.fn === 'Escalate')?.payload).toMatchObject({
      kind: 'failed',
      error: { Error: 'NoRecoveryPathError' },
    });
  });

  it('rejected by an operator: records the rejection and fails', async () => {
    const { done, entered } = await run({}, (token) =>
      sfn
        .send(
          new SendTaskFailureCommand({ taskToken: token, error: 'ApprovalRejectedError', cause: '{"reason":"no"}' }),
        )
        .then(() => undefined),
    );
    expect(done).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
    expect(entered.slice(-2)).toEqual(['Record Rejection', 'Recovery Rejected']);
    expect(calls.find((c) => c.fn === 'Escalate')?.payload).toMatchObject({ kind: 'rejected' });
    expect(entered).not.toContain('Provision Cache');
  });

  it('nobody acknowledges the approval: escalates, then the default abort fails the incident', async () => {
    const { done, entered } = await run({
      approvalTimeoutSeconds: 3,
      approvalHeartbeatSeconds: 1,
      approvalDefault: 'abort',
    });
    expect(done.status).toBe('FAILED');
    expect(entered).toEqual(expect.arrayContaining(['Approval Timed Out', 'Apply Approval Default', 'Record Failure']));
    expect(entered).not.toContain('Provision Cache');
    expect(calls.filter((c) => c.fn === 'Escalate').map((c) => c.payload.kind)).toEqual(['approval-timeout', 'failed']);
  });

  it('nobody decides in time with default proceed: escalates, then recovers', async () => {
    const { done, entered } = await run({
      approvalTimeoutSeconds: 2,
      approvalHeartbeatSeconds: 1,
      approvalDefault: 'proceed',
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(entered).toEqual(
      expect.arrayContaining([
        'Approval Timed Out',
        'Apply Approval Default',
        'Notify ETA',
        'Provision Cache',
        'Resolved',
      ]),
    );
  });

  it('a transient failure is retried (with jitter) and the step succeeds', async () => {
    let attempts = 0;
    const provision = defaultSteps().Provision as Step;
    steps.Provision = (p) => {
      attempts += 1;
      if (attempts === 1) throw new StepError('TransientDependencyError');
      return provision(p);
    };
    const { done } = await run({}, approve);
    expect(done.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
  });

  it('ElastiCache throttling is retried longer than other transient failures, and the step succeeds', async () => {
    // More attempts than the transient retrier allows (5): only the throttling retrier lets this one through.
    let attempts = 0;
    const provision = defaultSteps().Provision as Step;
    steps.Provision = (p) => {
      attempts += 1;
      if (attempts <= 7) throw new StepError('DependencyThrottledError');
      return provision(p);
    };
    const { done } = await run({}, approve);
    expect(done.status).toBe('SUCCEEDED');
    expect(attempts).toBe(8);
  });

  it('a quota refusal stops the execution at Provision Cache; raised, a redrive provisions and recovers', async () => {
    let quotaReached = true;
    const provision = defaultSteps().Provision as Step;
    steps.Provision = (p) => {
      if (quotaReached) throw new StepError('QuotaExceededError');
      return provision(p);
    };
    const first = await run({}, approve);
    // Not caught: no Record Failure, so the execution stops where a redrive continues.
    expect(first.done).toMatchObject({ status: 'FAILED', error: 'QuotaExceededError' });
    expect(first.entered.at(-1)).toBe('Provision Cache');
    expect(calls.filter((c) => c.fn === 'Provision')).toHaveLength(1);
    expect(calls.map((c) => c.fn)).not.toContain('Escalate');
    expect(statusEvents.at(-1)?.detail).toMatchObject({ status: 'FAILED', error: 'QuotaExceededError' });

    quotaReached = false;
    const before = calls.length;
    await sfn.send(new RedriveExecutionCommand({ executionArn: first.executionArn }));
    const second = await settled(first.executionArn);
    expect(second.done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(calls[before]?.fn).toBe('Provision');
  });

  it('the replacement never becomes available: the poll loop ends in failure, not forever', async () => {
    steps.CheckCache = (p) => {
      const polls = Number((p.recovery as { polls: number }).polls) + 1;
      if (polls >= Number(p.maxPolls)) throw new StepError('CacheWaitTimeoutError');
      return { ...(p.recovery as object), polls, ready: false, status: 'creating' };
    };
    const { done, entered } = await run({ maxPolls: 3 }, approve);
    expect(done.status).toBe('FAILED');
    expect(entered.filter((s) => s === 'Check Cache')).toHaveLength(3);
    expect(calls.find((c) => c.fn === 'Escalate')?.payload).toMatchObject({
      error: { Error: 'CacheWaitTimeoutError' },
    });
  });

  it.each([
    ['ConfirmOutage', 'IncidentNotFoundError'],
    ['ConfirmOutage', 'UnknownCacheError'],
    ['Assess', 'InvalidBackupError'],
    ['CheckCache', 'CacheProvisioningFailedError'],
    ['CutOver', 'ValidationError'],
    ['CloseIncident', 'IncidentNotFoundError'],
    ['Notify', 'IncidentNotFoundError'],
  ])('a known outcome of %s (%s) goes to Record Failure, escalates, and fails', async (fn, error) => {
    steps[fn] = () => {
      throw new StepError(error);
    };
    const { done, entered } = await run({}, ['Notify', 'Assess', 'ConfirmOutage'].includes(fn) ? undefined : approve);
    expect(done).toMatchObject({ status: 'FAILED', error: 'RecoveryFailed' });
    expect(entered.slice(-2)).toEqual(['Record Failure', 'Recovery Failed']);
    expect(calls.find((c) => c.fn === 'Escalate')?.payload).toMatchObject({
      kind: 'failed',
      error: { Error: error },
      executionArn: expect.stringContaining(':execution:recovery:'),
    });
    // The status event reports the workflow's own Fail state, which the escalation rule recognises.
    expect(statusEvents.at(-1)?.detail).toMatchObject({ status: 'FAILED', error: 'RecoveryFailed' });
  });

  it.each([
    ['Request Approval', 'RequestApproval', 'ValidationError', undefined],
    ['Notify ETA', 'Notify', 'IncidentSupersededError', 'ETA'],
    ['Promote Replica', 'Promote', 'PromotionFailedError', undefined],
    ['Promote Standby', 'Promote', 'PromotionFailedError', undefined],
    ['Provision Cache', 'Provision', 'InvalidBackupError', undefined],
    ['Verify Cache', 'Verify', 'ValidationError', 'cache'],
    ['Notify Partially Restored', 'Notify', 'IncidentSupersededError', 'PARTIALLY_RESTORED'],
    ['Rehydrate', 'Rehydrate', 'IncidentSupersededError', undefined],
    ['Verify Data', 'Verify', 'UnknownCacheError', 'data'],
    ['Notify Resolved', 'Notify', 'IncidentNotFoundError', 'RESOLVED'],
  ])(
    'a known outcome at "%s" (%s: %s) goes to Record Failure, and customers hear nothing after it',
    async (state, fn, error, only) => {
      const ordinary = steps[fn] as Step;
      steps[fn] = (p) => {
        if (only === undefined || p.stage === only || p.mode === only) throw new StepError(error as string);
        return ordinary(p);
      };
      if (state === 'Promote Replica') steps.Assess = () => assessment('PROMOTE_REPLICA', false);
      if (state === 'Promote Standby') steps.Assess = () => assessment('PROMOTE_STANDBY', false);
      const { done, entered } = await run(
        {},
        ['Promote Replica', 'Promote Standby', 'Request Approval'].includes(state) ? undefined : approve,
      );
      expect(done).toMatchObject({ status: 'FAILED', error: 'RecoveryFailed' });
      expect(entered.slice(-3)).toEqual([state, 'Record Failure', 'Recovery Failed']);
      const failed = calls.findIndex(
        (c) => c.fn === fn && (only === undefined || c.payload.stage === only || c.payload.mode === only),
      );
      expect(calls.slice(failed + 1).map((c) => c.fn)).toEqual(['Escalate']);
    },
  );

  it('an approval timeout whose escalation is refused goes to Record Failure', async () => {
    steps.Escalate = (p) => {
      if (p.kind === 'approval-timeout') throw new StepError('ValidationError');
      return {};
    };
    const { done, entered } = await run({
      approvalTimeoutSeconds: 2,
      approvalHeartbeatSeconds: 1,
      approvalDefault: 'proceed',
    });
    expect(done.status).toBe('FAILED');
    expect(entered.slice(-3)).toEqual(['Approval Timed Out', 'Record Failure', 'Recovery Failed']);
  });

  it('a plan the workflow cannot run ends at No Recovery Path after its ETA', async () => {
    steps.Assess = () => assessment('UNKNOWN_PLAN', false);
    const { done, entered } = await run();
    expect(done).toMatchObject({ status: 'FAILED', error: 'RecoveryFailed' });
    expect(entered.slice(-4)).toEqual(['Run Plan', 'No Recovery Path', 'Record Failure', 'Recovery Failed']);
  });

  it.each([
    ['ConfirmOutage', 'Confirm Outage', 'TransientDependencyError'],
    ['Notify', 'Notify Investigating', 'ConfigError'],
    ['Provision', 'Provision Cache', 'CacheProvisioningFailedError'],
    ['CutOver', 'Cut Over', 'TransientDependencyError'],
    ['Verify', 'Verify Cache', 'VerificationFailedError'],
    ['Rehydrate', 'Rehydrate', 'RehydrationFailedError'],
    ['CloseIncident', 'Close Incident', 'Lambda.Unknown'],
  ])(
    'a fault in %s stops the execution at "%s" (%s), where the status event escalates it',
    async (fn, state, error) => {
      steps[fn] = () => {
        throw new StepError(error);
      };
      const { done, entered } = await run({}, fn === 'Notify' || fn === 'ConfirmOutage' ? undefined : approve);
      expect(done).toMatchObject({ status: 'FAILED', error });
      expect(entered.at(-1)).toBe(state);
      expect(calls.filter((c) => c.fn === 'Escalate')).toEqual([]);
      const stopped = statusEvents.filter((e) => e.detail.status === 'FAILED');
      expect(stopped).toHaveLength(1);
      expect(stopped[0]).toMatchObject({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: done.executionArn, error, redriveCount: 0, redriveStatus: 'REDRIVABLE' },
      });
      expect(JSON.parse(stopped[0]!.detail.input)).toMatchObject({ incidentId: expect.any(String), cacheId: 'cache' });
    },
  );

  it('a redrive after the fault is fixed continues at the failed step and runs no finished step again', async () => {
    let broken = true;
    steps.CutOver = () => {
      if (broken) throw new StepError('TransientDependencyError');
      return { parameter: '/p', current: { host: '127.0.0.1', port: 6380, tls: true }, version: 2, at: 't' };
    };
    const first = await run({}, approve);
    expect(first.done.status).toBe('FAILED');
    const before = calls.map((c) => c.fn);
    expect(before.filter((f) => f === 'Provision')).toHaveLength(1);

    broken = false;
    await sfn.send(new RedriveExecutionCommand({ executionArn: first.executionArn }));
    const second = await settled(first.executionArn);
    expect(second.done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const after = calls.slice(before.length).map((c) => c.fn);
    expect(after[0]).toBe('CutOver');
    for (const finished of ['Assess', 'RequestApproval', 'Provision', 'CheckCache'])
      expect(after).not.toContain(finished);
    // Only the notices not yet sent: PARTIALLY_RESTORED and RESOLVED.
    expect(
      calls
        .slice(before.length)
        .filter((c) => c.fn === 'Notify')
        .map((c) => c.payload.stage),
    ).toEqual(['PARTIALLY_RESTORED', 'RESOLVED']);
    expect(statusEvents.map((e) => [e.detail.status, e.detail.redriveCount])).toEqual([
      ['RUNNING', 0],
      ['FAILED', 0],
      ['RUNNING', 1],
      ['SUCCEEDED', 1],
    ]);
  });
  describe('over every run above', () => {
    it('takes every transition the definition declares', () => {
      const taken = new Set(runs.flatMap((r) => r.entered.slice(1).map((to, i) => `${r.entered[i]} → ${to}`)));
      expect(declaredTransitions(ASL).filter((edge) => !taken.has(edge))).toEqual([]);
    });

    it('tells customers only a confirmed outage, and never contradicts itself', () => {
      expect(runs.length).toBeGreaterThan(10);
      for (const r of runs) {
        const stages = r.calls.filter((c) => c.fn === 'Notify').map((c) => String(c.payload.stage));
        const where = `${r.name}: ${stages.join(' → ') || 'no notice'}`;
        // Each stage at most once, in the order investigating → ETA → partially restored → resolved.
        const positions = stages.map((s) => NOTICE_ORDER.indexOf(s));
        expect({ where, ordered: positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)) }).toEqual({
          where,
          ordered: true,
        });
        // The first notice is "investigating", and it follows a confirmed outage.
        if (stages.length) {
          expect({ where, first: stages[0] }).toEqual({ where, first: 'INVESTIGATING' });
          const firstNotice = r.calls.findIndex((c) => c.fn === 'Notify');
          const confirmed = r.calls.findIndex((c) => c.fn === 'ConfirmOutage');
          expect({ where, confirmedFirst: confirmed >= 0 && confirmed < firstNotice }).toEqual({
            where,
            confirmedFirst: true,
          });
        }
        // An ETA notice only with the plan's ETA.
        for (const c of r.calls.filter((c) => c.fn === 'Notify' && c.payload.stage === 'ETA')) {
          expect({ where, eta: typeof c.payload.etaMinutes }).toEqual({ where, eta: 'number' });
        }
        // "Partially restored" only after the recovered cache was verified as clients see it.
        if (stages.includes('PARTIALLY_RESTORED')) {
          expect(r.entered.indexOf('Verify Cache')).toBeGreaterThanOrEqual(0);
          expect(r.entered.indexOf('Verify Cache')).toBeLessThan(r.entered.indexOf('Notify Partially Restored'));
        }
        // "Resolved" only once the data is verified, or when the cache came back by itself.
        if (stages.includes('RESOLVED')) {
          const before = r.entered.slice(0, r.entered.indexOf('Notify Resolved'));
          const recovered = before.at(-1) === 'Choose Recovery';
          expect({ where, verifiedOrRecovered: recovered || before.includes('Verify Data') }).toEqual({
            where,
            verifiedOrRecovered: true,
          });
        }
      }
    });
  });
});
