/**
 * Step Functions: starting the recovery execution (idempotent by name),
 * resuming the approval task with its token, and redriving a stopped execution.
 */
import {
  RedriveExecutionCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ApprovalAlreadyDecidedError, ConfigError, NotRedrivableError } from '../domain/errors';
import type { ExecutionInput } from '../domain/incident';
import type { ExecutionRedriver, TaskResumer, Workflow } from '../ports';
import { errorName, rethrowAws } from './aws-errors';

/** `arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<qualifier>]` → the ARN of its execution `executionName`. */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'stateMachine') {
    throw new ConfigError(`"${stateMachineArn}" is not a state machine ARN`);
  }
  const [, partition, , region, account, , name] = parts;
  return `arn:${partition}:states:${region}:${account}:execution:${name}:${executionName}`;
}

export interface SfnOptions {
  client?: SFNClient;
  region?: string;
}

const sfnClient = (options: SfnOptions): SFNClient =>
  options.client ?? new SFNClient(options.region ? { region: options.region } : {});

export class SfnWorkflow implements Workflow {
  private readonly client: SFNClient;

  constructor(
    private readonly stateMachineArn: string,
    options: SfnOptions = {},
  ) {
    this.client = sfnClient(options);
  }

  async start(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: out.executionArn ?? executionArnFor(this.stateMachineArn, name), alreadyStarted: false };
    } catch (err) {
      if (errorName(err) === 'ExecutionAlreadyExists') {
        return { executionArn: executionArnFor(this.stateMachineArn, name), alreadyStarted: true };
      }
      rethrowAws(err, 'Step Functions StartExecution');
    }
  }
}

const DECIDED = new Set(['TaskDoesNotExist', 'InvalidToken', 'TaskTimedOut']);

export class SfnTaskResumer implements TaskResumer {
  private readonly client: SFNClient;

  constructor(options: SfnOptions = {}) {
    this.client = sfnClient(options);
  }

  private async call(what: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (err) {
      // The message never includes the token.
      if (DECIDED.has(errorName(err))) {
        throw new ApprovalAlreadyDecidedError(
          `the waiting task is no longer open (${errorName(err)}): it was decided, timed out or the execution ended`,
          {
            cause: err,
          },
        );
      }
      rethrowAws(err, `Step Functions ${what}`);
    }
  }

  sendSuccess(taskToken: string, output: unknown): Promise<void> {
    return this.call('SendTaskSuccess', () =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? {}) })),
    );
  }

  sendFailure(taskToken: string, error: string, cause: string): Promise<void> {
    return this.call('SendTaskFailure', () =>
      this.client.send(
        new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32768) }),
      ),
    );
  }

  heartbeat(taskToken: string): Promise<void> {
    return this.call('SendTaskHeartbeat', () => this.client.send(new SendTaskHeartbeatCommand({ taskToken })));
  }
}

export class SfnExecutionRedriver implements ExecutionRedriver {
  private readonly client: SFNClient;

  constructor(options: SfnOptions = {}) {
    this.client = sfnClient(options);
  }

  async redrive(executionArn: string): Promise<void> {
    try {
      await this.client.send(new RedriveExecutionCommand({ executionArn }));
    } catch (err) {
      const name = errorName(err);
      if (name === 'ExecutionNotRedrivable' || name === 'ExecutionLimitExceeded') {
        throw new NotRedrivableError(`Step Functions refused the redrive: ${name}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      rethrowAws(err, 'Step Functions RedriveExecution');
    }
  }
}
