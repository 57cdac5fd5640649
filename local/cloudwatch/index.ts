/**
 * Local CloudWatch: metrics arrive as embedded-metric-format log lines (as in
 * AWS, where CloudWatch Logs extracts them), metric alarms are evaluated on
 * them period by period, and each state change is emitted as the EventBridge
 * "CloudWatch Alarm State Change" event AWS publishes. An alarm's actions
 * publish CloudWatch's notification to the SNS topics they name: AlarmActions
 * on a transition to ALARM, OKActions on a transition to OK.
 *
 * Resolution, as CloudWatch has it: a value whose EMF metric definition says
 * `StorageResolution: 1` is kept at its own time; any other is stored at
 * one-minute resolution, i.e. at the start of its minute ("Specification:
 * Embedded metric format", MetricDefinition). An alarm's Period is 10, 20,
 * 30 or a multiple of 60 (PutMetricAlarm, `Period`); a 10-, 20- or 30-second
 * period over a standard-resolution metric is accepted, and its periods that
 * hold no minute start stay empty, as the PutMetricAlarm reference describes.
 * Minutes and periods are multiplied by the time scale alike.
 */
import { randomUUID } from 'node:crypto';
import { notificationMessage, notificationSubject } from './notification';

export type ComparisonOperator =
  'LessThanThreshold' | 'GreaterThanThreshold' | 'LessThanOrEqualToThreshold' | 'GreaterThanOrEqualToThreshold';
export type Statistic = 'Minimum' | 'Maximum' | 'Average' | 'Sum' | 'SampleCount';
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface MetricAlarmSpec {
  alarmName: string;
  description?: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: Statistic;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  /** SNS topic ARNs notified on a transition to ALARM. */
  alarmActions?: string[];
  /** SNS topic ARNs notified on a transition to OK. */
  okActions?: string[];
  /**
   * This alarm's own time scale, for a metric reported by a schedule that runs on another scale
   * than the stack's alarms (default: the stack's `timeScale`). Not a CloudWatch setting.
   */
  timeScale?: number;
}

export interface AlarmStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'CloudWatch Alarm State Change';
  source: 'aws.cloudwatch';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    alarmName: string;
    state: { value: AlarmStateValue; reason: string; reasonData: string; timestamp: string };
    previousState: { value: AlarmStateValue; reason: string; timestamp: string };
    configuration: {
      description?: string;
      metrics: {
        id: string;
        metricStat: {
          metric: { namespace: string; name: string; dimensions: Record<string, string> };
          period: number;
          stat: Statistic;
        };
        returnData: boolean;
      }[];
    };
  };
}

interface Datapoint {
  at: number;
  value: number;
}

/** Periods PutMetricAlarm accepts below a minute (high-resolution alarms); above, multiples of 60. */
const HIGH_RESOLUTION_PERIODS = [10, 20, 30];

/** PutMetricAlarm's rules on a metric alarm's period (PutMetricAlarm, `Period`); AWS's error name, our wording. */
export function validateAlarmSpec(spec: MetricAlarmSpec): void {
  const p = spec.periodSeconds;
  const fail = (message: string) => {
    throw Object.assign(new Error(`${spec.alarmName}: ${message}`), { name: 'InvalidParameterValue' });
  };
  if (!Number.isInteger(p) || !(HIGH_RESOLUTION_PERIODS.includes(p) || (p >= 60 && p % 60 === 0)))
    fail(`Period must be 10, 20, 30 or a multiple of 60, got ${p}`);
  const window = p * spec.evaluationPeriods;
  if (window > 604_800 || (p < 3600 && window > 86_400))
    fail(`Period × EvaluationPeriods (${window} s) exceeds one day (seven days for periods of an hour or more)`);
  if (spec.datapointsToAlarm < 1 || spec.datapointsToAlarm > spec.evaluationPeriods)
    fail(`DatapointsToAlarm must be from 1 to EvaluationPeriods (${spec.evaluationPeriods})`);
}

interface AlarmRuntime {
  spec: MetricAlarmSpec;
  state: AlarmStateValue;
  reason: string;
  changedAt: number;
  /** Periods that started before the alarm existed are not evaluated. */
  createdAt: number;
  /** When the alarm's configuration was last written (AlarmConfigurationUpdatedTimestamp). */
  configuredAt: number;
}

/** Publishes one message to an SNS topic, as CloudWatch's alarm actions do. */
export type AlarmActionPublisher = (topicArn: string, subject: string, message: string) => Promise<void>;

export interface LocalCloudWatchOptions {
  alarms: MetricAlarmSpec[];
  /** Multiplies every alarm period: 1/60 turns one-minute periods into one-second periods. */
  timeScale?: number;
  region: string;
  accountId: string;
  onStateChange: (event: AlarmStateChangeEvent) => void;
  /** Where alarm actions publish; without it, actions are not run. */
  publish?: AlarmActionPublisher;
  /** An action that could not publish (CloudWatch records it in the alarm's history). */
  onActionError?: (alarmName: string, topicArn: string, error: unknown) => void;
  now?: () => number;
}

/** CloudWatch's timestamp format in alarm events: `2026-11-26T10:00:00.000+0000`. */
function cwTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function statistic(values: number[], stat: Statistic): number {
  switch (stat) {
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

function breaches(value: number, op: ComparisonOperator, threshold: number): boolean {
  switch (op) {
    case 'LessThanThreshold':
      return value < threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
  }
}

const OP_WORDS: Record<ComparisonOperator, string> = {
  LessThanThreshold: 'less than',
  GreaterThanThreshold: 'greater than',
  LessThanOrEqualToThreshold: 'less than or equal to',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
};

function seriesKey(namespace: string, metricName: string, dimensions: Record<string, string>): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join(',');
  return `${namespace}|${metricName}|${dims}`;
}

export class LocalCloudWatch {
  private readonly series = new Map<string, Datapoint[]>();
  private alarms: AlarmRuntime[];
  private readonly timeScale: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LocalCloudWatchOptions) {
    this.timeScale = options.timeScale ?? 1;
    this.now = options.now ?? Date.now;
    options.alarms.forEach(validateAlarmSpec);
    const t = this.now();
    this.alarms = options.alarms.map((spec) => ({
      spec,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      changedAt: t,
      createdAt: t,
      configuredAt: t,
    }));
  }

  /** Accepts one embedded-metric-format document; returns how many datapoints it held. */
  putEmf(doc: Record<string, unknown>): number {
    const aws = doc._aws as
      | {
          Timestamp?: number;
          CloudWatchMetrics?: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; StorageResolution?: number }[];
          }[];
        }
      | undefined;
    if (!aws?.CloudWatchMetrics) return 0;
    const at = typeof aws.Timestamp === 'number' ? aws.Timestamp : this.now();
    let count = 0;
    for (const directive of aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions.length ? directive.Dimensions : [[]]) {
        const dimensions: Record<string, string> = {};
        for (const name of dimensionSet) dimensions[name] = String(doc[name]);
        for (const metric of directive.Metrics) {
          const raw = doc[metric.Name];
          const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
          for (const value of values) {
            this.put(directive.Namespace, metric.Name, dimensions, value, at, metric.StorageResolution === 1 ? 1 : 60);
            count += 1;
          }
        }
      }
    }
    return count;
  }

  /** Stores one value: at its own time at high resolution (1), at the start of its (scaled) minute at standard (60). */
  put(
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    value: number,
    at = this.now(),
    storageResolution: 1 | 60 = 60,
  ): void {
    const key = seriesKey(namespace, metricName, dimensions);
    const points = this.series.get(key) ?? [];
    const minuteMs = 60_000 * this.timeScale;
    points.push({ at: storageResolution === 1 ? at : Math.floor(at / minuteMs) * minuteMs, value });
    if (points.length > 10_000) points.splice(0, points.length - 10_000);
    this.series.set(key, points);
  }

  /** Replaces the alarm definitions (as a stack update would); new alarms start in INSUFFICIENT_DATA. */
  setAlarms(specs: MetricAlarmSpec[]): void {
    specs.forEach(validateAlarmSpec);
    const t = this.now();
    this.alarms = specs.map((spec) => ({
      spec,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      changedAt: t,
      createdAt: t,
      configuredAt: t,
    }));
    if (this.timer) {
      this.stop();
      this.start();
    }
  }

  stateOf(alarmName: string): AlarmStateValue | undefined {
    return this.alarms.find((a) => a.spec.alarmName === alarmName)?.state;
  }

  /** Evaluates every alarm over its last complete periods. */
  evaluate(): void {
    const now = this.now();
    for (const alarm of this.alarms) this.evaluateOne(alarm, now);
  }

  start(): void {
    if (this.timer) return;
    const t = this.now();
    for (const alarm of this.alarms) alarm.createdAt = t;
    const shortestMs = Math.min(
      ...this.alarms.map((a) => a.spec.periodSeconds * 1000 * (a.spec.timeScale ?? this.timeScale)),
      60_000 * this.timeScale,
    );
    const everyMs = Math.max(100, Math.round(shortestMs));
    this.timer = setInterval(() => this.evaluate(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private evaluateOne(alarm: AlarmRuntime, now: number): void {
    const { spec } = alarm;
    const periodMs = spec.periodSeconds * 1000 * (spec.timeScale ?? this.timeScale);
    const points = this.series.get(seriesKey(spec.namespace, spec.metricName, spec.dimensions)) ?? [];
    const lastEnd = Math.floor(now / periodMs) * periodMs;
    const evaluated: { start: number; value?: number; breaching: boolean | undefined }[] = [];
    for (let i = spec.evaluationPeriods; i >= 1; i -= 1) {
      const start = lastEnd - i * periodMs;
      if (start < alarm.createdAt) continue;
      const values = points.filter((p) => p.at >= start && p.at < start + periodMs).map((p) => p.value);
      if (values.length) {
        const value = statistic(values, spec.statistic);
        evaluated.push({ start, value, breaching: breaches(value, spec.comparisonOperator, spec.threshold) });
      } else {
        const missing =
          spec.treatMissingData === 'breaching' ? true : spec.treatMissingData === 'notBreaching' ? false : undefined;
        evaluated.push({ start, breaching: missing });
      }
    }
    if (evaluated.length === 0) return;
    const breachingCount = evaluated.filter((e) => e.breaching === true).length;
    const known = evaluated.filter((e) => e.breaching !== undefined).length;
    const healthy = known - breachingCount;
    let next: AlarmStateValue;
    if (breachingCount >= spec.datapointsToAlarm) next = 'ALARM';
    else if (healthy > 0) next = 'OK';
    else if (breachingCount > 0) next = alarm.state;
    else next = spec.treatMissingData === 'ignore' ? alarm.state : 'INSUFFICIENT_DATA';
    if (next === alarm.state) return;
    const shown = evaluated
      .filter((e) => e.value !== undefined)
      .map((e) => `${(e.value as number).toFixed(1)} (${new Date(e.start).toISOString()})`)
      .join(', ');
    const reason =
      next === 'ALARM'
        ? `Threshold Crossed: ${breachingCount} out of the last ${spec.evaluationPeriods} datapoints [${shown}] were ${OP_WORDS[spec.comparisonOperator]} the threshold (${spec.threshold.toFixed(1)}) (minimum ${spec.datapointsToAlarm} datapoints for OK -> ALARM transition).`
        : next === 'OK'
          ? `Threshold Crossed: ${spec.evaluationPeriods - breachingCount} out of the last ${spec.evaluationPeriods} datapoints [${shown}] were not ${OP_WORDS[spec.comparisonOperator]} the threshold (${spec.threshold.toFixed(1)}) (minimum 1 datapoint for ALARM -> OK transition).`
          : 'Insufficient Data: no datapoints were received for the evaluation periods.';
    const previous = { value: alarm.state, reason: alarm.reason, timestamp: cwTime(alarm.changedAt) };
    alarm.state = next;
    alarm.reason = reason;
    alarm.changedAt = now;
    this.options.onStateChange(
      this.eventFor(
        alarm,
        previous,
        JSON.stringify({
          version: '1.0',
          queryDate: cwTime(alarm.changedAt),
          statistic: spec.statistic,
          period: spec.periodSeconds,
          recentDatapoints: evaluated.filter((e) => e.value !== undefined).map((e) => e.value),
          threshold: spec.threshold,
        }),
      ),
    );
    this.runActions(alarm, previous.value);
  }

  /**
   * The actions of the state the alarm entered: each topic gets CloudWatch's
   * notification. A publication that fails is reported, never thrown: an
   * action does not stop the alarm's evaluation.
   */
  private runActions(alarm: AlarmRuntime, oldState: AlarmStateValue): void {
    const { publish } = this.options;
    const topics =
      alarm.state === 'ALARM' ? alarm.spec.alarmActions : alarm.state === 'OK' ? alarm.spec.okActions : undefined;
    if (!publish || !topics?.length) return;
    const transition = {
      spec: alarm.spec,
      newState: alarm.state,
      oldState,
      reason: alarm.reason,
      stateChangeTime: cwTime(alarm.changedAt),
      configurationUpdated: cwTime(alarm.configuredAt),
      region: this.options.region,
      accountId: this.options.accountId,
    };
    const subject = notificationSubject(transition);
    const message = notificationMessage(transition);
    for (const topicArn of topics) {
      publish(topicArn, subject, message).catch((error: unknown) =>
        this.options.onActionError?.(alarm.spec.alarmName, topicArn, error),
      );
    }
  }

  /**
   * SetAlarmState: "Temporarily sets the state of an alarm for testing purposes.
   * When the updated state differs from the previous value, the action configured
   * for the appropriate state is invoked", and "metric alarms return to their
   * actual state quickly" — here, at the next evaluation (SetAlarmState, Amazon
   * CloudWatch API Reference,
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
   * An unknown alarm is the API's ResourceNotFound.
   */
  setAlarmState(alarmName: string, stateValue: AlarmStateValue, stateReason: string, stateReasonData?: string): void {
    const alarm = this.alarms.find((a) => a.spec.alarmName === alarmName);
    if (!alarm)
      throw Object.assign(new Error(`ResourceNotFound: alarm ${alarmName} does not exist`), {
        name: 'ResourceNotFound',
      });
    if (alarm.state === stateValue) return;
    const previous = { value: alarm.state, reason: alarm.reason, timestamp: cwTime(alarm.changedAt) };
    alarm.state = stateValue;
    alarm.reason = stateReason;
    alarm.changedAt = this.now();
    this.options.onStateChange(this.eventFor(alarm, previous, stateReasonData ?? '{}'));
    this.runActions(alarm, previous.value);
  }

  private eventFor(
    alarm: AlarmRuntime,
    previous: AlarmStateChangeEvent['detail']['previousState'],
    reasonData: string,
  ): AlarmStateChangeEvent {
    const { spec } = alarm;
    const { region, accountId } = this.options;
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: accountId,
      time: new Date(alarm.changedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [`arn:aws:cloudwatch:${region}:${accountId}:alarm:${spec.alarmName}`],
      detail: {
        alarmName: spec.alarmName,
        state: {
          value: alarm.state,
          reason: alarm.reason,
          reasonData,
          timestamp: cwTime(alarm.changedAt),
        },
        previousState: previous,
        configuration: {
          ...(spec.description ? { description: spec.description } : {}),
          metrics: [
            {
              id: randomUUID(),
              metricStat: {
                metric: { namespace: spec.namespace, name: spec.metricName, dimensions: spec.dimensions },
                period: spec.periodSeconds,
                stat: spec.statistic,
              },
              returnData: true,
            },
          ],
        },
      },
    };
  }
}
