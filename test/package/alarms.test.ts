/**
 * serverless/alarms.js: the backup and test-restore schedules and the backup
 * freshness alarm it declares per cache, within the limits AWS sets on them.
 */
import { protectedCacheSchema, type ProtectedCache } from '../../functions/domain/caches';
import { backupAgeAlarmSpecs } from '../../local/stack/alarms';
import { childProcesses } from '../e2e/processes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const alarms = require('../../serverless/alarms.js') as {
  backupSchedules(cache: ProtectedCache, ctx: { service: string; stage: string }): Record<string, Resource>;
  backupAgeAlarm(cache: ProtectedCache, ctx: { healthPrefix: string; namespace: string }): Record<string, Resource>;
  ruleName(service: string, stage: string, kind: string, cacheId: string): string;
  probeAlarmSettings(resolveVariable: (name: string) => Promise<string>): Promise<Record<string, number>>;
};

interface Resource {
  Type: string;
  Properties: Record<string, unknown> & { Targets?: Record<string, unknown>[] };
}

const cache = (id: string, backup: Record<string, unknown>): ProtectedCache =>
  protectedCacheSchema.parse({
    id,
    endpoint: { host: 'redis.example.net', port: 6379 },
    endpointParameter: `/cache-outage/${id}/endpoint`,
    backup: { bucket: 'backups', ...backup },
  });
const ctx = { service: 'cache-outage-workflow', stage: 'dev' };
const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.values(resources).filter((r) => r.Type === type);

// serverless/alarms.js compiles functions/domain with esbuild in this process: no esbuild service may outlive it.
afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

describe('backup schedules', () => {
  it('invoke the backup function per cache every intervalMinutes, with the cache id as constant input', () => {
    const resources = alarms.backupSchedules(cache('orders', { intervalMinutes: 15 }), ctx);
    const [rule] = ofType(resources, 'AWS::Events::Rule');
    expect(rule!.Properties).toMatchObject({
      Name: 'cache-outage-workflow-dev-backup-orders',
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
    });
    const [target] = rule!.Properties.Targets!;
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': ['BackupLambdaFunction', 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['BackupFailuresQueue', 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 2 },
    });
    expect(JSON.parse(target!.Input as string)).toEqual({ cacheId: 'orders' });
    const [permission] = ofType(resources, 'AWS::Lambda::Permission');
    expect(permission!.Properties).toEqual({
      FunctionName: { 'Fn::GetAtt': ['BackupLambdaFunction', 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['BackupOrdersScheduleRule', 'Arn'] },
    });
    // Test restores are off by default.
    expect(ofType(resources, 'AWS::Events::Rule')).toHaveLength(1);
  });

  // EventBridge "Schedule expressions for rules": the unit is singular for a value of 1.
  it('write a rate of 1 with a singular unit, as EventBridge requires', () => {
    const resources = alarms.backupSchedules(
      cache('orders', { intervalMinutes: 1, testRestore: { enabled: true, intervalDays: 1 } }),
      ctx,
    );
    expect(ofType(resources, 'AWS::Events::Rule').map((r) => r.Properties.ScheduleExpression)).toEqual([
      'rate(1 minute)',
      'rate(1 day)',
    ]);
    // MaximumEventAgeInSeconds: 60 to 86,400 (EventBridge RetryPolicy).
    expect(
      ofType(resources, 'AWS::Events::Rule').map(
        (r) => (r.Properties.Targets![0]!.RetryPolicy as { MaximumEventAgeInSeconds: number }).MaximumEventAgeInSeconds,
      ),
    ).toEqual([60, 86400]);
  });

  it('invoke the testRestore function every intervalDays when test restores are enabled', () => {
    const resources = alarms.backupSchedules(cache('orders', { testRestore: { enabled: true } }), ctx);
    const restore = ofType(resources, 'AWS::Events::Rule').find((r) =>
      JSON.stringify(r.Properties.Targets).includes('TestRestoreLambdaFunction'),
    );
    expect(restore!.Properties).toMatchObject({
      Name: 'cache-outage-workflow-dev-test-restore-orders',
      ScheduleExpression: 'rate(7 days)',
    });
    expect(JSON.parse(restore!.Properties.Targets![0]!.Input as string)).toEqual({ cacheId: 'orders' });
    expect(ofType(resources, 'AWS::Lambda::Permission').map((p) => p.Properties.SourceArn)).toEqual([
      { 'Fn::GetAtt': ['BackupOrdersScheduleRule', 'Arn'] },
      { 'Fn::GetAtt': ['TestRestoreOrdersScheduleRule', 'Arn'] },
    ]);
  });

  // EventBridge PutRule, Name: 1 to 64 characters of [.\-_A-Za-z0-9].
  it('name rules within the 64 characters EventBridge allows, distinct for distinct caches', () => {
    const long = (suffix: string) => `${'a'.repeat(38)}${suffix}`;
    const names = ['x1', 'x2'].map((s) =>
      alarms.ruleName('cache-outage-workflow', 'production', 'test-restore', long(s)),
    );
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^cache-outage-workflow-production-test-restore-[.\-_A-Za-z0-9]+$/);
    }
    expect(names[0]).not.toBe(names[1]);
    expect(() => alarms.ruleName('s'.repeat(40), 'stage-name-long', 'test-restore', 'orders')).toThrow(
      /exceeds 64 characters/,
    );
  });
});

describe('backup freshness alarm', () => {
  const alarmOf = (c: ProtectedCache) =>
    Object.values(alarms.backupAgeAlarm(c, { healthPrefix: 'svc-dev-health-', namespace: 'CacheOutageWorkflow' }))[0]!
      .Properties;

  it('alarms the operators only, above the RPO, when reports stop, over two backup intervals', () => {
    expect(alarmOf(cache('orders', { intervalMinutes: 15, rpoMinutes: 60 }))).toMatchObject({
      AlarmName: 'svc-dev-health-orders-backup-age',
      Namespace: 'CacheOutageWorkflow',
      MetricName: 'BackupAgeSeconds',
      Dimensions: [{ Name: 'CacheId', Value: 'orders' }],
      Statistic: 'Maximum',
      Period: 1800,
      EvaluationPeriods: 1,
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'OperatorsTopic' }],
      OKActions: [{ Ref: 'OperatorsTopic' }],
    });
    // Without rpoMinutes, the RPO is maxAgeHours.
    expect(alarmOf(cache('orders', { maxAgeHours: 6 })).Threshold).toBe(21600);
  });

  // PutMetricAlarm, Period: a multiple of 60; Period × EvaluationPeriods at most 86,400 s below one hour, 604,800 s from one hour.
  it('keeps within the periods CloudWatch accepts, for every interval the configuration allows', () => {
    for (const intervalMinutes of [1, 29, 30, 31, 720, 1440]) {
      const a = alarmOf(cache('orders', { intervalMinutes }));
      const period = a.Period as number;
      const total = period * (a.EvaluationPeriods as number);
      expect(period % 60).toBe(0);
      expect(total).toBeLessThanOrEqual(period < 3600 ? 86_400 : 604_800);
    }
  });

  it('is the alarm the local stack evaluates, threshold for threshold', () => {
    const c = cache('orders', { intervalMinutes: 5, rpoMinutes: 30 });
    const deployed = alarmOf(c);
    const [local] = backupAgeAlarmSpecs('svc', [c], 'arn:aws:sns:us-east-1:000000000000:operators');
    expect(local).toMatchObject({
      namespace: deployed.Namespace,
      metricName: deployed.MetricName,
      dimensions: { CacheId: 'orders' },
      statistic: deployed.Statistic,
      periodSeconds: deployed.Period,
      evaluationPeriods: deployed.EvaluationPeriods,
      datapointsToAlarm: deployed.DatapointsToAlarm,
      threshold: deployed.Threshold,
      comparisonOperator: deployed.ComparisonOperator,
      treatMissingData: deployed.TreatMissingData,
    });
  });
});

describe('probe alarm settings', () => {
  const params = (over: Record<string, string> = {}) => {
    const values: Record<string, string> = {
      'param:probeIntervalSeconds': '10',
      'param:probeAlarmPeriodSeconds': '10',
      'param:probeAlarmEvaluationPeriods': '3',
      'param:probeAlarmDatapointsToAlarm': '3',
      ...Object.fromEntries(Object.entries(over).map(([k, v]) => [`param:${k}`, v])),
    };
    return async (name: string) => values[name] ?? '';
  };

  it("are serverless.yml's params as numbers", async () => {
    await expect(alarms.probeAlarmSettings(params())).resolves.toEqual({
      probeIntervalSeconds: 10,
      periodSeconds: 10,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
  });

  it('refuse a period PutMetricAlarm refuses, and one that may hold no probe round, at package time', async () => {
    await expect(alarms.probeAlarmSettings(params({ probeAlarmPeriodSeconds: '15' }))).rejects.toThrow(
      /probe alarm's params are invalid: the alarm period must be 10, 20, 30 or a multiple of 60 s, got 15/,
    );
    await expect(alarms.probeAlarmSettings(params({ probeIntervalSeconds: '20' }))).rejects.toThrow(
      /must be a multiple of the probe interval/,
    );
    await expect(alarms.probeAlarmSettings(params({ probeAlarmDatapointsToAlarm: '4' }))).rejects.toThrow(
      /datapoints to alarm/,
    );
  });
});
