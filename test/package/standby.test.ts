/**
 * serverless/standby.js: per cache with a standby, its mirror schedule, its
 * lag alarm and, when declared, the standby group, within AWS's limits.
 */
import { protectedCacheSchema, standbyMaxLagSeconds, type ProtectedCache } from '../../functions/domain/caches';
import { childProcesses } from '../e2e/processes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const standby = require('../../serverless/standby.js') as {
  mirrorSchedule(cache: ProtectedCache, ctx: { service: string; stage: string }): Record<string, Resource>;
  mirrorLagAlarm(cache: ProtectedCache, ctx: { healthPrefix: string; namespace: string }): Record<string, Resource>;
  declaredStandby(cache: ProtectedCache, ctx: { service: string; stage: string }): Record<string, Resource>;
};

interface Resource {
  Type: string;
  Properties: Record<string, unknown> & { Targets?: Record<string, unknown>[] };
}

const cache = (overrides: Record<string, unknown> = {}): ProtectedCache =>
  protectedCacheSchema.parse({
    id: 'orders',
    displayName: 'orders',
    endpoint: { host: 'redis.example.net', port: 6379, tls: true },
    endpointParameter: '/cache-outage/orders/endpoint',
    authTokenParameter: '/cache-outage/orders/auth-token',
    standby: { replicationGroupId: 'orders-standby', declared: true },
    replacement: { cacheSubnetGroupName: 'cache-private', securityGroupIds: ['sg-1'], engineVersion: '8.0' },
    ...overrides,
  });
const ctx = { service: 'cache-outage-workflow', stage: 'dev' };
const only = (resources: Record<string, Resource>, type: string): Resource => {
  const found = Object.values(resources).filter((r) => r.Type === type);
  expect(found).toHaveLength(1);
  return found[0] as Resource;
};

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

describe('the mirror schedule', () => {
  it('invokes the mirror function every intervalMinutes with the cache id, singular for 1 as EventBridge requires', () => {
    const rule = only(standby.mirrorSchedule(cache(), ctx), 'AWS::Events::Rule');
    expect(rule.Properties).toMatchObject({
      Name: 'cache-outage-workflow-dev-mirror-orders',
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });
    const [target] = rule.Properties.Targets!;
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': ['MirrorLambdaFunction', 'Arn'] },
      RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
    });
    expect(JSON.parse(target!.Input as string)).toEqual({ cacheId: 'orders' });
    const every5 = cache({ standby: { replicationGroupId: 'orders-standby', intervalMinutes: 5 } });
    expect(only(standby.mirrorSchedule(every5, ctx), 'AWS::Events::Rule').Properties.ScheduleExpression).toBe(
      'rate(5 minutes)',
    );
  });
});

describe('the lag alarm', () => {
  it('alarms the operators only when the lag passes maxLagMinutes or the mirror is silent for two intervals', () => {
    const c = cache({ standby: { replicationGroupId: 'orders-standby', intervalMinutes: 2, maxLagMinutes: 15 } });
    const alarm = only(
      standby.mirrorLagAlarm(c, { healthPrefix: 'cache-outage-workflow-dev-health-', namespace: 'CacheOutage' }),
      'AWS::CloudWatch::Alarm',
    );
    expect(alarm.Properties).toMatchObject({
      AlarmName: 'cache-outage-workflow-dev-health-orders-mirror-lag',
      Namespace: 'CacheOutage',
      MetricName: 'MirrorLagSeconds',
      Dimensions: [{ Name: 'CacheId', Value: 'orders' }],
      Statistic: 'Maximum',
      Period: 240,
      EvaluationPeriods: 1,
      Threshold: standbyMaxLagSeconds(c.standby!),
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'OperatorsTopic' }],
      OKActions: [{ Ref: 'OperatorsTopic' }],
    });
    expect(alarm.Properties.Threshold).toBe(900);
  });
});

describe('the declared standby', () => {
  it('is a replication group from the replacement settings, encrypted, with the cache token by ssm-secure', () => {
    const group = only(standby.declaredStandby(cache(), ctx), 'AWS::ElastiCache::ReplicationGroup');
    expect(group.Properties).toMatchObject({
      ReplicationGroupId: 'orders-standby',
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheNodeType: 'cache.r7g.large',
      NumCacheClusters: 2,
      CacheSubnetGroupName: 'cache-private',
      SecurityGroupIds: ['sg-1'],
      Port: 6379,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: '{{resolve:ssm-secure:/cache-outage/orders/auth-token}}',
    });
  });

  it('has no AuthToken when the cache has none', () => {
    const group = only(
      standby.declaredStandby(cache({ authTokenParameter: undefined }), ctx),
      'AWS::ElastiCache::ReplicationGroup',
    );
    expect(group.Properties).not.toHaveProperty('AuthToken');
  });
});
