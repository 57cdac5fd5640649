/**
 * Packages the service with serverless@3 exactly as CI does (no network, no AWS
 * account) and checks the CloudFormation template and the function bundles.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PACKAGE_ARGS, serverlessPackage } from './packaging';
import { INCIDENT_LIST, KEY } from '../../functions/adapters/dynamodb/layout';
import { ENVIRONMENT_VARIABLES, type EnvironmentVariable } from '../../functions/config';
import { PROBE_ALARM, probeAlarmNameFor } from '../../functions/domain/alarm';
import { backupRpoSeconds, protectedCachesSchema } from '../../functions/domain/caches';
import { roundBudgetMs } from '../../functions/usecases/probe';
import { probeAlarmSettings, probeAlarmSpecs } from '../../local/stack/alarms';
import { rateSeconds, readManifest } from '../../local/stack/serverless-manifest';
import { testCache } from '../fakes';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, '.serverless');
const SERVICE = 'cache-outage-workflow';
const STAGE = 'dev';
const MAX_ZIP_BYTES = 1024 * 1024;

/** serverless.yml function key → handler file under functions/handlers/. */
const FUNCTIONS: Record<string, string> = {
  onAlarm: 'on-alarm',
  probe: 'probe',
  backup: 'backup',
  mirror: 'mirror',
  testRestore: 'test-restore',
  confirmOutage: 'confirm-outage',
  notify: 'notify',
  assess: 'assess',
  requestApproval: 'request-approval',
  promote: 'promote',
  provision: 'provision',
  checkCache: 'check-cache',
  cutOver: 'cut-over',
  verify: 'verify',
  rehydrate: 'rehydrate',
  closeIncident: 'close-incident',
  escalate: 'escalate',
  executionStatus: 'execution-status',
  console: 'console',
  consoleAuthorizer: 'console-authorizer',
  statusPage: 'status-page',
};
/**
 * Variables functions/config.ts reads that no function's environment sets: the
 * Lambda runtime sets the region; S3 path-style addressing is for the local
 * stack; the console's signing keys default to the issuer's JWKS.
 */
const NOT_SET_BY_THE_TEMPLATE: EnvironmentVariable[] = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'S3_FORCE_PATH_STYLE',
  'CONSOLE_JWKS_URI',
];
/**
 * Functions the state machine invokes (all but the alarm entry point, the probe, the backups and test restores, the mirror, the
 * execution status events' function, the operators' console and its authorizer, the public status page).
 */
const WORKFLOW_FUNCTIONS = Object.keys(FUNCTIONS).filter(
  (f) =>
    ![
      'onAlarm',
      'probe',
      'backup',
      'mirror',
      'testRestore',
      'executionStatus',
      'console',
      'consoleAuthorizer',
      'statusPage',
    ].includes(f),
);
/** Actions AWS authorizes only on Resource "*". */
const RESOURCE_STAR_ONLY =
  /^(xray:[A-Za-z]+|logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)|logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|elasticache:DescribeEvents|s3:ListAllMyBuckets|states:SendTask(Success|Failure|Heartbeat))$/;

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let template: { Resources: Record<string, Resource>; Outputs: Record<string, unknown> };
let resources: Record<string, Resource>;
const logicalIdOf = (fn: string) => `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
const fnResource = (fn: string) => resources[logicalIdOf(fn)]!;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const statementsOf = (role: Resource): Statement[] =>
  (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
const aslText = readFileSync(join(ROOT, 'statemachines', 'incident-recovery.asl.json'), 'utf8');

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  try {
    await serverlessPackage(DEFAULT_PACKAGE_ARGS);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`serverless package failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: error });
  }
  template = JSON.parse(readFileSync(join(OUT, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
}, 180_000);

describe('serverless package', () => {
  describe('state machine', () => {
    const machine = () => resources.IncidentRecoveryStateMachine!;

    it('is a Standard workflow with error logging (no execution data) and tracing', () => {
      const p = machine().Properties;
      expect(machine().Type).toBe('AWS::StepFunctions::StateMachine');
      expect(p.StateMachineType).toBe('STANDARD');
      expect(p.LoggingConfiguration).toEqual({
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['StateMachineLogGroup', 'Arn'] } } }],
      });
      expect(resources.StateMachineLogGroup!.Properties.RetentionInDays).toBe(30);
      expect(p.TracingConfiguration).toEqual({ Enabled: true });
    });

    it('carries the ASL file unchanged, placeholders included', () => {
      expect(JSON.parse(machine().Properties.DefinitionString as string)).toEqual(JSON.parse(aslText));
      expect(machine().Properties.DefinitionString).toContain('"Resource":"${NotifyFunctionArn}"');
    });

    it('substitutes every placeholder, each with the resource it names', () => {
      const placeholders = [...new Set([...aslText.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
      const substitutions = machine().Properties.DefinitionSubstitutions as Record<string, unknown>;
      expect(Object.keys(substitutions).sort()).toEqual(placeholders);
      expect(substitutions.IncidentsTable).toEqual({ Ref: 'IncidentsTable' });
      for (const fn of WORKFLOW_FUNCTIONS) {
        const key = `${fn[0]!.toUpperCase()}${fn.slice(1)}FunctionArn`;
        expect(substitutions[key]).toEqual({ 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] });
      }
    });

    it('may invoke exactly the workflow functions and write only the incidents table', () => {
      const statements = statementsOf(resources.StateMachineRole!);
      const invoke = statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
      expect(invoke).toHaveLength(1);
      expect(asArray(invoke[0]!.Action)).toEqual(['lambda:InvokeFunction']);
      expect(invoke[0]!.Resource).toEqual(
        expect.arrayContaining(WORKFLOW_FUNCTIONS.map((fn) => ({ 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] }))),
      );
      expect(asArray(invoke[0]!.Resource)).toHaveLength(WORKFLOW_FUNCTIONS.length);
      const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
      expect(dynamo).toEqual([
        { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: { 'Fn::GetAtt': ['IncidentsTable', 'Arn'] } },
      ]);
    });

    it('never lets a function run as long as a task that invokes it waits', () => {
      const definition = JSON.parse(aslText) as {
        States: Record<string, { Type: string; Resource?: string; TimeoutSeconds?: number }>;
      };
      const longestWait = new Map<string, number>();
      for (const state of Object.values(definition.States)) {
        const placeholder = /^\$\{([A-Za-z]+)FunctionArn\}$/.exec(state.Resource ?? '');
        if (state.Type !== 'Task' || !placeholder || state.TimeoutSeconds === undefined) continue;
        const fn = `${placeholder[1]![0]!.toLowerCase()}${placeholder[1]!.slice(1)}`;
        // The shortest wait of any task that invokes the function (see test/package/task-timeouts.test.ts for the margin).
        longestWait.set(fn, Math.min(longestWait.get(fn) ?? Infinity, state.TimeoutSeconds));
      }
      expect(longestWait.size).toBeGreaterThan(5);
      for (const [fn, seconds] of longestWait) {
        const timeout = fnResource(fn).Properties.Timeout as number;
        expect({ fn, fits: timeout + 15 <= seconds }).toEqual({ fn, fits: true });
      }
    });
  });

  describe('functions', () => {
    it.each(Object.entries(FUNCTIONS))('%s runs %s.handler on nodejs22.x arm64 with tracing', (fn, file) => {
      const p = fnResource(fn).Properties;
      expect(p.FunctionName).toBe(`${SERVICE}-${STAGE}-${fn}`);
      expect(p.Handler).toBe(`functions/handlers/${file}.handler`);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
    });

    it('are exactly those of the workflow, its schedules, its console, its authorizer and the status page', () => {
      expect(
        ofType('AWS::Lambda::Function')
          .map(([id]) => id)
          .sort(),
      ).toEqual(Object.keys(FUNCTIONS).map(logicalIdOf).sort());
    });

    const variablesOf = (fn: string) =>
      Object.keys((fnResource(fn).Properties.Environment as { Variables: Json }).Variables);

    it('set only environment variables that functions/config.ts reads', () => {
      const known = new Set<string>([...ENVIRONMENT_VARIABLES, 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS']);
      expect(known).toContain('PROTECTED_CACHES');
      for (const fn of Object.keys(FUNCTIONS)) {
        expect({ fn, unknown: variablesOf(fn).filter((v) => !known.has(v)) }).toEqual({ fn, unknown: [] });
      }
    });

    it('set every environment variable that functions/config.ts reads, but those the runtime or a default provides', () => {
      const set = new Set(Object.keys(FUNCTIONS).flatMap(variablesOf));
      const unset = ENVIRONMENT_VARIABLES.filter((v) => !set.has(v));
      expect(unset.sort()).toEqual([...NOT_SET_BY_THE_TEMPLATE].sort());
    });

    it('receive a protected caches configuration that the functions accept', () => {
      const raw = (fnResource('probe').Properties.Environment as { Variables: Json }).Variables
        .PROTECTED_CACHES as string;
      const parsed = protectedCachesSchema.safeParse(JSON.parse(raw));
      expect(parsed.success).toBe(true);
      expect(parsed.data?.length).toBeGreaterThan(0);
    });
  });

  describe('IAM', () => {
    const roles = () => ofType('AWS::IAM::Role');

    it('gives each function its own role, with a name IAM accepts', () => {
      const roleOf = Object.keys(FUNCTIONS).map(
        (fn) => (fnResource(fn).Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
      );
      expect(new Set(roleOf).size).toBe(Object.keys(FUNCTIONS).length);
      for (const role of roleOf) {
        expect(resources[role]?.Type).toBe('AWS::IAM::Role');
        const name = resources[role]!.Properties.RoleName as string;
        expect(name.length).toBeLessThanOrEqual(64);
        expect(name.startsWith(`${SERVICE}-${STAGE}-us-east-1-`)).toBe(true);
      }
      // The functions' roles and the state machine's role; the framework's shared role is gone.
      expect(roles()).toHaveLength(Object.keys(FUNCTIONS).length + 1);
      expect(resources.IamRoleLambdaExecution).toBeUndefined();
    });

    it('grants no wildcard action, and Resource "*" only where AWS allows nothing narrower', () => {
      for (const [id, role] of roles()) {
        for (const s of statementsOf(role)) {
          for (const action of asArray(s.Action)) {
            expect({ id, action }).toEqual({ id, action: expect.stringMatching(/^[a-z0-9-]+:[A-Za-z]+\*?$/) });
            expect({ id, action, wildcardService: /^(\*|[a-z0-9-]+:\*)$/.test(action) }).toEqual({
              id,
              action,
              wildcardService: false,
            });
          }
          if (asArray(s.Resource).includes('*')) {
            for (const action of asArray(s.Action))
              expect({ id, action }).toEqual({ id, action: expect.stringMatching(RESOURCE_STAR_ONLY) });
          }
        }
      }
    });

    it('lets on-alarm start executions of the state machine, and no other function', () => {
      const starters = Object.keys(FUNCTIONS).filter((fn) => {
        const role = resources[(fnResource(fn).Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
        return statementsOf(role).some((s) => asArray(s.Action).includes('states:StartExecution'));
      });
      expect(starters).toEqual(['onAlarm']);
      const onAlarmRole =
        resources[(fnResource('onAlarm').Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
      const start = statementsOf(onAlarmRole).find((s) => asArray(s.Action).includes('states:StartExecution'))!;
      expect(start.Resource).toEqual({ Ref: 'IncidentRecoveryStateMachine' });
    });
  });

  describe('Global Datastore failover permissions', () => {
    const ACCOUNT = '123456789012';
    /** Resolves the intrinsics these statements use, for this account in us-east-1. */
    const arnPatterns = (resource: unknown): string[] =>
      asArray(resource as unknown[]).map((r) => {
        const text = typeof r === 'string' ? r : ((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? '');
        return text
          .replace(/\$\{AWS::Partition\}/g, 'aws')
          .replace(/\$\{AWS::Region\}/g, 'us-east-1')
          .replace(/\$\{AWS::AccountId\}/g, ACCOUNT);
      });
    const matches = (pattern: string, arn: string) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ).test(arn);
    const allowed = (fn: string, action: string, arn: string) => {
      const role = resources[(fnResource(fn).Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
      return statementsOf(role).some(
        (s) =>
          s.Effect === 'Allow' &&
          asArray(s.Action).includes(action) &&
          arnPatterns(s.Resource).some((p) => matches(p, arn)),
      );
    };
    const WEST_GROUP = `arn:aws:elasticache:us-west-2:${ACCOUNT}:replicationgroup:accounts-west`;
    const GLOBAL = `arn:aws:elasticache::${ACCOUNT}:globalreplicationgroup:ldgnf-accounts`;

    // FailoverGlobalReplicationGroup (ElastiCache API Reference) names a secondary that lives in another region;
    // "Actions, resources, and condition keys for Amazon ElastiCache" (Service Authorization Reference): the
    // describe and failover actions are authorized on the replicationgroup / globalreplicationgroup ARNs.
    it("lets promote fail over to, and check-cache poll, a secondary in another region's replication group", () => {
      expect(allowed('promote', 'elasticache:FailoverGlobalReplicationGroup', GLOBAL)).toBe(true);
      expect(allowed('promote', 'elasticache:FailoverGlobalReplicationGroup', WEST_GROUP)).toBe(true);
      expect(allowed('promote', 'elasticache:DescribeGlobalReplicationGroups', GLOBAL)).toBe(true);
      expect(allowed('assess', 'elasticache:DescribeGlobalReplicationGroups', GLOBAL)).toBe(true);
      expect(allowed('checkCache', 'elasticache:DescribeReplicationGroups', WEST_GROUP)).toBe(true);
      expect(
        allowed(
          'checkCache',
          'elasticache:DescribeReplicationGroups',
          `arn:aws:elasticache:us-east-1:${ACCOUNT}:replicationgroup:r-x`,
        ),
      ).toBe(true);
      // Nothing beyond describing: check-cache modifies no group anywhere.
      expect(allowed('checkCache', 'elasticache:ModifyReplicationGroup', WEST_GROUP)).toBe(false);
    });
  });

  describe('alarm wiring', () => {
    const rulesFor = (source: string) =>
      ofType('AWS::Events::Rule').filter(([, r]) =>
        (r.Properties.EventPattern as { source?: string[] } | undefined)?.source?.includes(source),
      );
    const rule = () => rulesFor('aws.cloudwatch')[0]!;
    const probeAlarms = () =>
      ofType('AWS::CloudWatch::Alarm').filter(
        ([, a]) =>
          a.Properties.MetricName === 'CacheReachable' && (a.Properties.AlarmName as string).includes('-incident-'),
      );

    it('routes CloudWatch alarm state changes of this stack to on-alarm, with retries and a dead-letter queue', () => {
      const [, r] = rule();
      const pattern = r.Properties.EventPattern as {
        source: string[];
        'detail-type': string[];
        detail: { alarmName: unknown[] };
      };
      expect(pattern.source).toEqual(['aws.cloudwatch']);
      expect(pattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
      expect(pattern.detail.alarmName).toContainEqual({ prefix: `${SERVICE}-${STAGE}-incident-` });
      const [target] = r.Properties.Targets as { Arn: unknown; DeadLetterConfig?: unknown; RetryPolicy?: unknown }[];
      expect(target!.Arn).toEqual({ 'Fn::GetAtt': ['OnAlarmLambdaFunction', 'Arn'] });
      expect(target!.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['OnAlarmFailuresQueue', 'Arn'] } });
      expect(target!.RetryPolicy).toBeDefined();
    });

    it('escalates executions that stop at a failed step, time out or are stopped, and reopens redriven ones', () => {
      const rules = rulesFor('aws.states');
      const patterns = rules.map(([, r]) => {
        const [target] = r.Properties.Targets as { Arn: unknown; DeadLetterConfig?: unknown; RetryPolicy?: unknown }[];
        expect(target!.Arn).toEqual({ 'Fn::GetAtt': ['ExecutionStatusLambdaFunction', 'Arn'] });
        expect(target!.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['EscalationFailuresQueue', 'Arn'] } });
        expect(target!.RetryPolicy).toBeDefined();
        const pattern = r.Properties.EventPattern as { 'detail-type': string[]; detail: Record<string, unknown> };
        expect(pattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
        // Only this stack's state machine.
        expect(pattern.detail.stateMachineArn).toEqual([{ Ref: 'IncidentRecoveryStateMachine' }]);
        return pattern.detail;
      });
      expect(patterns.map((d) => d.status)).toEqual(
        expect.arrayContaining([['FAILED', 'TIMED_OUT', 'ABORTED'], ['RUNNING']]),
      );
      expect(patterns.find((d) => (d.status as string[]).includes('RUNNING'))?.redriveCount).toEqual([
        { numeric: ['>', 0] },
      ]);
    });

    it('retries asynchronous status events twice, then keeps them in the escalation-failures queue; escalate takes only the state machine', () => {
      const configs = ofType('AWS::Lambda::EventInvokeConfig');
      const [, config] = configs.find(([, c]) =>
        JSON.stringify(c.Properties.FunctionName).includes('ExecutionStatus'),
      )!;
      expect(config.Properties.MaximumRetryAttempts).toBe(2);
      expect(config.Properties.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['EscalationFailuresQueue', 'Arn'] } },
      });
      expect(configs.filter(([, c]) => JSON.stringify(c.Properties.FunctionName).includes('Escalate'))).toEqual([]);
      const targets = ofType('AWS::Events::Rule').flatMap(([, r]) => r.Properties.Targets as { Arn: unknown }[]);
      expect(targets.map((t) => t.Arn)).not.toContainEqual({ 'Fn::GetAtt': ['EscalateLambdaFunction', 'Arn'] });
    });

    it('tells the operators when anything waits in a failure queue', () => {
      const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.Namespace === 'AWS/SQS');
      const queues = alarms.map(
        ([, a]) => (a.Properties.Dimensions as { Value: { 'Fn::GetAtt': string[] } }[])[0]!.Value['Fn::GetAtt'][0],
      );
      expect(queues.sort()).toEqual([
        'BackupFailuresQueue',
        'EscalationFailuresQueue',
        'OnAlarmFailuresQueue',
        'ProbeFailuresQueue',
      ]);
      for (const [, a] of alarms) {
        expect(a.Properties).toMatchObject({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
        expect(a.Properties.AlarmActions).toEqual([{ Ref: 'OperatorsTopic' }]);
      }
    });

    it('names every probe alarm so that the rule matches it', () => {
      const [, r] = rule();
      const prefixes = (
        r.Properties.EventPattern as { detail: { alarmName: ({ prefix: string } | string)[] } }
      ).detail.alarmName
        .filter((m): m is { prefix: string } => typeof m === 'object')
        .map((m) => m.prefix);
      expect(probeAlarms().length).toBeGreaterThan(0);
      for (const [, alarm] of probeAlarms()) {
        expect(prefixes.some((p) => (alarm.Properties.AlarmName as string).startsWith(p))).toBe(true);
      }
    });

    it('keeps ElastiCache health alarms away from the incident workflow', () => {
      const [, r] = rule();
      const filter = JSON.stringify((r.Properties.EventPattern as { detail: unknown }).detail);
      const health = ofType('AWS::CloudWatch::Alarm').filter(([, a]) =>
        JSON.stringify(a.Properties.Metrics ?? []).includes('"Namespace":"AWS/ElastiCache"'),
      );
      expect(health.length).toBeGreaterThan(0);
      for (const [, alarm] of health) {
        const name = alarm.Properties.AlarmName as string;
        expect(name.startsWith(`${SERVICE}-${STAGE}-incident-`)).toBe(false);
        expect(filter).not.toContain(`"${name}"`);
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'OperatorsTopic' }]);
        expect(JSON.stringify(alarm.Properties.Metrics)).toContain('"Name":"CacheClusterId"');
      }
    });

    it('also subscribes on-alarm to the alarms topic', () => {
      const subscriptions = ofType('AWS::SNS::Subscription').map(([, s]) => s.Properties);
      expect(subscriptions).toContainEqual(
        expect.objectContaining({
          Protocol: 'lambda',
          TopicArn: { Ref: 'AlarmsTopic' },
          Endpoint: { 'Fn::GetAtt': ['OnAlarmLambdaFunction', 'Arn'] },
        }),
      );
    });

    it('retries asynchronous on-alarm invocations twice, then keeps the event in an encrypted queue', () => {
      const [, config] = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) =>
        JSON.stringify(c.Properties.FunctionName).includes('OnAlarm'),
      )!;
      expect(config.Properties.MaximumRetryAttempts).toBe(2);
      expect(config.Properties.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['OnAlarmFailuresQueue', 'Arn'] } },
      });
      expect(resources.OnAlarmFailuresQueue!.Properties.SqsManagedSseEnabled).toBe(true);
    });

    it('runs the probe every minute', () => {
      const schedules = ofType('AWS::Events::Rule').filter(
        ([, r]) =>
          r.Properties.ScheduleExpression && JSON.stringify(r.Properties.Targets).includes('"ProbeLambdaFunction"'),
      );
      expect(
        schedules.map(([, r]) => [
          r.Properties.ScheduleExpression,
          (r.Properties.Targets as { Arn: unknown }[])[0]!.Arn,
        ]),
      ).toEqual([['rate(1 minute)', { 'Fn::GetAtt': ['ProbeLambdaFunction', 'Arn'] }]]);
    });

    it('backs up each cache the product backs up on its own schedule, and alarms the operators when its backup is stale', () => {
      const raw = (fnResource('probe').Properties.Environment as { Variables: Json }).Variables
        .PROTECTED_CACHES as string;
      const caches = protectedCachesSchema.parse(JSON.parse(raw));
      const backedUp = caches.filter((c) => c.backup && c.backup.method !== 'none');
      expect(backedUp.length).toBeGreaterThan(0);
      const schedules = ofType('AWS::Events::Rule').filter(([, r]) =>
        JSON.stringify(r.Properties.Targets).includes('"BackupLambdaFunction"'),
      );
      expect(
        schedules
          .map(([, r]) => JSON.parse((r.Properties.Targets as { Input: string }[])[0]!.Input) as { cacheId: string })
          .map((i) => i.cacheId)
          .sort(),
      ).toEqual(backedUp.map((c) => c.id).sort());
      for (const [id, r] of schedules) {
        const cache = backedUp.find((c) => r.Properties.Name === `${SERVICE}-${STAGE}-backup-${c.id}`)!;
        expect(r.Properties.ScheduleExpression).toBe(`rate(${cache.backup!.intervalMinutes} minutes)`);
        const permission = ofType('AWS::Lambda::Permission').find(
          ([, p]) => JSON.stringify(p.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
        );
        expect(permission?.[1].Properties).toMatchObject({
          FunctionName: { 'Fn::GetAtt': ['BackupLambdaFunction', 'Arn'] },
          Principal: 'events.amazonaws.com',
        });
        const alarm = ofType('AWS::CloudWatch::Alarm').find(
          ([, a]) => a.Properties.AlarmName === `${SERVICE}-${STAGE}-health-${cache.id}-backup-age`,
        );
        expect(alarm?.[1].Properties).toMatchObject({
          MetricName: 'BackupAgeSeconds',
          Dimensions: [{ Name: 'CacheId', Value: cache.id }],
          Threshold: backupRpoSeconds(cache.backup!),
          TreatMissingData: 'breaching',
          AlarmActions: [{ Ref: 'OperatorsTopic' }],
          OKActions: [{ Ref: 'OperatorsTopic' }],
        });
      }
      // No backup alarm opens an incident or reaches the alarms topic.
      const backupAlarms = ofType('AWS::CloudWatch::Alarm').filter(
        ([, a]) => a.Properties.MetricName === 'BackupAgeSeconds',
      );
      expect(backupAlarms).toHaveLength(backedUp.length);
      expect(JSON.stringify(backupAlarms)).not.toContain('AlarmsTopic');
      expect(JSON.stringify(backupAlarms)).not.toContain('StatusTopic');
    });

    it('runs the probe every 10 s within each scheduled run, for the rule period plus one interval, within its timeout', () => {
      const fn = fnResource('probe').Properties;
      const env = (fn.Environment as { Variables: Record<string, string> }).Variables;
      expect(env.PROBE_INTERVAL_SECONDS).toBe('10');
      // The run covers the rule's rate: the schedule the probe believes is the one EventBridge keeps.
      expect(Number(env.PROBE_SCHEDULE_SECONDS)).toBe(
        rateSeconds(resources.ProbeScheduleRule!.Properties.ScheduleExpression as string),
      );
      // A run (its minute, one interval, its last round) ends before the function times out.
      const runMs =
        (Number(env.PROBE_SCHEDULE_SECONDS) + Number(env.PROBE_INTERVAL_SECONDS)) * 1000 +
        roundBudgetMs(Number(env.PROBE_TIMEOUT_MS));
      expect(fn.Timeout as number).toBeGreaterThanOrEqual(Math.ceil(runMs / 1000));
      expect(fn.Timeout as number).toBeLessThanOrEqual(120);
    });

    it('alarms on each protected cache the probe cannot reach in 3 of 3 periods of 10 s, missing data not breaching', () => {
      const raw = (fnResource('probe').Properties.Environment as { Variables: Json }).Variables
        .PROTECTED_CACHES as string;
      const cacheIds = (JSON.parse(raw) as { id: string }[]).map((c) => c.id);
      const byCache = new Map(
        probeAlarms().map(([, a]) => [
          (a.Properties.Dimensions as { Name: string; Value: string }[])[0]!.Value,
          a.Properties,
        ]),
      );
      expect([...byCache.keys()].sort()).toEqual([...cacheIds].sort());
      for (const id of cacheIds) {
        expect(byCache.get(id)).toMatchObject({
          Namespace: 'CacheOutageWorkflow',
          MetricName: 'CacheReachable',
          Dimensions: [{ Name: 'CacheId', Value: id }],
          Statistic: 'Minimum',
          // A high-resolution alarm: CacheReachable is stored at one-second resolution.
          Period: 10,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 3,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          // A probe that did not report has measured nothing: missing data is not an outage.
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: 'AlarmsTopic' }],
        });
      }
    });

    it('tells the operators, not the customers, when the probe reports nothing for a cache or fails', () => {
      const raw = (fnResource('probe').Properties.Environment as { Variables: Json }).Variables
        .PROTECTED_CACHES as string;
      const cacheIds = (JSON.parse(raw) as { id: string }[]).map((c) => c.id);
      const silent = ofType('AWS::CloudWatch::Alarm').filter(([, a]) =>
        (a.Properties.AlarmName as string).endsWith('-probe-silent'),
      );
      expect(silent.map(([, a]) => (a.Properties.Dimensions as { Value: string }[])[0]!.Value).sort()).toEqual(
        [...cacheIds].sort(),
      );
      for (const [, a] of silent) {
        expect(a.Properties).toMatchObject({
          AlarmName: expect.stringMatching(new RegExp(`^${SERVICE}-${STAGE}-health-`)),
          MetricName: 'CacheReachable',
          Statistic: 'SampleCount',
          // A standard alarm: one-minute periods, as before the probe looped.
          Period: 60,
          TreatMissingData: 'breaching',
          AlarmActions: [{ Ref: 'OperatorsTopic' }],
        });
      }
      const errors = resources.ProbeErrorsAlarm!.Properties;
      expect(errors.AlarmActions).toEqual([{ Ref: 'OperatorsTopic' }]);
      expect(JSON.stringify(errors.Metrics)).toContain('"MetricName":"Errors"');
      expect(JSON.stringify(errors.Metrics)).toContain('"MetricName":"Throttles"');
    });

    it('is the alarm the local stack evaluates, threshold for threshold', () => {
      const [, deployed] = probeAlarms()[0]!;
      const [local] = probeAlarmSpecs('svc', [testCache()], probeAlarmSettings(readManifest(ROOT).params));
      expect(local).toMatchObject({
        namespace: deployed.Properties.Namespace,
        metricName: deployed.Properties.MetricName,
        statistic: deployed.Properties.Statistic,
        periodSeconds: deployed.Properties.Period,
        evaluationPeriods: deployed.Properties.EvaluationPeriods,
        datapointsToAlarm: deployed.Properties.DatapointsToAlarm,
        threshold: deployed.Properties.Threshold,
        comparisonOperator: deployed.Properties.ComparisonOperator,
        treatMissingData: deployed.Properties.TreatMissingData,
      });
      expect(Object.keys(local!.dimensions)).toEqual(
        (deployed.Properties.Dimensions as { Name: string }[]).map((d) => d.Name),
      );
    });

    it('is the alarm whose ALARM intake checks for failed probes, under the name prefix on-alarm is given', () => {
      for (const [, alarm] of probeAlarms()) {
        // Intake takes an ALARM showing at least PROBE_ALARM's failed probes as proven: every genuine ALARM shows that many.
        expect(PROBE_ALARM.threshold).toBe(alarm.Properties.Threshold);
        expect(alarm.Properties.DatapointsToAlarm as number).toBeGreaterThanOrEqual(PROBE_ALARM.datapointsToAlarm);
        const cacheId = (alarm.Properties.Dimensions as { Value: string }[])[0]!.Value;
        const prefix = (fnResource('onAlarm').Properties.Environment as { Variables: Json }).Variables
          .INCIDENT_ALARM_PREFIX as string;
        expect(probeAlarmNameFor(prefix, cacheId)).toBe(alarm.Properties.AlarmName);
      }
    });
  });

  describe('data and notifications', () => {
    it('keeps incidents in a table with point-in-time recovery, encryption, TTL and the keys of the store layout', () => {
      const t = resources.IncidentsTable!;
      expect(t.Type).toBe('AWS::DynamoDB::Table');
      expect(t.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: KEY.partition, KeyType: 'HASH' },
          { AttributeName: KEY.sort, KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(t.Properties.GlobalSecondaryIndexes).toEqual([
        {
          IndexName: INCIDENT_LIST.index,
          KeySchema: [
            { AttributeName: INCIDENT_LIST.partition, KeyType: 'HASH' },
            { AttributeName: INCIDENT_LIST.sort, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]);
    });

    it('encrypts the status, operators and alarms topics with a rotated key CloudWatch may use', () => {
      const topics = ofType('AWS::SNS::Topic');
      expect(topics.map(([id]) => id).sort()).toEqual(['AlarmsTopic', 'OperatorsTopic', 'StatusTopic']);
      for (const [, topic] of topics) expect(topic.Properties.KmsMasterKeyId).toEqual({ Ref: 'NotificationsKey' });
      const key = resources.NotificationsKey!.Properties;
      expect(key.EnableKeyRotation).toBe(true);
      const services = (
        key.KeyPolicy as { Statement: { Principal: { Service?: string | string[] } }[] }
      ).Statement.flatMap((s) => asArray(s.Principal.Service ?? []));
      // CloudWatch publishes alarm actions to the alarms and operators topics; no EventBridge rule targets a topic.
      expect(services).toEqual(['cloudwatch.amazonaws.com']);
    });

    it('keeps backups private, versioned, in SSE-S3, readable by ElastiCache over TLS only', () => {
      const bucket = resources.BackupBucket!.Properties;
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] });
      // Backups expire after backupRetentionDays (14 by default); parts of failed uploads after a day.
      expect(bucket.LifecycleConfiguration).toEqual({
        Rules: expect.arrayContaining([
          { Id: 'expire-replaced-backups', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
          { Id: 'expire-old-backups', Status: 'Enabled', ExpirationInDays: '14' },
          {
            Id: 'abort-incomplete-uploads',
            Status: 'Enabled',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ]),
      });
      const statements = (resources.BackupBucketPolicy!.Properties.PolicyDocument as { Statement: Json[] }).Statement;
      expect(statements).toContainEqual({
        'Fn::If': [
          'IsOptInRegion',
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: { 'Fn::Sub': '${AWS::Region}.elasticache-snapshot.amazonaws.com' } },
            Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'],
          }),
          { Ref: 'AWS::NoValue' },
        ],
      });
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('keeps post-incident reports private, versioned, in SSE-S3, over TLS only; only Close Incident and Escalate write them', () => {
      const bucket = resources.ReportsBucket!.Properties;
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      const policy = (resources.ReportsBucketPolicy!.Properties.PolicyDocument as { Statement: Json[] }).Statement;
      expect(policy).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const writers = Object.keys(FUNCTIONS).filter((fn) => {
        const role = resources[(fnResource(fn).Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
        return statementsOf(role).some((st) => JSON.stringify(st.Resource).includes('ReportsBucket'));
      });
      // Close Incident drafts a resolved incident's report, Escalate a failed one's.
      expect(writers).toEqual(['closeIncident', 'escalate']);
      for (const fn of writers) {
        const role = resources[(fnResource(fn).Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
        const put = statementsOf(role).find((st) => JSON.stringify(st.Resource).includes('ReportsBucket'))!;
        expect(put.Action).toEqual(['s3:PutObject']);
        expect(put.Resource).toEqual({ 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' });
        expect(fnResource(fn).Properties.Environment).toMatchObject({
          Variables: { REPORTS_BUCKET: { Ref: 'ReportsBucket' }, OPERATOR_TIME_ZONE: expect.any(String) },
        });
      }
    });

    it("lets Close Incident publish its resolved message on the operators' topic only, with the topic's key", () => {
      const role =
        resources[(fnResource('closeIncident').Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
      const publish = statementsOf(role).filter((st) => asArray(st.Action).some((a) => a.startsWith('sns:')));
      expect(publish).toEqual([{ Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: 'OperatorsTopic' } }]);
      const key = statementsOf(role).filter((st) => asArray(st.Action).some((a) => a.startsWith('kms:')));
      expect(key).toEqual([
        {
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: { 'Fn::GetAtt': ['NotificationsKey', 'Arn'] },
        },
      ]);
      expect(fnResource('closeIncident').Properties.Environment).toMatchObject({
        Variables: {
          OPERATORS_TOPIC_ARN: { Ref: 'OperatorsTopic' },
          STATUS_TOPIC_ARN: { Ref: 'StatusTopic' },
          CONSOLE_URL: expect.anything(),
        },
      });
    });

    it('outputs what operators and the console need', () => {
      expect(Object.keys(template.Outputs)).toEqual(
        expect.arrayContaining([
          'StateMachineArn',
          'StatusTopicArn',
          'OperatorsTopicArn',
          'IncidentsTableName',
          'BackupBucketName',
        ]),
      );
    });
  });

  describe('bundles', () => {
    it('packages each function into its own zip under 1 MB', () => {
      const zips = readdirSync(OUT).filter((f) => f.endsWith('.zip'));
      expect(zips.sort()).toEqual(
        Object.keys(FUNCTIONS)
          .map((fn) => `${fn}.zip`)
          .sort(),
      );
      const sizes = Object.fromEntries(zips.map((z) => [z, statSync(join(OUT, z)).size]));
      console.log(
        `function bundle sizes (KiB):\n${Object.entries(sizes)
          .map(([z, bytes]) => `  ${z.padEnd(22)} ${(bytes / 1024).toFixed(0).padStart(5)}`)
          .join('\n')}`,
      );
      for (const [zip, bytes] of Object.entries(sizes))
        expect({ zip, underLimit: bytes < MAX_ZIP_BYTES }).toEqual({ zip, underLimit: true });
    });
  });
});
