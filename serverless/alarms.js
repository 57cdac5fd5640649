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
 *   the operators' topic only and never start the recovery workflow. The
 *   backup freshness alarm (`<cache>-backup-age`) is one of them.
 *
 * Besides the alarms, each cache the product backs up gets its backup
 * schedule (and, when enabled, its test-restore schedule): EventBridge rules
 * that invoke the `backup` / `testRestore` functions with `{"cacheId": …}`.
 */
const { createHash } = require('node:crypto');
const { load, incidentAlarmPrefix, backupRpoSeconds, domainModule } = require('./config');

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

/** EventBridge rule names: at most 64 characters of letters, digits, `.`, `-` and `_` (PutRule, `Name`). */
const RULE_NAME_MAX = 64;

/**
 * `<service>-<stage>-<kind>-<cache>`, so that the dead-letter queue's policy
 * (rules named `<service>-<stage>-*`) admits it. A cache id too long for the
 * limit is cut and suffixed with a hash of the whole id, so names stay unique.
 */
function ruleName(service, stage, kind, cacheId) {
  const prefix = `${service}-${stage}-${kind}-`;
  const full = `${prefix}${cacheId}`;
  if (full.length <= RULE_NAME_MAX) return full;
  const hash = createHash('sha256').update(cacheId).digest('hex').slice(0, 8);
  const room = RULE_NAME_MAX - prefix.length - hash.length - 1;
  if (room < 1)
    throw new Error(`the rule name "${full}" exceeds ${RULE_NAME_MAX} characters: use a shorter stage name`);
  return `${prefix}${cacheId.slice(0, room)}-${hash}`;
}

/** EventBridge rate expressions: the unit is singular for 1 and plural above ("Schedule expressions for rules"). */
const rate = (value, unit) => `rate(${value} ${value === 1 ? unit : `${unit}s`})`;

/**
 * A schedule rule invoking `functionLogicalId` with `{"cacheId": …}`, its
 * retries bounded to the run it is for, undeliverable runs kept in the
 * backup-failures queue (EventBridge "Using dead-letter queues to process
 * undelivered events"), and the permission that lets the rule invoke the function.
 */
function scheduleResources({
  idPrefix,
  name,
  description,
  expression,
  functionLogicalId,
  cacheId,
  maxEventAgeSeconds,
}) {
  const rule = logicalId(idPrefix, cacheId, 'Schedule', 'Rule');
  return {
    [rule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: name,
        Description: description,
        ScheduleExpression: expression,
        State: 'ENABLED',
        Targets: [
          {
            Id: idPrefix.toLowerCase(),
            Arn: { 'Fn::GetAtt': [functionLogicalId, 'Arn'] },
            Input: JSON.stringify({ cacheId }),
            RetryPolicy: { MaximumEventAgeInSeconds: maxEventAgeSeconds, MaximumRetryAttempts: 2 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['BackupFailuresQueue', 'Arn'] } },
          },
        ],
      },
    },
    [logicalId(idPrefix, cacheId, 'Schedule', 'Permission')]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': [functionLogicalId, 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rule, 'Arn'] },
      },
    },
  };
}

/** The backup schedule of one cache, and its test-restore schedule when enabled. */
function backupSchedules(cache, { service, stage }) {
  const { intervalMinutes, testRestore } = cache.backup;
  return {
    ...scheduleResources({
      idPrefix: 'Backup',
      name: ruleName(service, stage, 'backup', cache.id),
      description: `Backs up ${cache.displayName} (${cache.id}) to S3 every ${intervalMinutes} minute(s).`,
      expression: rate(intervalMinutes, 'minute'),
      functionLogicalId: 'BackupLambdaFunction',
      cacheId: cache.id,
      // Retries end when the next scheduled run is due (60 s is EventBridge's minimum).
      maxEventAgeSeconds: Math.max(60, intervalMinutes * 60),
    }),
    ...(testRestore.enabled
      ? scheduleResources({
          idPrefix: 'TestRestore',
          name: ruleName(service, stage, 'test-restore', cache.id),
          description: `Restores the newest backup of ${cache.displayName} (${cache.id}) and reads it back every ${testRestore.intervalDays} day(s).`,
          expression: rate(testRestore.intervalDays, 'day'),
          functionLogicalId: 'TestRestoreLambdaFunction',
          cacheId: cache.id,
          // EventBridge's maximum: a test restore that waits a few hours is still worth running.
          maxEventAgeSeconds: 86400,
        })
      : {}),
  };
}

/**
 * The period of the backup freshness alarm: two backup intervals. The backup
 * function reports BackupAgeSeconds once per run, so every window of two
 * intervals holds at least one report even when a run starts or ends a few
 * seconds (or most of an interval) late; a window with none means the
 * function stopped reporting. CloudWatch takes periods that are multiples of
 * 60 s, and Period × EvaluationPeriods of at most one day below one hour and
 * at most seven days from one hour (PutMetricAlarm, `Period`): two intervals
 * of at most 1440 minutes stay within both.
 */
const backupAlarmPeriodSeconds = (intervalMinutes) => 2 * intervalMinutes * 60;

/**
 * The freshness alarm of one cache: the newest verified backup is older than
 * the cache's RPO, or the backup function reported nothing for two intervals.
 * Maximum over the period with one evaluation period: the first stale report
 * alarms. Missing data is breaching ("Configuring how CloudWatch alarms treat
 * missing data"): since each period holds a report while the schedule runs
 * (see backupAlarmPeriodSeconds), only a function that stopped reporting —
 * failing before it measures, throttled, its schedule disabled — leaves one
 * empty, and that is as unsafe as a stale backup. A new deployment is in ALARM
 * until its first backup reports. Operators only: a stale backup is no outage.
 */
function backupAgeAlarm(cache, { healthPrefix, namespace }) {
  const rpoSeconds = backupRpoSeconds(cache.backup);
  const period = backupAlarmPeriodSeconds(cache.backup.intervalMinutes);
  return {
    [logicalId('Health', cache.id, 'Backup', 'Age', 'Alarm')]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${healthPrefix}${cache.id}-backup-age`,
        AlarmDescription: `The newest verified backup of ${cache.displayName} (${cache.id}) is older than its RPO (${rpoSeconds} s), or the backup function reported nothing for ${period / 60} minutes: a restore would lose more than the RPO allows. No incident is opened.`,
        Namespace: namespace,
        MetricName: 'BackupAgeSeconds',
        Dimensions: [{ Name: 'CacheId', Value: cache.id }],
        Statistic: 'Maximum',
        Period: period,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: rpoSeconds,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'OperatorsTopic' }],
        OKActions: [{ Ref: 'OperatorsTopic' }],
      },
    },
  };
}

/**
 * Scheduled backup and test-restore runs EventBridge could not deliver, and
 * asynchronous invocations of those functions that kept failing (the lead's
 * `destinations.onFailure`): kept 14 days, alarmed to the operators.
 */
function backupFailureResources({ service, stage }) {
  const queueArn = { 'Fn::GetAtt': ['BackupFailuresQueue', 'Arn'] };
  return {
    BackupFailuresQueue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: `${service}-${stage}-backup-failures`,
        MessageRetentionPeriod: 1209600,
        SqsManagedSseEnabled: true,
      },
    },
    BackupFailuresQueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: 'BackupFailuresQueue' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'EventBridgeDeadLetters',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn,
              Condition: {
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${service}-${stage}-*`,
                  },
                },
              },
            },
            {
              Sid: 'TlsOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sqs:*',
              Resource: queueArn,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
    BackupFailuresAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${service}-${stage}-health-backup-failures`,
        AlarmDescription:
          'Scheduled backups or test restores that could not run wait in the backup-failures queue; a protected cache may not have been backed up.',
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['BackupFailuresQueue', 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'OperatorsTopic' }],
      },
    },
  };
}

/**
 * The probe alarm's settings from serverless.yml's params, checked with the
 * rules of functions/domain/detection.ts: PutMetricAlarm takes a Period of
 * 10, 20, 30 or a multiple of 60 (the first three make a high-resolution
 * alarm, which needs a metric stored at one-second resolution, as the probe
 * publishes CacheReachable), and each period must hold probe rounds, or
 * missing data (not breaching) would count as good.
 */
async function probeAlarmSettings(resolveVariable) {
  const number = async (name) => Number(await resolveVariable(`param:${name}`));
  const settings = {
    probeIntervalSeconds: await number('probeIntervalSeconds'),
    periodSeconds: await number('probeAlarmPeriodSeconds'),
    evaluationPeriods: await number('probeAlarmEvaluationPeriods'),
    datapointsToAlarm: await number('probeAlarmDatapointsToAlarm'),
  };
  const problems = domainModule('detection').probeAlarmProblems(settings);
  if (problems.length) throw new Error(`the probe alarm's params are invalid: ${problems.join('; ')}`);
  return settings;
}

async function resources({ resolveVariable }) {
  const { caches } = load();
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const namespace = await resolveVariable('param:metricsNamespace');
  const incidentPrefix = await incidentAlarmPrefix(resolveVariable);
  const healthPrefix = `${service}-${stage}-health-`;
  const probe = await probeAlarmSettings(resolveVariable);
  const Resources = { ...backupFailureResources({ service, stage }) };

  for (const cache of caches) {
    if (!cache.backup) continue;
    if (cache.backup.method !== 'none') {
      Object.assign(Resources, backupSchedules(cache, { service, stage }));
      Object.assign(Resources, backupAgeAlarm(cache, { healthPrefix, namespace }));
    }
  }

  for (const cache of caches) {
    Resources[logicalId('Probe', cache.id, 'Alarm')] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${incidentPrefix}${cache.id}-unreachable`,
        AlarmDescription: `The synthetic probe could not PING ${cache.displayName} (${cache.id}) in ${probe.datapointsToAlarm} of the last ${probe.evaluationPeriods} periods of ${probe.periodSeconds} s. Opens an incident.`,
        Namespace: namespace,
        MetricName: 'CacheReachable',
        Dimensions: [{ Name: 'CacheId', Value: cache.id }],
        Statistic: 'Minimum',
        Period: probe.periodSeconds,
        EvaluationPeriods: probe.evaluationPeriods,
        DatapointsToAlarm: probe.datapointsToAlarm,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        // No datapoint means the probe did not report (throttled, failing, not
        // scheduled), not that the cache is down: a missing period counts as
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

module.exports = {
  resources,
  backupSchedules,
  backupAgeAlarm,
  backupAlarmPeriodSeconds,
  ruleName,
  scheduleResources,
  logicalId,
  rate,
  probeAlarmSettings,
};
