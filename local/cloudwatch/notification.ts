/**
 * The message CloudWatch publishes to an SNS topic named in an alarm's
 * AlarmActions / OKActions: a JSON document with the alarm, its new and old
 * state and its trigger, under the subject `ALARM: "<name>" in <Region name>`
 * (the shape of AWS's own deliveries, e.g. test/fixtures/events/sns-alarm.json;
 * CloudWatch User Guide, "Notifying users on alarm changes").
 */

type StateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** What a notification tells of a metric alarm (a subset of local/cloudwatch's MetricAlarmSpec). */
export interface NotifiedAlarm {
  alarmName: string;
  description?: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: string;
  treatMissingData: string;
  alarmActions?: string[];
  okActions?: string[];
}

/** The Region names CloudWatch writes in `Region` and in the subject. */
const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'sa-east-1': 'South America (Sao Paulo)',
};

export function regionName(region: string): string {
  return REGION_NAMES[region] ?? region;
}

/** SNS refuses a subject of more than 100 characters (Publish, `Subject`). */
const MAX_SUBJECT_LENGTH = 100;

export interface AlarmTransition {
  spec: NotifiedAlarm;
  newState: StateValue;
  oldState: StateValue;
  reason: string;
  /** CloudWatch's timestamp format: `2024-05-14T09:30:44.771+0000`. */
  stateChangeTime: string;
  configurationUpdated: string;
  region: string;
  accountId: string;
}

/**
 * The subject CloudWatch gives the notification. AWS does not document what it
 * does with a name too long for SNS's 100 characters; the local stack shortens
 * the name inside the quotes so that the publication is accepted.
 */
export function notificationSubject(t: Pick<AlarmTransition, 'spec' | 'newState' | 'region'>): string {
  const around = `${t.newState}: "" in ${regionName(t.region)}`;
  const room = MAX_SUBJECT_LENGTH - around.length;
  const name = t.spec.alarmName.length <= room ? t.spec.alarmName : `${t.spec.alarmName.slice(0, room - 3)}...`;
  return `${t.newState}: "${name}" in ${regionName(t.region)}`;
}

export function notificationMessage(t: AlarmTransition): string {
  const { spec } = t;
  return JSON.stringify({
    AlarmName: spec.alarmName,
    AlarmDescription: spec.description ?? null,
    AWSAccountId: t.accountId,
    AlarmConfigurationUpdatedTimestamp: t.configurationUpdated,
    NewStateValue: t.newState,
    NewStateReason: t.reason,
    StateChangeTime: t.stateChangeTime,
    Region: regionName(t.region),
    AlarmArn: `arn:aws:cloudwatch:${t.region}:${t.accountId}:alarm:${spec.alarmName}`,
    OldStateValue: t.oldState,
    OKActions: spec.okActions ?? [],
    AlarmActions: spec.alarmActions ?? [],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: spec.metricName,
      Namespace: spec.namespace,
      StatisticType: 'Statistic',
      Statistic: spec.statistic === 'SampleCount' ? 'SAMPLE_COUNT' : spec.statistic.toUpperCase(),
      Unit: null,
      Dimensions: Object.entries(spec.dimensions).map(([name, value]) => ({ value, name })),
      Period: spec.periodSeconds,
      EvaluationPeriods: spec.evaluationPeriods,
      DatapointsToAlarm: spec.datapointsToAlarm,
      ComparisonOperator: spec.comparisonOperator,
      Threshold: spec.threshold,
      TreatMissingData: spec.treatMissingData,
      EvaluateLowSampleCountPercentile: '',
    },
  });
}
