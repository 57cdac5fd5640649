import { backupRpoSeconds, standbyMaxLagSeconds, type ProtectedCache } from '../../functions/domain/caches';
import { probeAlarmProblems, type ProbeAlarmSettings } from '../../functions/domain/detection';
import type { MetricAlarmSpec } from '../cloudwatch';

/** The probe's settings in serverless.yml's params (serverless/alarms.js reads the same ones). */
export function probeAlarmSettings(params: Record<string, string>): ProbeAlarmSettings {
  const number = (name: string) => {
    const raw = params[name];
    if (raw === undefined) throw new Error(`serverless.yml: params.default.${name} is not set`);
    return Number(raw);
  };
  const settings = {
    probeIntervalSeconds: number('probeIntervalSeconds'),
    periodSeconds: number('probeAlarmPeriodSeconds'),
    evaluationPeriods: number('probeAlarmEvaluationPeriods'),
    datapointsToAlarm: number('probeAlarmDatapointsToAlarm'),
  };
  const problems = probeAlarmProblems(settings);
  if (problems.length) throw new Error(`the probe alarm's params are invalid: ${problems.join('; ')}`);
  return settings;
}

/**
 * The probe alarm serverless/alarms.js declares for each protected cache:
 * CacheReachable Minimum < 1 in DatapointsToAlarm of EvaluationPeriods
 * periods (by default 3 of 3 periods of 10 s), missing data not breaching (a
 * probe that did not report has not measured an outage).
 */
export function probeAlarmName(service: string, cacheId: string): string {
  return `${incidentAlarmPrefix(service)}${cacheId}-unreachable`;
}

/** The name prefix of the local stack's incident alarms (INCIDENT_ALARM_PREFIX of on-alarm). */
export function incidentAlarmPrefix(service: string): string {
  return `${service}-local-incident-`;
}

export function probeAlarmSpecs(
  service: string,
  caches: ProtectedCache[],
  settings: ProbeAlarmSettings,
): MetricAlarmSpec[] {
  return caches.map((c) => ({
    alarmName: probeAlarmName(service, c.id),
    description: `The probe cannot PING cache ${c.id}`,
    namespace: 'CacheOutageWorkflow',
    metricName: 'CacheReachable',
    dimensions: { CacheId: c.id },
    statistic: 'Minimum',
    periodSeconds: settings.periodSeconds,
    evaluationPeriods: settings.evaluationPeriods,
    datapointsToAlarm: settings.datapointsToAlarm,
    threshold: 1,
    comparisonOperator: 'LessThanThreshold',
    treatMissingData: 'notBreaching',
  }));
}

/** The name of a cache's backup freshness alarm in the local stack (`-health-`: operators only). */
export function backupAgeAlarmName(service: string, cacheId: string): string {
  return `${service}-local-health-${cacheId}-backup-age`;
}

/** Caches whose backups the product makes on a schedule (the others' backups come from elsewhere). */
export function scheduledBackupCaches(caches: readonly ProtectedCache[]): ProtectedCache[] {
  return caches.filter((c) => c.backup !== undefined && c.backup.method !== 'none');
}

/**
 * The backup freshness alarm serverless/alarms.js declares for each cache the
 * product backs up: BackupAgeSeconds Maximum above the cache's RPO over one
 * period of two backup intervals, missing data breaching (a backup function
 * that stops reporting alarms too), to the operators' topic only.
 */
export function backupAgeAlarmSpecs(
  service: string,
  caches: readonly ProtectedCache[],
  operatorsTopicArn: string,
): MetricAlarmSpec[] {
  return scheduledBackupCaches(caches).map((c) => {
    const backup = c.backup as NonNullable<ProtectedCache['backup']>;
    return {
      alarmName: backupAgeAlarmName(service, c.id),
      description: `The newest verified backup of cache ${c.id} is older than its RPO, or the backup function reported nothing for two intervals.`,
      namespace: 'CacheOutageWorkflow',
      metricName: 'BackupAgeSeconds',
      dimensions: { CacheId: c.id },
      statistic: 'Maximum',
      periodSeconds: 2 * backup.intervalMinutes * 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: backupRpoSeconds(backup),
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'breaching',
      alarmActions: [operatorsTopicArn],
      okActions: [operatorsTopicArn],
    };
  });
}

/** The name of a cache's mirror lag alarm in the local stack (`-health-`: operators only). */
export function mirrorLagAlarmName(service: string, cacheId: string): string {
  return `${service}-local-health-${cacheId}-mirror-lag`;
}

/**
 * The lag alarm serverless/standby.js declares for each cache with a standby:
 * MirrorLagSeconds Maximum above maxLagMinutes over one period of two mirror
 * intervals, missing data breaching (a mirror that stops reporting, or never
 * succeeded, alarms too), to the operators' topic only.
 */
export function mirrorLagAlarmSpecs(
  service: string,
  caches: readonly ProtectedCache[],
  operatorsTopicArn: string,
): MetricAlarmSpec[] {
  return caches.flatMap((c) =>
    c.standby
      ? [
          {
            alarmName: mirrorLagAlarmName(service, c.id),
            description: `The standby of cache ${c.id} was last mirrored longer ago than its limit, or the mirror reported nothing for two intervals.`,
            namespace: 'CacheOutageWorkflow',
            metricName: 'MirrorLagSeconds',
            dimensions: { CacheId: c.id },
            statistic: 'Maximum',
            periodSeconds: 2 * c.standby.intervalMinutes * 60,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            threshold: standbyMaxLagSeconds(c.standby),
            comparisonOperator: 'GreaterThanThreshold',
            treatMissingData: 'breaching',
            alarmActions: [operatorsTopicArn],
            okActions: [operatorsTopicArn],
          },
        ]
      : [],
  );
}
