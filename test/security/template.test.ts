/**
 * The checks cfn_nag and checkov would make on the packaged CloudFormation
 * template, re-implemented over `.serverless/cloudformation-template-update-stack.json`
 * (packaged here when missing or older than its inputs).
 */
import { readFileSync } from 'node:fs';
import { ensurePackaged } from '../package/packaging';
import { figure, type Doc } from '../reliability/harness';

type Json = Doc;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
}

/** Actions AWS authorizes only on Resource "*", each with the reason. */
const STAR_ONLY: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions',
  'logs:CreateLogDelivery': 'vended log deliveries (Step Functions logging) support only "*"',
  'logs:GetLogDelivery': 'vended log deliveries support only "*"',
  'logs:UpdateLogDelivery': 'vended log deliveries support only "*"',
  'logs:DeleteLogDelivery': 'vended log deliveries support only "*"',
  'logs:ListLogDeliveries': 'vended log deliveries support only "*"',
  'logs:PutResourcePolicy': 'CloudWatch Logs resource policies are account-level',
  'logs:DescribeResourcePolicies': 'CloudWatch Logs resource policies are account-level',
  'logs:DescribeLogGroups': 'listing log groups supports only "*"',
  'elasticache:DescribeEvents': 'ElastiCache DescribeEvents has no resource-level permissions',
  's3:ListAllMyBuckets': 'ListAllMyBuckets has no resource type (CopySnapshot to S3 requires it of the caller)',
  'states:SendTaskSuccess':
    'Step Functions task-token callbacks have no resource type (Service Authorization Reference)',
  'states:SendTaskFailure':
    'Step Functions task-token callbacks have no resource type (Service Authorization Reference)',
  'states:SendTaskHeartbeat':
    'Step Functions task-token callbacks have no resource type (Service Authorization Reference)',
};

let resources: Record<string, Resource>;
let template: { Resources: Record<string, Resource>; Conditions: Record<string, Json> };
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const roleIdOf = (fn: Resource): string => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const statementsOf = (role: Resource): Statement[] =>
  asArray(role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
const functions = () => ofType('AWS::Lambda::Function');
const fnName = (id: string) => id.replace(/LambdaFunction$/, '');
const allows = (role: Resource, action: string) =>
  statementsOf(role).some(
    (s) =>
      s.Effect === 'Allow' &&
      asArray(s.Action).some((a) => a === action || a === '*' || a === `${action.split(':')[0]}:*`),
  );

beforeAll(async () => {
  template = JSON.parse(readFileSync(await ensurePackaged(), 'utf8')) as typeof template;
  resources = template.Resources;
}, 180_000);

afterAll(() => {
  if (resources) figure('security.template_functions_checked', functions().length);
});

describe('IAM', () => {
  it('gives every function its own role, used by no other function', () => {
    const roles = functions().map(([, f]) => roleIdOf(f));
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) expect(resources[role]?.Type).toBe('AWS::IAM::Role');
  });

  it('allows no "*" or "service:*" action in any role', () => {
    const wildcards = ofType('AWS::IAM::Role').flatMap(([id, role]) =>
      statementsOf(role)
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) =>
          asArray(s.Action)
            .filter((a) => a === '*' || a.endsWith(':*'))
            .map((a) => `${id}: ${a}`),
        ),
    );
    expect(wildcards).toEqual([]);
  });

  it('allows Resource "*" only for actions AWS authorizes only on "*"', () => {
    const offending = ofType('AWS::IAM::Role').flatMap(([id, role]) =>
      statementsOf(role)
        .filter((s) => s.Effect === 'Allow' && asArray(s.Resource as unknown).some((r) => r === '*'))
        .flatMap((s) =>
          asArray(s.Action)
            .filter((a) => !(a in STAR_ONLY))
            .map((a) => `${id}: ${a} on *`),
        ),
    );
    expect(offending).toEqual([]);
  });

  it('scopes iam:PassRole to named roles, when granted at all', () => {
    const passRole = ofType('AWS::IAM::Role').flatMap(([id, role]) =>
      statementsOf(role)
        .filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes('iam:PassRole'))
        .map((s) => ({ id, resources: asArray(s.Resource as unknown) })),
    );
    for (const p of passRole)
      expect(p.resources.every((r) => typeof r !== 'string' || (!r.includes('*') && r.includes(':role/')))).toBe(true);
  });

  it('lets only the console (the approval endpoint) resume or fail a waiting task', () => {
    const resumers = functions()
      .filter(([, f]) =>
        ['states:SendTaskSuccess', 'states:SendTaskFailure'].some((a) => allows(resources[roleIdOf(f)]!, a)),
      )
      .map(([id]) => fnName(id));
    figure('security.task_resumers', resumers.join(',') || 'none');
    expect(resumers.every((n) => n === 'Console')).toBe(true);
    if (resources.ConsoleLambdaFunction) expect(resumers).toEqual(['Console']);
    const sm = statementsOf(resources.StateMachineRole!);
    expect(sm.some((s) => asArray(s.Action).some((a) => a.startsWith('states:SendTask')))).toBe(false);
  });
});

describe('data at rest and in transit', () => {
  it('encrypts every SNS topic with the customer-managed key, whose policy lets CloudWatch alarms publish', () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThan(0);
    for (const [, t] of topics) {
      const keyRef = (t.Properties.KmsMasterKeyId as { Ref?: string } | undefined)?.Ref;
      expect(keyRef).toBeDefined();
      const key = resources[keyRef ?? '']!;
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const statements = key.Properties.KeyPolicy.Statement as Statement[];
      for (const service of ['cloudwatch.amazonaws.com']) {
        const grant = statements.find(
          (s) =>
            s.Effect === 'Allow' &&
            asArray((s.Principal as { Service?: string | string[] } | undefined)?.Service).includes(service),
        );
        expect(asArray(grant?.Action)).toEqual(
          expect.arrayContaining(['kms:Decrypt', expect.stringMatching(/^kms:GenerateDataKey/)]),
        );
      }
    }
  });

  it("grants the topics' key to no AWS service that publishes to none of them", () => {
    // A service principal in a key policy is only needed where that service
    // itself publishes to an encrypted topic: CloudWatch through an alarm
    // action, EventBridge through a rule target.
    const encryptedTopics = new Set(
      ofType('AWS::SNS::Topic')
        .filter(([, t]) => t.Properties.KmsMasterKeyId)
        .map(([id]) => id),
    );
    const refersToEncryptedTopic = (v: unknown) =>
      [...encryptedTopics].some((id) => JSON.stringify(v ?? null).includes(`{"Ref":"${id}"}`));
    const publishers = new Set<string>();
    if (
      ofType('AWS::CloudWatch::Alarm').some(([, a]) =>
        refersToEncryptedTopic([a.Properties.AlarmActions, a.Properties.OKActions]),
      )
    )
      publishers.add('cloudwatch.amazonaws.com');
    if (
      ofType('AWS::Events::Rule').some(([, r]) =>
        asArray(r.Properties.Targets as Json[]).some((t) => refersToEncryptedTopic(t.Arn)),
      )
    )
      publishers.add('events.amazonaws.com');
    for (const [id, key] of ofType('AWS::KMS::Key')) {
      const services = (key.Properties.KeyPolicy.Statement as Statement[]).flatMap((st) =>
        asArray((st.Principal as { Service?: string | string[] } | undefined)?.Service),
      );
      expect({ id, unused: services.filter((sv) => !publishers.has(sv)) }).toEqual({ id, unused: [] });
    }
  });

  it("blocks all public access to the framework's deployment bucket, versions and encrypts it", () => {
    const bucket = resources.ServerlessDeploymentBucket!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('encrypts DynamoDB tables and keeps point-in-time recovery', () => {
    for (const [, t] of ofType('AWS::DynamoDB::Table')) {
      expect(t.Properties.SSESpecification?.SSEEnabled).toBe(true);
      expect(t.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled).toBe(true);
    }
  });

  // "Tutorial: Seeding a new node-based cluster with an externally created backup", step 4:
  // default Regions need an object ACL grant (so ACLs enabled), opt-in Regions a bucket policy
  // for <region>.elasticache-snapshot.amazonaws.com with s3:GetObject, s3:ListBucket, s3:GetBucketAcl.
  it('keeps the backup bucket private, versioned, in SSE-S3, with ACLs enabled, and lets ElastiCache only read it', () => {
    const bucket = resources.BackupBucket!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(
      bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({ SSEAlgorithm: 'AES256' });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket?.Ref === 'BackupBucket')?.[1];
    const statements = policy?.Properties.PolicyDocument.Statement as Json[];
    expect(JSON.stringify(statements)).not.toContain('"elasticache.amazonaws.com"');
    const optIn = statements.find((s) => s['Fn::If'])?.['Fn::If'] as [string, Statement, Json];
    expect(optIn[0]).toBe('IsOptInRegion');
    expect(optIn[1].Principal).toEqual({ Service: { 'Fn::Sub': '${AWS::Region}.elasticache-snapshot.amazonaws.com' } });
    expect(asArray(optIn[1].Action).sort()).toEqual(['s3:GetBucketAcl', 's3:GetObject', 's3:ListBucket']);
    expect(optIn[2]).toEqual({ Ref: 'AWS::NoValue' });
  });

  it('names only the opt-in regions (AWS General Reference, "Managing AWS Regions") in IsOptInRegion', () => {
    const regions = JSON.stringify(template.Conditions.IsOptInRegion)
      .match(/"[a-z]{2}(-gov)?-[a-z]+-\d"/g)
      ?.map((r) => JSON.parse(r) as string);
    expect(regions).toEqual(
      expect.arrayContaining(['ap-east-1', 'me-south-1', 'af-south-1', 'eu-south-1', 'il-central-1']),
    );
    expect(regions).not.toEqual(expect.arrayContaining(['us-east-1']));
    expect(regions).not.toContain('eu-west-1');
  });

  // ElastiCache "API permissions: actions, resources and conditions reference": CreateReplicationGroup
  // with SnapshotArns needs s3:GetObject on each object for the caller.
  it('lets the provision role read and grant ElastiCache read on every configured backup object, and nothing else in S3', () => {
    const role = resources[roleIdOf(resources.ProvisionLambdaFunction!)]!;
    const s3 = statementsOf(role).filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:')));
    const read = s3.find((s) => asArray(s.Action).includes('s3:GetObject'));
    expect(asArray(read?.Resource)).toEqual(
      expect.arrayContaining([
        { 'Fn::Sub': '${BackupBucket.Arn}/*' },
        { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::example-cache-backups/*' },
      ]),
    );
    // Objects only: s3:GetObject on a bucket ARN would grant nothing.
    expect(asArray(read?.Resource)).toEqual([
      { 'Fn::Sub': '${BackupBucket.Arn}/*' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::example-cache-backups/*' },
    ]);
    const acl = s3.find((s) => asArray(s.Action).includes('s3:PutObjectAcl'));
    expect(asArray(acl?.Action).sort()).toEqual(['s3:GetObjectAcl', 's3:PutObjectAcl']);
    // Objects only: an ACL permission on a bucket ARN would let the role change the bucket's ACL.
    expect(asArray(acl?.Resource)).toEqual([
      { 'Fn::Sub': '${BackupBucket.Arn}/*' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::example-cache-backups/*' },
    ]);
    expect(s3.flatMap((s) => asArray(s.Action)).sort()).toEqual(['s3:GetObject', 's3:GetObjectAcl', 's3:PutObjectAcl']);
  });

  it('gives every log group a retention', () => {
    const without = ofType('AWS::Logs::LogGroup')
      .filter(([, g]) => typeof g.Properties.RetentionInDays !== 'number')
      .map(([id]) => id);
    expect(without).toEqual([]);
  });

  it('logs the state machine errors to a log group', () => {
    for (const [, sm] of ofType('AWS::StepFunctions::StateMachine')) {
      expect(['ERROR', 'ALL']).toContain(sm.Properties.LoggingConfiguration?.Level);
      expect(sm.Properties.LoggingConfiguration?.Destinations?.length).toBeGreaterThan(0);
    }
  });
});

describe('failed deliveries are kept', () => {
  it('gives every EventBridge target, scheduled ones included, a dead-letter queue and a retry policy', () => {
    const targets = ofType('AWS::Events::Rule').flatMap(([id, r]) =>
      asArray(r.Properties.Targets as Json[]).map((t) => ({ id, t })),
    );
    expect(targets.some(({ id }) => resources[id]!.Properties.ScheduleExpression)).toBe(true);
    for (const { id, t } of targets) {
      expect({ id, dlq: t.DeadLetterConfig?.Arn !== undefined, retry: t.RetryPolicy !== undefined }).toEqual({
        id,
        dlq: true,
        retry: true,
      });
    }
  });

  it('tells the operators when anything waits in a dead-letter queue of an EventBridge target', () => {
    const queues = new Set(
      ofType('AWS::Events::Rule').flatMap(([, r]) =>
        asArray(r.Properties.Targets as Json[]).map(
          (t) => (t.DeadLetterConfig?.Arn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
        ),
      ),
    );
    for (const queue of queues) {
      const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) =>
        JSON.stringify(a.Properties.Dimensions ?? []).includes(`"Fn::GetAtt":["${queue}","QueueName"]`),
      );
      expect({ queue, alarmed: alarm?.[1].Properties.AlarmActions }).toEqual({
        queue,
        alarmed: [{ Ref: 'OperatorsTopic' }],
      });
    }
  });

  it('gives every asynchronously invoked function an on-failure destination, except the scheduled probe whose failures alarm the operators', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      ['events.amazonaws.com', 'sns.amazonaws.com', 's3.amazonaws.com'].includes(p.Properties.Principal),
    );
    const asyncFns = new Set(
      permissions.map(([, p]) => (p.Properties.FunctionName as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]),
    );
    const withDestination = new Set(
      ofType('AWS::Lambda::EventInvokeConfig')
        .filter(([, c]) => c.Properties.DestinationConfig?.OnFailure?.Destination)
        .map(([, c]) => (c.Properties.FunctionName as { Ref: string }).Ref),
    );
    const missing = [...asyncFns].filter((fn) => !withDestination.has(fn));
    figure('security.async_functions_without_destination', missing.join(',') || 'none');
    expect(missing.filter((fn) => fn !== 'ProbeLambdaFunction')).toEqual([]);
    if (missing.includes('ProbeLambdaFunction')) {
      // A failed or throttled run reports no data, which the incident alarms do not count as an outage:
      // an alarm on the function's Errors and Throttles tells the operators instead.
      const onProbe = ofType('AWS::CloudWatch::Alarm').filter(([, a]) =>
        JSON.stringify(a.Properties.Metrics ?? []).includes(
          '{"Name":"FunctionName","Value":{"Ref":"ProbeLambdaFunction"}}',
        ),
      );
      const watched = onProbe.flatMap(([, a]) =>
        (a.Properties.Metrics as Json[])
          .filter((m) => m.MetricStat)
          .map((m) => m.MetricStat.Metric.MetricName as string),
      );
      expect(watched.sort()).toEqual(['Errors', 'Throttles']);
      for (const [, a] of onProbe) expect(a.Properties.AlarmActions).toEqual([{ Ref: 'OperatorsTopic' }]);
    }
  });
});

describe('console endpoint', () => {
  /**
   * Sign-in has to start and finish before there is a token: these two routes serve no incident data.
   * The status page shows what customers were told, from its own item (functions/handlers/status-page.ts).
   */
  const PUBLIC_ROUTES = ['GET /login', 'GET /callback', 'GET /status', 'GET /status/feed.atom', 'GET /status.json'];

  it('requires the authorizer on every route but the two sign-in ones and the status page', () => {
    const routes = [...ofType('AWS::ApiGatewayV2::Route'), ...ofType('AWS::ApiGateway::Method')];
    const open = routes
      .filter(([, r]) => !r.Properties.AuthorizerId || ['NONE', undefined].includes(r.Properties.AuthorizationType))
      .map(([, r]) => String(r.Properties.RouteKey));
    const urls = ofType('AWS::Lambda::Url')
      .filter(([, u]) => u.Properties.AuthType !== 'AWS_IAM')
      .map(([id]) => id);
    figure(
      'security.console_routes',
      `${routes.length} routes, ${open.length + urls.length} without auth (${open.join(', ')})`,
    );
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
    expect(urls).toEqual([]);
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers.length).toBeGreaterThan(0);
    for (const [, a] of authorizers) {
      // A Lambda authorizer that verifies Cognito tokens from the header or the session cookie.
      expect(a.Properties.AuthorizerType).toBe('REQUEST');
      expect(JSON.stringify(a.Properties.AuthorizerUri)).toContain('ConsoleAuthorizerLambdaFunction');
      expect(a.Properties.AuthorizerResultTtlInSeconds ?? 0).toBe(0);
    }
  });
});
