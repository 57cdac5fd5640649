/**
 * Least privilege, checked on the calls the steps really make: every drill
 * scenario runs with IAM enforced and every decision recorded as
 * (caller, action, resource). Each call was allowed by the caller's role (the
 * same evaluator, @cloud-copilot/iam-simulate, decided it), and each action a
 * role grants is one its function made, one a path no drill takes needs, or
 * one listed as not used on any drilled path.
 */
import { runDrill } from '../../local/drill/run';
import type { Scenario } from '../../local/drill/scenarios';
import type { IamDecision, IamPolicySet } from '../../local/iam/gate';
import type { LocalStack } from '../../local/stack';
import { childProcesses } from './processes';

/** Every path the drills take: the recoveries and the ways a recovery stops. */
const SCENARIOS: Scenario[] = [
  'restore',
  'restore-external-bucket',
  'promote',
  'global-failover',
  'recovers',
  'false-alarm',
  'no-backup',
  'reject',
  'approval-timeout',
  'step-fails',
  'redrive',
  'standby',
];

/** Actions the Lambda service and the X-Ray SDK use on the function's behalf, not the function's own calls. */
const RUNTIME_ACTIONS = /^(logs|xray):/;

/**
 * Actions another AWS service performs with the caller's permissions, which the local stack does
 * not emulate: publishing to a topic encrypted with a customer managed key needs kms:GenerateDataKey
 * and kms:Decrypt ("Key management", Amazon SNS Developer Guide,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), and Lambda sends a failed
 * asynchronous invocation's record to an SQS destination with the function's execution role
 * ("Capturing records of Lambda asynchronous invocations", AWS Lambda Developer Guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
const SERVICE_ACTIONS = new Set(['kms:GenerateDataKey', 'kms:Decrypt', 'sqs:SendMessage']);

/** Paths no drill takes, and the grants only they use. */
const OTHER_PATHS: Record<string, { path: string; actions: string[] }> = {
  ConsoleLambdaFunction: {
    path: 'the operator console (HTTP API): incident pages, approvals, redrive',
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'states:DescribeExecution',
      'states:GetExecutionHistory',
      'states:RedriveExecution',
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ],
  },
  // Read by the public status page's routes, which no drill opens (test/browser/status-page.test.ts does).
  StatusPageLambdaFunction: {
    path: 'the public status page (HTTP API, no authorizer)',
    actions: ['dynamodb:GetItem'],
  },
  // The drills' backups succeed by SYNC or SCAN + DUMP; the other paths are covered in
  // test/usecases/backup.test.ts, test/e2e/backup-methods.test.ts and the stale-backup drill.
  BackupLambdaFunction: {
    path: 'elasticache-export of an ElastiCache group; an upload that fails and is aborted; failing backups told to the operators',
    actions: [
      'elasticache:CopySnapshot',
      'elasticache:CreateSnapshot',
      'elasticache:DeleteSnapshot',
      'elasticache:DescribeSnapshots',
      's3:AbortMultipartUpload',
      's3:GetBucketLocation',
      's3:ListAllMyBuckets',
      'sns:Publish',
    ],
  },
  // The restore drill's test restore passes, on a backup the backup function already let ElastiCache read.
  TestRestoreLambdaFunction: {
    path: 'a failing test restore (its last ElastiCache event, the operators told); a backup not yet readable by ElastiCache (an export)',
    actions: ['elasticache:DescribeEvents', 's3:PutObjectAcl', 'sns:Publish'],
  },
  // The promote drill's group has automatic failover, so ElastiCache promotes by itself; a group
  // without it is promoted with ModifyReplicationGroup PrimaryClusterId.
  PromoteLambdaFunction: {
    path: 'promotion in a group without automatic failover',
    actions: ['elasticache:ModifyReplicationGroup'],
  },
};

/**
 * Grants no drilled path used. Each is either needed by a path the drills do not take (a retry,
 * a stale lock) or not needed at all: to be narrowed in serverless.yml, then removed from here.
 */
const NOT_USED_ON_DRILLED_PATHS: Record<string, string[]> = {
  AssessLambdaFunction: ['elasticache:DescribeEvents'],
  CheckCacheLambdaFunction: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  // Query reads the timeline only when a retry finds the decision already written.
  ConfirmOutageLambdaFunction: ['dynamodb:Query'],
  CutOverLambdaFunction: ['dynamodb:Query'],
  NotifyLambdaFunction: ['dynamodb:Query'],
  OnAlarmLambdaFunction: ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  PromoteLambdaFunction: ['dynamodb:Query', 'dynamodb:UpdateItem'],
  ProvisionLambdaFunction: ['dynamodb:Query', 'dynamodb:UpdateItem', 'elasticache:DescribeReplicationGroups'],
  RehydrateLambdaFunction: ['dynamodb:Query', 'dynamodb:UpdateItem'],
  RequestApprovalLambdaFunction: ['dynamodb:Query'],
  VerifyLambdaFunction: ['dynamodb:Query'],
};

function grantedActions(set: IamPolicySet, role: string): Set<string> {
  const actions = new Set<string>();
  for (const { policy } of set.roles[role]?.policies ?? []) {
    const statements = (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) as {
      Effect: string;
      Action: string | string[];
    }[];
    for (const s of statements) {
      if (s.Effect !== 'Allow') continue;
      for (const a of Array.isArray(s.Action) ? s.Action : [s.Action])
        if (!RUNTIME_ACTIONS.test(a) && !SERVICE_ACTIONS.has(a)) actions.add(a);
    }
  }
  return actions;
}

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

describe('each step function needs every action its role grants, and its role allows every call it makes', () => {
  const decisions: IamDecision[] = [];
  let policies: IamPolicySet | undefined;

  beforeAll(async () => {
    for (const scenario of SCENARIOS) {
      let stack: LocalStack | undefined;
      const report = await runDrill({
        scenario,
        keys: 200,
        changedAfterBackup: 20,
        stackOptions: { iam: { onDecision: (d) => decisions.push(d) } },
        onStack: (s) => {
          stack = s;
        },
      });
      if (!report.ok) throw new Error(`${scenario}: ${report.why}`);
      policies ??= await stack?.iam?.policies();
    }
  }, 900_000);

  it('every call a function or the state machine made was allowed by its role', () => {
    expect(decisions.length).toBeGreaterThan(50);
    expect(decisions.filter((d) => !d.allowed)).toEqual([]);
  });

  it('every action a function role grants is one its function used, one a path no drill takes needs, or a listed grant to narrow', () => {
    const set = policies as IamPolicySet;
    const unused: Record<string, string[]> = {};
    for (const [fn, { role }] of Object.entries(set.functions)) {
      const used = new Set(decisions.filter((d) => d.caller === fn).map((d) => d.action));
      const elsewhere = new Set(OTHER_PATHS[fn]?.actions ?? []);
      const extra = [...grantedActions(set, role)].filter((a) => !used.has(a) && !elsewhere.has(a)).sort();
      if (extra.length) unused[fn] = extra;
    }
    // Exact: a new grant no path uses fails here, and so does a listed one that a drill starts to use.
    expect(unused).toEqual(NOT_USED_ON_DRILLED_PATHS);
  });

  it("every action the state machine's role grants is one it used", () => {
    const set = policies as IamPolicySet;
    const [machine] = Object.entries(set.stateMachines);
    const [id, { role }] = machine as [string, { role: string }];
    const used = new Set(decisions.filter((d) => d.caller === id).map((d) => d.action));
    expect([...grantedActions(set, role)].filter((a) => !used.has(a))).toEqual([]);
  });
});
