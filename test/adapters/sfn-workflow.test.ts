import 'aws-sdk-client-mock-jest';
import {
  ExecutionAlreadyExists,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnFor, SfnTaskResumer, SfnWorkflow } from '../../functions/adapters/sfn-workflow';
import { ApprovalAlreadyDecidedError, ConfigError, TransientDependencyError } from '../../functions/domain/errors';
import type { ExecutionInput } from '../../functions/domain/incident';
import { sdkError, serverError, throttled } from './aws-errors';

const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:incident-recovery';
const input: ExecutionInput = {
  incidentId: 'sessions-20250301T115900Z',
  cacheId: 'sessions',
  openedAt: '2025-03-01T11:59:00.000Z',
  trigger: {
    alarmName: 'sessions-down',
    source: 'eventbridge',
    reason: 'down',
    stateChangeTime: '2025-03-01T11:59:00.000Z',
  },
  settings: {
    pollIntervalSeconds: 30,
    maxPolls: 40,
    approvalTimeoutSeconds: 1800,
    approvalHeartbeatSeconds: 600,
    approvalDefault: 'abort',
  },
};

afterEach(() => sfn.reset());

describe('SfnWorkflow', () => {
  it('starts an execution named after the incident with the input as JSON', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${SM.replace('stateMachine', 'execution')}:exec-1`, startDate: new Date() });

    // Act
    const result = await new SfnWorkflow(SM, { client: sfn as unknown as SFNClient }).start('exec-1', input);

    // Assess
    expect(result).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:incident-recovery:exec-1',
      alreadyStarted: false,
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: SM,
      name: 'exec-1',
      input: JSON.stringify(input),
    });
  });

  it('reports an execution of the same name as already started, with its ARN', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await new SfnWorkflow(SM, { client: sfn as unknown as SFNClient }).start('exec-1', input);

    // Assess
    expect(result).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:incident-recovery:exec-1',
      alreadyStarted: true,
    });
  });

  it('reports throttling as transient', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(throttled());

    // Act
    const attempt = new SfnWorkflow(SM, { client: sfn as unknown as SFNClient }).start('exec-1', input);

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });

  it('derives execution ARNs in other partitions and refuses what is not a state machine ARN', () => {
    // Act / Assess
    expect(executionArnFor('arn:aws-cn:states:cn-north-1:1:stateMachine:sm', 'n')).toBe(
      'arn:aws-cn:states:cn-north-1:1:execution:sm:n',
    );
    expect(() => executionArnFor('arn:aws:lambda:eu-west-1:1:function:f', 'n')).toThrow(ConfigError);
  });
});

describe('SfnTaskResumer', () => {
  const resumer = () => new SfnTaskResumer({ client: sfn as unknown as SFNClient });

  it('resumes the task with the output as JSON', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({});
    const decision = { approved: true, decidedBy: 'ana', decidedAt: '2025-03-01T12:00:00Z', reason: 'ok' };

    // Act
    await resumer().sendSuccess('TOKEN', decision);

    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'TOKEN',
      output: JSON.stringify(decision),
    });
  });

  it('fails the task with an error name the state machine catches', async () => {
    // Prepare
    sfn.on(SendTaskFailureCommand).resolves({});

    // Act
    await resumer().sendFailure('TOKEN', 'ApprovalRejectedError', 'rejected by ana: too risky');

    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'TOKEN',
      error: 'ApprovalRejectedError',
      cause: 'rejected by ana: too risky',
    });
  });

  it('sends heartbeats', async () => {
    // Prepare
    sfn.on(SendTaskHeartbeatCommand).resolves({});

    // Act
    await resumer().heartbeat('TOKEN');

    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskHeartbeatCommand, { taskToken: 'TOKEN' });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['TaskDoesNotExist', sdkError('TaskDoesNotExist')],
    ['InvalidToken', sdkError('InvalidToken')],
  ])('reports %s as an approval that is already decided, without the token', async (_name, err) => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).rejects(err);

    // Act
    const attempt = resumer().sendSuccess('SECRET-TOKEN', {});

    // Assess
    await expect(attempt).rejects.toThrow(ApprovalAlreadyDecidedError);
    await expect(attempt).rejects.not.toThrow(/SECRET-TOKEN/);
  });

  it('reports a 5xx as transient', async () => {
    // Prepare
    sfn.on(SendTaskHeartbeatCommand).rejects(serverError());

    // Act
    const attempt = resumer().heartbeat('TOKEN');

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });
});
