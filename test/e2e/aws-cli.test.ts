/**
 * The local stack speaks the real AWS wire protocols: the AWS CLI, pointed at
 * it with --endpoint-url, works as it does against AWS.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, type LocalStack } from '../../local/stack';
import { childProcesses } from './processes';

const run = promisify(execFile);

async function hasAwsCli(): Promise<boolean> {
  try {
    await run('aws', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('AWS CLI against the local stack', () => {
  let stack: LocalStack;
  let cli = false;
  let dir: string;

  beforeAll(async () => {
    cli = await hasAwsCli();
    if (!cli) {
      console.warn('skipping: the AWS CLI (`aws`) is not installed');
      return;
    }
    dir = await mkdtemp(path.join(os.tmpdir(), 'aws-cli-'));
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(childProcesses()).toEqual([]);
  });

  async function aws(service: keyof LocalStack['description']['endpoints'], args: string[]): Promise<unknown> {
    const { stdout } = await run(
      'aws',
      [...args, '--endpoint-url', stack.description.endpoints[service], '--output', 'json'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
        },
      },
    );
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  }

  it('lists the state machine, tables, topics and functions the stack created from serverless.yml', async () => {
    if (!cli) return;
    const machines = (await aws('stepfunctions', ['stepfunctions', 'list-state-machines'])) as {
      stateMachines: { stateMachineArn: string }[];
    };
    expect(machines.stateMachines.map((m) => m.stateMachineArn)).toContain(stack.description.stateMachineArn);
    const tables = (await aws('dynamodb', ['dynamodb', 'list-tables'])) as { TableNames: string[] };
    expect(tables.TableNames).toContain(stack.description.tables.incidents);
    const topics = (await aws('sns', ['sns', 'list-topics'])) as { Topics: { TopicArn: string }[] };
    expect(topics.Topics.map((t) => t.TopicArn)).toEqual(
      expect.arrayContaining([stack.description.topics.status, stack.description.topics.operators]),
    );
    const groups = (await aws('elasticache', ['elasticache', 'describe-replication-groups'])) as {
      ReplicationGroups: unknown[];
    };
    expect(groups.ReplicationGroups).toEqual([]);
  });

  it('invokes on-alarm through the Lambda Invoke API; a malformed alarm is a typed error that starts nothing', async () => {
    if (!cli) return;
    const out = path.join(dir, 'out.json');
    const result = (await aws('lambda', [
      'lambda',
      'invoke',
      '--function-name',
      'on-alarm',
      '--payload',
      '{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","detail":{}}',
      out,
    ])) as {
      StatusCode: number;
      FunctionError?: string;
    };
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBe('Unhandled');
    const error = JSON.parse(await readFile(out, 'utf8')) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('ValidationError');
    expect(error.errorMessage).toMatch(/detail\.alarmName/);
    const executions = (await aws('stepfunctions', [
      'stepfunctions',
      'list-executions',
      '--state-machine-arn',
      stack.description.stateMachineArn,
    ])) as {
      executions: unknown[];
    };
    expect(executions.executions).toEqual([]);
  });
});
