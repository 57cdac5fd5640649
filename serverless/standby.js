/**
 * The warm standby of each protected cache that has one, merged into
 * `resources` by serverless.yml (`${file(./serverless/standby.js):resources}`):
 *
 * - the mirror schedule: an EventBridge rule invoking the `mirror` function
 *   with `{"cacheId": …}` every `standby.intervalMinutes`;
 * - the lag alarm `<service>-<stage>-health-<cache>-mirror-lag`, to the
 *   operators only (a standby falling behind is no outage);
 * - with `standby.declared`, the standby itself: an ElastiCache replication
 *   group named `standby.replicationGroupId`, built from the cache's
 *   `replacement` settings, encrypted in transit and at rest, answering with
 *   the cache's AUTH token.
 */
const { load, standbyMaxLagSeconds } = require('./config');
const { scheduleResources, ruleName, logicalId, rate } = require('./alarms');

/**
 * The lag alarm's period: two mirror intervals. Each cycle reports
 * MirrorLagSeconds once it has succeeded once, so every window of two
 * intervals holds a report while the schedule runs; an empty one means the
 * mirror stopped reporting (its schedule disabled, the function failing
 * before it records, or no cycle ever succeeded) and is as unsafe as a stale
 * standby. Multiples of 60 s, as PutMetricAlarm requires of `Period`.
 */
const mirrorAlarmPeriodSeconds = (intervalMinutes) => 2 * intervalMinutes * 60;

function mirrorSchedule(cache, { service, stage }) {
  const { intervalMinutes, replicationGroupId } = cache.standby;
  return scheduleResources({
    idPrefix: 'Mirror',
    name: ruleName(service, stage, 'mirror', cache.id),
    description: `Mirrors ${cache.displayName} (${cache.id}) into its standby ${replicationGroupId} every ${intervalMinutes} minute(s).`,
    expression: rate(intervalMinutes, 'minute'),
    functionLogicalId: 'MirrorLambdaFunction',
    cacheId: cache.id,
    // A cycle delivered late is still worth running until the next one is due (60 s is EventBridge's minimum).
    maxEventAgeSeconds: Math.max(60, intervalMinutes * 60),
  });
}

/**
 * Maximum over two intervals, one evaluation period: the first lagging report
 * alarms. Missing data is breaching (see mirrorAlarmPeriodSeconds): a new
 * deployment is in ALARM until its first cycle succeeds. OK actions too, so
 * the operators hear when the standby is back in step.
 */
function mirrorLagAlarm(cache, { healthPrefix, namespace }) {
  const threshold = standbyMaxLagSeconds(cache.standby);
  const period = mirrorAlarmPeriodSeconds(cache.standby.intervalMinutes);
  return {
    [logicalId('Health', cache.id, 'Mirror', 'Lag', 'Alarm')]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${healthPrefix}${cache.id}-mirror-lag`,
        AlarmDescription: `The standby ${cache.standby.replicationGroupId} of ${cache.displayName} (${cache.id}) was last mirrored more than ${threshold} s ago, or the mirror reported nothing for ${period / 60} minutes: a cut-over to it would write back more from the source of truth. No incident is opened.`,
        Namespace: namespace,
        MetricName: 'MirrorLagSeconds',
        Dimensions: [{ Name: 'CacheId', Value: cache.id }],
        Statistic: 'Maximum',
        Period: period,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'OperatorsTopic' }],
        OKActions: [{ Ref: 'OperatorsTopic' }],
      },
    },
  };
}

/**
 * The standby group the stack declares, from the cache's `replacement`
 * settings. In-transit encryption is what lets it take an AUTH token
 * (CreateReplicationGroup, `AuthToken`); the token comes from the cache's
 * SecureString parameter through an `ssm-secure` dynamic reference, which
 * AWS::ElastiCache::ReplicationGroup's AuthToken supports ("Get a secure
 * string value from Systems Manager Parameter Store", CloudFormation User Guide).
 */
function declaredStandby(cache, { service, stage }) {
  const r = cache.replacement;
  const id = cache.standby.replicationGroupId;
  const failover = r.numCacheClusters > 1;
  return {
    [logicalId('Standby', cache.id, 'Replication', 'Group')]: {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        ReplicationGroupId: id,
        ReplicationGroupDescription: `Warm standby of ${cache.displayName} (${cache.id}), mirrored by ${service}-${stage}`,
        Engine: r.engine,
        ...(r.engineVersion ? { EngineVersion: r.engineVersion } : {}),
        CacheNodeType: r.nodeType,
        NumCacheClusters: r.numCacheClusters,
        AutomaticFailoverEnabled: failover,
        MultiAZEnabled: failover,
        Port: r.port,
        ...(r.cacheSubnetGroupName ? { CacheSubnetGroupName: r.cacheSubnetGroupName } : {}),
        ...(r.securityGroupIds.length ? { SecurityGroupIds: r.securityGroupIds } : {}),
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
        ...(cache.authTokenParameter ? { AuthToken: `{{resolve:ssm-secure:${cache.authTokenParameter}}}` } : {}),
        Tags: [
          { Key: 'cache-outage:cache-id', Value: cache.id },
          { Key: 'cache-outage:role', Value: 'standby' },
        ],
      },
    },
  };
}

async function resources({ resolveVariable }) {
  const { caches } = load();
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const namespace = await resolveVariable('param:metricsNamespace');
  const healthPrefix = `${service}-${stage}-health-`;
  const Resources = {};
  for (const cache of caches) {
    if (!cache.standby) continue;
    Object.assign(
      Resources,
      mirrorSchedule(cache, { service, stage }),
      mirrorLagAlarm(cache, { healthPrefix, namespace }),
      cache.standby.declared ? declaredStandby(cache, { service, stage }) : {},
    );
  }
  return { Resources };
}

module.exports = { resources, mirrorSchedule, mirrorLagAlarm, mirrorAlarmPeriodSeconds, declaredStandby };
