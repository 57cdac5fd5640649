/**
 * CloudWatch alarms generated from the protected caches configuration, merged
 * into `resources` by serverless.yml (`resources: - … - ${file(./serverless/alarms.js):resources}`).
 *
 * Two families, told apart by name:
 * - `<service>-<stage>-incident-<cache>-unreachable`: the synthetic probe
 *   cannot PING the cache. These open incidents: they notify the alarms topic
 *   and match the prefix the EventBridge rule of on-alarm filters on.
 * - `<service>-<stage>-health-<cache>-<metric>`: ElastiCache early warnings
 *   (CPU, memory, replication lag) and a probe that reports nothing for the
 *   cache. A busy cache or a silent probe is not an outage, so these go to
 *   the operators' topic only and never start the recovery workflow.
 */
const { load, incidentAlarmPrefix } = require('./config');

/** Logical ids allow letters and digits only. */
const logicalId = (...parts) =>
  parts
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');

/** ElastiCache names the member clusters of a replication group `<group>-001`, `<group>-002`, … */
const memberClusterIds = (replicationGroupId, count) =>
  Array.from({ length: count }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, '0')}`);

/** One alarm on the maximum of a node metric across every member cluster (metric math). */
function maxOverMembers({ name, description, metricName, members, threshold, periods, topic }) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: threshold,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      TreatMissingData: 'notBreaching',
      Metrics: [
        ...members.map((cacheClusterId, i) => ({
          Id: `m${i + 1}`,
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ElastiCache',
              MetricName: metricName,
              Dimensions: [{ Name: 'CacheClusterId', Value: cacheClusterId }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        })),
        {
          Id: 'worst',
          Label: `max ${metricName}`,
          Expression: `MAX([${members.map((_, i) => `m${i + 1}`).join(', ')}])`,
          ReturnData: true,
        },
      ],
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    },
  };
}

async function resources({ resolveVariable }) {
  const { caches } = load();
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const namespace = await resolveVariable('param:metricsNamespace');
  const incidentPrefix = await incidentAlarmPrefix(resolveVariable);
  const healthPrefix = `${service}-${stage}-health-`;
  const Resources = {};

  for (const cache of caches) {
    Resources[logicalId('Probe', cache.id, 'Alarm')] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${incidentPrefix}${cache.id}-unreachable`,
        AlarmDescription: `The synthetic probe could not PING ${cache.displayName} (${cache.id}) in 2 of the last 3 minutes. Opens an incident.`,
        Namespace: namespace,
        MetricName: 'CacheReachable',
        Dimensions: [{ Name: 'CacheId', Value: cache.id }],
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        // No datapoint means the probe did not report (throttled, failing, not
        // scheduled), not that the cache is down: a missing minute counts as
        // good, so only measured failures open an incident (CloudWatch
        // "Configuring how CloudWatch alarms treat missing data"). The probe's
        // own silence alarms the operators below and in ProbeErrorsAlarm.
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlarmsTopic' }],
      },
    };

    // The probe reported nothing for this cache for 3 minutes: the operators
    // are told that it is unwatched; no incident, no customer notice.
    Resources[logicalId('Health', cache.id, 'Probe', 'Silent', 'Alarm')] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${healthPrefix}${cache.id}-probe-silent`,
        AlarmDescription: `The synthetic probe reported nothing for ${cache.displayName} (${cache.id}) in the last 3 minutes: the cache is not being watched.`,
        Namespace: namespace,
        MetricName: 'CacheReachable',
        Dimensions: [{ Name: 'CacheId', Value: cache.id }],
        Statistic: 'SampleCount',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'OperatorsTopic' }],
        OKActions: [{ Ref: 'OperatorsTopic' }],
      },
    };

    if (!cache.replicationGroupId) continue;
    const members = memberClusterIds(cache.replicationGroupId, cache.replacement.numCacheClusters);
    const health = (metric) => `${healthPrefix}${cache.id}-${metric}`;
    Resources[logicalId('Health', cache.id, 'Cpu', 'Alarm')] = maxOverMembers({
      name: health('engine-cpu'),
      description: `Engine CPU of ${cache.replicationGroupId} above 90% for 5 minutes.`,
      metricName: 'EngineCPUUtilization',
      members,
      threshold: 90,
      periods: 5,
      topic: 'OperatorsTopic',
    });
    Resources[logicalId('Health', cache.id, 'Memory', 'Alarm')] = maxOverMembers({
      name: health('memory'),
      description: `Memory usage of ${cache.replicationGroupId} above 90% for 5 minutes: evictions or OOM errors follow.`,
      metricName: 'DatabaseMemoryUsagePercentage',
      members,
      threshold: 90,
      periods: 5,
      topic: 'OperatorsTopic',
    });
    if (members.length > 1) {
      Resources[logicalId('Health', cache.id, 'Replication', 'Lag', 'Alarm')] = maxOverMembers({
        name: health('replication-lag'),
        description: `A replica of ${cache.replicationGroupId} is more than 30 seconds behind: promoting it would lose writes.`,
        metricName: 'ReplicationLag',
        members,
        threshold: 30,
        periods: 3,
        topic: 'OperatorsTopic',
      });
    }
  }
  return { Resources };
}

module.exports = { resources };
