import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { startLambda, type InvokeOutcome } from '../../local/lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { startStepFunctions, type LocalStepFunctions } from '../../local/sfn';
import { runtimeDefinition, UNBOUNDED_TASK_TIMEOUT_SECONDS } from '../../local/sfn/runtime-definition';

const run = promisify(execFile);
const ROLE = 'arn:aws:iam::000000000000:role/local-sfn';
const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', 'sfn', name), 'utf8');

type Stub = (payload: unknown) => InvokeOutcome | Promise<InvokeOutcome>;
const failure = (errorType: string, errorMessage: string): InvokeOutcome => ({
  ok: false,
  error: { errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`] },
});

describe('local Step Functions endpoint', () => {
  const functions = new Map<string, Stub>();
  const invocations: Array<{ functionName: string; payload: unknown }> = [];
  const dynamodb = mockClient(DynamoDBClient);
  const sns = mockClient(SNSClient);
  let sfnLocal: LocalStepFunctions;
  let client: SFNClient;

  beforeAll(async () => {
    sfnLocal = await startStepFunctions({
      lambda: {
        async invoke(functionName, payload) {
          invocations.push({ functionName, payload });
          const stub = functions.get(functionName.replace(/^arn:.*:function:/, ''));
          if (!stub)
            throw Object.assign(new Error(`Function not found: ${functionName}`), {
              name: 'ResourceNotFoundException',
            });
          return stub(payload);
        },
      },
      clients: { dynamodb: new DynamoDBClient({ region: LOCAL_REGION }), sns: new SNSClient({ region: LOCAL_REGION }) },
      waitScale: 0.01,
    });
    client = new SFNClient({ endpoint: sfnLocal.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });

  afterAll(async () => {
    client.destroy();
    await sfnLocal.stop();
  });

  beforeEach(() => {
    functions.clear();
    invocations.length = 0;
    dynamodb.reset();
    sns.reset();
    functions.set('echo', (payload) => ({ ok: true, payload: { echoed: payload } }));
  });

  let machineCount = 0;
  async function createMachine(definition: object | string, type?: 'STANDARD' | 'EXPRESS'): Promise<string> {
    machineCount += 1;
    const body = typeof definition === 'string' ? definition : JSON.stringify(definition);
    const out = await client.send(
      new CreateStateMachineCommand({ name: `machine-${machineCount}`, definition: body, roleArn: ROLE, type }),
    );
    return out.stateMachineArn ?? '';
  }

  async function execute(stateMachineArn: string, input: object, name?: string): Promise<string> {
    const out = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }));
    return out.executionArn ?? '';
  }

  async function history(executionArn: string): Promise<HistoryEvent[]> {
    return (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
  }

  async function capturedToken(functionName: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const call = invocations.find((c) => c.functionName === functionName);
      const token = (call?.payload as { taskToken?: string } | undefined)?.taskToken;
      if (token) return token;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${functionName} was never invoked with a task token`);
  }

  it('runs a definition and records AWS-shaped history', async () => {
    const arn = await createMachine(fixture('happy-path.asl.json'));
    const executionArn = await execute(arn, { cacheId: 'cache-a' }, 'happy-1');
    expect(executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:${arn.split(':').pop() ?? ''}:happy-1`);
    const done = await sfnLocal.waitForExecution(executionArn, 5000);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({
      cacheId: 'cache-a',
      attempt: 1,
      result: {
        probe: { echoed: { cacheId: 'cache-a', executionId: executionArn, machine: arn.split(':').pop() } },
        status: 200,
      },
    });

    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      name: 'happy-1',
      stateMachineArn: arn,
      input: '{"cacheId":"cache-a"}',
    });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Infinity);

    const events = await history(executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[1]?.previousEventId).toBe(1);
    expect(events[3]?.stateEnteredEventDetails).toEqual({
      name: 'Probe',
      input: '{"cacheId":"cache-a","attempt":1}',
      inputDetails: { truncated: false },
    });
    expect(events[4]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
    });
    expect(JSON.parse(events[4]?.taskScheduledEventDetails?.parameters ?? '')).toMatchObject({
      FunctionName: 'echo',
      Payload: { cacheId: 'cache-a' },
    });
    expect(JSON.parse(events[6]?.taskSucceededEventDetails?.output ?? '')).toMatchObject({
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
      Payload: { echoed: {} },
    });
    expect(events[0]?.timestamp).toBeInstanceOf(Date);

    const reversed = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    expect(reversed.events?.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
    expect(reversed.nextToken).toBeDefined();
  });

  it('retries a custom Lambda error name, then succeeds', async () => {
    let calls = 0;
    functions.set('flaky', () =>
      ++calls < 3 ? failure('CacheUnavailableError', 'primary is down') : { ok: true, payload: 'recovered' },
    );
    const arn = await createMachine({
      StartAt: 'Restore',
      States: {
        Restore: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'flaky', Payload: {} },
          OutputPath: '$.Payload',
          Retry: [{ ErrorEquals: ['CacheUnavailableError'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3 }],
          End: true,
        },
      },
    });
    const done = await sfnLocal.waitForExecution(await execute(arn, {}), 5000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '"recovered"' });
    const events = await history(done.executionArn);
    const failed = events.filter((e) => e.type === 'TaskFailed');
    expect(failed).toHaveLength(2);
    expect(failed[0]?.taskFailedEventDetails).toMatchObject({ error: 'CacheUnavailableError' });
    expect(JSON.parse(failed[0]?.taskFailedEventDetails?.cause ?? '')).toEqual({
      errorMessage: 'primary is down',
      errorType: 'CacheUnavailableError',
      trace: ['CacheUnavailableError: primary is down'],
    });
    expect(events.filter((e) => e.type === 'TaskScheduled')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'TaskStateEntered')).toHaveLength(1);
  });

  it('catches a Lambda error into ResultPath', async () => {
    functions.set('broken', () => failure('CacheUnavailableError', 'no replica'));
    const arn = await createMachine({
      StartAt: 'Promote',
      States: {
        Promote: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'broken', 'Payload.$': '$' },
          Catch: [{ ErrorEquals: ['CacheUnavailableError'], ResultPath: '$.error', Next: 'Escalate' }],
          End: true,
        },
        Escalate: { Type: 'Pass', End: true },
      },
    });
    const done = await sfnLocal.waitForExecution(await execute(arn, { cacheId: 'c' }), 5000);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '') as { cacheId: string; error: { Error: string; Cause: string } };
    expect(output.cacheId).toBe('c');
    expect(output.error.Error).toBe('CacheUnavailableError');
    expect(JSON.parse(output.error.Cause)).toMatchObject({
      errorMessage: 'no replica',
      errorType: 'CacheUnavailableError',
    });
  });

  it('fails the execution with Lambda.ResourceNotFoundException for an unknown function', async () => {
    const arn = await createMachine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'ghost' },
          End: true,
        },
      },
    });
    const done = await sfnLocal.waitForExecution(await execute(arn, {}), 5000);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
    expect(done.cause).toContain('Function not found');
  });

  it('maps DynamoDB calls and catches DynamoDB.ConditionalCheckFailedException', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'lock' } }, $metadata: { httpStatusCode: 200 } });
    dynamodb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const arn = await createMachine({
      StartAt: 'ReadLock',
      States: {
        ReadLock: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 'incidents', Key: { pk: { 'S.$': '$.id' } } },
          ResultPath: '$.lock',
          Next: 'TakeLock',
        },
        TakeLock: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Parameters: {
            TableName: 'incidents',
            Item: { pk: { 'S.$': '$.id' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
          Catch: [
            {
              ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
              ResultPath: '$.conflict',
              Next: 'AlreadyRunning',
            },
          ],
          End: true,
        },
        AlreadyRunning: { Type: 'Succeed' },
      },
    });
    const done = await sfnLocal.waitForExecution(await execute(arn, { id: 'inc-1' }), 5000);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({
      id: 'inc-1',
      lock: { Item: { pk: { S: 'lock' } } },
      conflict: { Error: 'DynamoDB.ConditionalCheckFailedException', Cause: 'The conditional request failed' },
    });
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'incidents',
      Item: { pk: { S: 'inc-1' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('publishes to SNS, serializing an object Message', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1', $metadata: {} });
    const arn = await createMachine({
      StartAt: 'Notify',
      States: {
        Notify: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          Parameters: {
            TopicArn: 'arn:aws:sns:us-east-1:000000000000:status',
            Subject: 'Cache outage',
            Message: { 'state.$': '$.state' },
          },
          End: true,
        },
      },
    });
    const done = await sfnLocal.waitForExecution(await execute(arn, { state: 'DEGRADED' }), 5000);
    expect(JSON.parse(done.output ?? '')).toMatchObject({
      MessageId: 'msg-1',
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:status',
      Subject: 'Cache outage',
      Message: '{"state":"DEGRADED"}',
    });
  });

  describe('callback tasks', () => {
    let callbackArn: string;
    beforeAll(async () => {
      callbackArn = await createMachine(fixture('callback.asl.json'));
    });
    beforeEach(() => functions.set('approver', () => ({ ok: true, payload: 'notified' })));

    it('completes with SendTaskSuccess; a used token is then invalid', async () => {
      const executionArn = await execute(callbackArn, {
        incident: 'inc-1',
        approvalTimeoutSeconds: 30,
        heartbeatSeconds: 30,
      });
      const token = await capturedToken('approver');
      expect(token).toMatch(/^[A-Za-z0-9_-]{100,}$/);
      expect(sfnLocal.pendingTaskTokens()).toBe(1);
      await expect(
        client.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })),
      ).rejects.toMatchObject({ name: 'InvalidOutput' });
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
      const done = await sfnLocal.waitForExecution(executionArn, 5000);
      expect(JSON.parse(done.output ?? '')).toMatchObject({ approval: { approved: true } });
      expect(sfnLocal.pendingTaskTokens()).toBe(0);
      const types = (await history(executionArn)).map((e) => e.type);
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
        name: 'InvalidToken',
      });
      await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: 'made-up' }))).rejects.toMatchObject({
        name: 'InvalidToken',
      });
    });

    it('fails with SendTaskFailure error and cause, matched by Catch', async () => {
      const executionArn = await execute(callbackArn, {
        incident: 'inc-2',
        approvalTimeoutSeconds: 30,
        heartbeatSeconds: 30,
      });
      const token = await capturedToken('approver');
      await client.send(
        new SendTaskFailureCommand({ taskToken: token, error: 'Approval.Rejected', cause: 'on-call said no' }),
      );
      const done = await sfnLocal.waitForExecution(executionArn, 5000);
      expect(JSON.parse(done.output ?? '')).toMatchObject({
        rejection: { Error: 'Approval.Rejected', Cause: 'on-call said no' },
      });
      const failed = (await history(executionArn)).find((e) => e.type === 'TaskFailed');
      expect(failed?.taskFailedEventDetails).toMatchObject({ error: 'Approval.Rejected', cause: 'on-call said no' });
    });

    it('times out per TimeoutSecondsPath read from the state input; States.TaskFailed does not catch States.Timeout', async () => {
      const executionArn = await execute(callbackArn, {
        incident: 'inc-3',
        approvalTimeoutSeconds: 1,
        heartbeatSeconds: 30,
      });
      const token = await capturedToken('approver');
      const done = await sfnLocal.waitForExecution(executionArn, 5000);
      expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      const events = await history(executionArn);
      expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
        error: 'States.Timeout',
      });
      expect(events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({
        timeoutInSeconds: 1,
        heartbeatInSeconds: 30,
      });
      await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
        name: 'TaskTimedOut',
      });
    });

    it('fails with States.HeartbeatTimeout when heartbeats stop, and heartbeats extend the deadline', async () => {
      const started = Date.now();
      const executionArn = await execute(callbackArn, {
        incident: 'inc-4',
        approvalTimeoutSeconds: 30,
        heartbeatSeconds: 1,
      });
      const token = await capturedToken('approver');
      await new Promise((resolve) => setTimeout(resolve, 600));
      await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      const done = await sfnLocal.waitForExecution(executionArn, 5000);
      expect(Date.now() - started).toBeGreaterThan(1500);
      expect(JSON.parse(done.output ?? '')).toMatchObject({ failure: { Error: 'States.HeartbeatTimeout' } });
      expect(
        (await history(executionArn)).find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails,
      ).toMatchObject({ error: 'States.HeartbeatTimeout' });
      await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
        name: 'TaskTimedOut',
      });
    });

    it('applies AWS name idempotency to StartExecution', async () => {
      const input = JSON.stringify({ incident: 'inc-5', approvalTimeoutSeconds: 30, heartbeatSeconds: 30 });
      const first = await client.send(
        new StartExecutionCommand({ stateMachineArn: callbackArn, name: 'inc-5', input }),
      );
      const again = await client.send(
        new StartExecutionCommand({ stateMachineArn: callbackArn, name: 'inc-5', input }),
      );
      expect(again.executionArn).toBe(first.executionArn);
      expect(again.startDate).toEqual(first.startDate);
      await expect(
        client.send(new StartExecutionCommand({ stateMachineArn: callbackArn, name: 'inc-5', input: '{"other":1}' })),
      ).rejects.toMatchObject({
        name: 'ExecutionAlreadyExists',
        $metadata: { httpStatusCode: 400 },
      });
      await client.send(
        new StopExecutionCommand({ executionArn: first.executionArn, error: 'Drill.Cancelled', cause: 'test over' }),
      );
      await expect(
        client.send(new StartExecutionCommand({ stateMachineArn: callbackArn, name: 'inc-5', input })),
      ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      await expect(
        client.send(new StartExecutionCommand({ stateMachineArn: callbackArn, name: 'bad name!', input })),
      ).rejects.toMatchObject({ name: 'InvalidName' });
      await expect(
        client.send(new StartExecutionCommand({ stateMachineArn: callbackArn, input: '{oops' })),
      ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    });

    it('stops an execution: ABORTED with error and cause, token closed', async () => {
      const executionArn = await execute(callbackArn, {
        incident: 'inc-6',
        approvalTimeoutSeconds: 30,
        heartbeatSeconds: 30,
      });
      const token = await capturedToken('approver');
      const stop = await client.send(
        new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'manual' }),
      );
      expect(stop.stopDate).toBeInstanceOf(Date);
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'manual' });
      const events = await history(executionArn);
      expect(events.at(-1)).toMatchObject({
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'Operator.Stop', cause: 'manual' },
      });
      expect(sfnLocal.pendingTaskTokens()).toBe(0);
      await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
        name: 'TaskTimedOut',
      });
    });
  });

  it('runs tasks nested in Parallel branches and Map item processors, and function ARN resources', async () => {
    const arn = await createMachine({
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Direct',
              States: {
                Direct: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:echo', End: true },
              },
            },
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemsPath: '$.caches',
                  ItemProcessor: {
                    StartAt: 'Rehydrate',
                    States: {
                      Rehydrate: {
                        Type: 'Task',
                        Resource: 'arn:aws:states:::lambda:invoke',
                        Parameters: { FunctionName: 'echo', 'Payload.$': '$' },
                        OutputPath: '$.Payload',
                        End: true,
                      },
                    },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    });
    const done = await sfnLocal.waitForExecution(await execute(arn, { caches: ['a', 'b'] }), 5000);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual([
      { echoed: { caches: ['a', 'b'] } },
      [{ echoed: 'a' }, { echoed: 'b' }],
    ]);
    const types = (await history(done.executionArn)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'ParallelStateEntered',
        'MapStateEntered',
        'MapIterationStarted',
        'MapIterationSucceeded',
        'LambdaFunctionScheduled',
        'LambdaFunctionSucceeded',
      ]),
    );
    expect(types.filter((t) => t === 'TaskSucceeded')).toHaveLength(2);
  });

  it('scales Wait durations read at run time, keeping Wait history events', async () => {
    const arn = await createMachine({
      StartAt: 'Backoff',
      States: {
        Backoff: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Until' },
        Until: { Type: 'Wait', Timestamp: '2000-01-01T00:00:00Z', End: true },
      },
    });
    const started = Date.now();
    const done = await sfnLocal.waitForExecution(await execute(arn, { seconds: 30 }), 5000);
    const elapsed = Date.now() - started;
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"seconds":30}' });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    const types = (await history(done.executionArn)).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('reports a Fail state error and cause, and redrives from the failed state with its recorded input', async () => {
    let healthy = false;
    functions.set('cutover', (payload) =>
      healthy ? { ok: true, payload: { cutover: payload } } : failure('CutoverError', 'dns not updated'),
    );
    const arn = await createMachine({
      StartAt: 'Plan',
      States: {
        Plan: { Type: 'Pass', Result: { target: 'replica-2' }, Next: 'Cutover' },
        Cutover: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'cutover', 'Payload.$': '$' },
          OutputPath: '$.Payload',
          Catch: [{ ErrorEquals: ['NeverThrown'], Next: 'GiveUp' }],
          End: true,
        },
        GiveUp: { Type: 'Fail', Error: 'Cutover.Failed', Cause: 'gave up' },
      },
    });
    const executionArn = await execute(arn, { incident: 'inc-7' });
    const failed = await sfnLocal.waitForExecution(executionArn, 5000);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'CutoverError' });
    healthy = true;
    const redrive = await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(redrive.redriveDate).toBeInstanceOf(Date);
    const done = await sfnLocal.waitForExecution(executionArn, 5000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(JSON.parse(done.output ?? '')).toEqual({ cutover: { target: 'replica-2' } });
    const types = (await history(executionArn)).map((e) => e.type);
    expect(types.slice(-7)).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    await expect(client.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });

    const failArn = await createMachine({
      StartAt: 'Stop',
      States: { Stop: { Type: 'Fail', Error: 'Drill.Failed', Cause: 'by design' } },
    });
    await expect(sfnLocal.waitForExecution(await execute(failArn, {}), 5000)).resolves.toMatchObject({
      status: 'FAILED',
      error: 'Drill.Failed',
      cause: 'by design',
    });
  });

  describe('CreateStateMachine', () => {
    const unsupported = (resource: string): object => ({
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemProcessor: { StartAt: 'Deep', States: { Deep: { Type: 'Task', Resource: resource, End: true } } },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    });

    it('rejects a Resource it cannot run, at any depth, naming the state', async () => {
      await expect(createMachine(unsupported('arn:aws:states:::ecs:runTask.sync'))).rejects.toMatchObject({
        name: 'InvalidDefinition',
        message: expect.stringContaining("State 'Deep' uses Resource 'arn:aws:states:::ecs:runTask.sync'"),
      });
    });

    it('rejects invalid definitions and callback tasks in EXPRESS machines', async () => {
      await expect(
        createMachine({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }),
      ).rejects.toMatchObject({ name: 'InvalidDefinition' });
      await expect(createMachine('{not json')).rejects.toMatchObject({ name: 'InvalidDefinition' });
      await expect(createMachine(fixture('callback.asl.json'), 'EXPRESS')).rejects.toMatchObject({
        name: 'InvalidDefinition',
      });
    });

    it('is idempotent for an identical request and refuses a different definition under the same name', async () => {
      const definition = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
      const first = await client.send(new CreateStateMachineCommand({ name: 'same', definition, roleArn: ROLE }));
      const second = await client.send(new CreateStateMachineCommand({ name: 'same', definition, roleArn: ROLE }));
      expect(second.stateMachineArn).toBe(first.stateMachineArn);
      expect(second.creationDate).toEqual(first.creationDate);
      const other = JSON.stringify({ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } });
      await expect(
        client.send(new CreateStateMachineCommand({ name: 'same', definition: other, roleArn: ROLE })),
      ).rejects.toMatchObject({ name: 'StateMachineAlreadyExists' });
    });
  });

  it('lists executions newest first with a status filter, also through the AWS CLI', async () => {
    const arn = await createMachine({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    const first = await execute(arn, {}, 'first');
    await sfnLocal.waitForExecution(first, 5000);
    const second = await execute(arn, {}, 'second');
    await sfnLocal.waitForExecution(second, 5000);
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'SUCCEEDED' }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['second', 'first']);
    expect(listed.executions?.[0]?.startDate).toBeInstanceOf(Date);
    expect(
      (await client.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }))).executions,
    ).toEqual([]);

    if (
      !(await run('aws', ['--version']).then(
        () => true,
        () => false,
      ))
    ) {
      console.warn('aws CLI not installed: skipping the CLI list-executions check');
      return;
    }
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'us-east-1',
    };
    const { stdout } = await run(
      'aws',
      [
        'stepfunctions',
        'list-executions',
        '--state-machine-arn',
        arn,
        '--endpoint-url',
        sfnLocal.endpoint,
        '--output',
        'json',
      ],
      { env },
    );
    const cli = JSON.parse(stdout) as { executions: Array<{ name: string; status: string; executionArn: string }> };
    expect(cli.executions.map((e) => [e.name, e.status])).toEqual([
      ['second', 'SUCCEEDED'],
      ['first', 'SUCCEEDED'],
    ]);
  });
});

describe('with the local Lambda runtime', () => {
  it('catches the custom error name thrown by a real handler module', async () => {
    const lambda = await startLambda({
      functions: [{ name: 'restore', entry: join(__dirname, 'fixtures', 'lambda', 'throws.ts'), environment: {} }],
    });
    const sfnLocal = await startStepFunctions({
      lambda,
      clients: { dynamodb: new DynamoDBClient({ region: LOCAL_REGION }), sns: new SNSClient({ region: LOCAL_REGION }) },
    });
    const client = new SFNClient({ endpoint: sfnLocal.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      const definition = {
        StartAt: 'Restore',
        States: {
          Restore: {
            Type: 'Task',
            Resource: lambda.arnOf('restore'),
            Catch: [{ ErrorEquals: ['CacheUnavailableError'], ResultPath: '$.error', Next: 'Degraded' }],
            End: true,
          },
          Degraded: { Type: 'Pass', End: true },
        },
      };
      const { stateMachineArn } = await client.send(
        new CreateStateMachineCommand({ name: 'real-lambda', definition: JSON.stringify(definition), roleArn: ROLE }),
      );
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn, input: '{"cacheId":"c-9"}' }),
      );
      const done = await sfnLocal.waitForExecution(executionArn ?? '', 10_000);
      const output = JSON.parse(done.output ?? '') as { error: { Error: string; Cause: string } };
      expect(output.error.Error).toBe('CacheUnavailableError');
      expect(JSON.parse(output.error.Cause)).toMatchObject({
        errorType: 'CacheUnavailableError',
        errorMessage: 'cache c-9 is unavailable',
      });
    } finally {
      client.destroy();
      await sfnLocal.stop();
      await lambda.stop();
    }
  });
});

describe('task timeouts handed to aws-local-stepfunctions', () => {
  afterEach(() => jest.useRealTimers());

  const approval = {
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'approver' },
        End: true,
      },
    },
  };

  function runWithFakeClock(definition: object): {
    result: Promise<unknown>;
    settled: () => boolean;
    approve: (value: unknown) => void;
  } {
    let approve: (value: { approved: boolean }) => void = () => undefined;
    const pending = new Promise<{ approved: boolean }>((resolve) => (approve = resolve));
    const machine = new StateMachine(definition as StateMachineDefinition, { validationOptions: { noValidate: true } });
    const execution = machine.run({}, { overrides: { taskResourceLocalHandlers: { Approve: () => pending } } });
    let settled = false;
    execution.result.then(
      () => (settled = true),
      () => (settled = true),
    );
    return {
      result: execution.result,
      settled: () => settled,
      approve: (value) => approve(value as { approved: boolean }),
    };
  }

  it('would cut a task off after the interpreter default of 60 s', async () => {
    jest.useFakeTimers();
    const run60 = runWithFakeClock(approval);
    await jest.advanceTimersByTimeAsync(61_000);
    expect(run60.settled()).toBe(true);
    await expect(run60.result).rejects.toThrow('States.Timeout');
  });

  it('lets a task without TimeoutSeconds wait longer than 60 s once the definition is rewritten', async () => {
    jest.useFakeTimers();
    const definition = runtimeDefinition(approval, { waitScale: 1 });
    expect(definition).toMatchObject({ States: { Approve: { TimeoutSeconds: UNBOUNDED_TASK_TIMEOUT_SECONDS } } });
    const long = runWithFakeClock(definition);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(long.settled()).toBe(false);
    long.approve({ approved: true });
    await jest.advanceTimersByTimeAsync(0);
    await expect(long.result).resolves.toEqual({ approved: true });
  });
});
