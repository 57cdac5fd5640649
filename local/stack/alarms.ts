import type { ProtectedCache } from '../../functions/domain/caches';
import type { MetricAlarmSpec } from '../cloudwatch';

/**
 * The probe alarm serverless.yml declares for each protected cache:
 * CacheReachable Minimum < 1 in 2 of 3 one-minute periods, missing data not
 * breaching (a probe that did not report has not measured an outage).
 */
export function probeAlarmName(service: string, cacheId: string): string {
  return `${incidentAlarmPrefix(service)}${cacheId}-unreachable`;
}

/** The name prefix of the local stack's incident alarms (INCIDENT_ALARM_PREFIX of on-alarm). */
export function incidentAlarmPrefix(service: string): string {
  return `${service}-local-incident-`;
}

export function probeAlarmSpecs(service: string, caches: ProtectedCache[]): MetricAlarmSpec[] {
  return caches.map((c) => ({
    alarmName: probeAlarmName(service, c.id),
    description: `The probe cannot PING cache ${c.id}`,
    namespace: 'CacheOutageWorkflow',
    metricName: 'CacheReachable',
    dimensions: { CacheId: c.id },
    statistic: 'Minimum',
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 1,
    comparisonOperator: 'LessThanThreshold',
    treatMissingData: 'notBreaching',
  }));
}
