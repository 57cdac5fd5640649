import * as z from 'zod';
import { ValidationError, type ValidationIssue } from './errors';

export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** How CloudWatch delivered the alarm to us. */
export type AlarmSource = 'eventbridge' | 'sns' | 'lambda-action';

/** One alarm state change, whatever the delivery path. */
export interface AlarmTransition {
  source: AlarmSource;
  alarmName: string;
  alarmArn?: string;
  accountId?: string;
  region?: string;
  newState: AlarmState;
  previousState?: AlarmState;
  reason: string;
  /** ISO 8601, UTC. */
  stateChangeTime: string;
  /** Dimensions of every metric the alarm watches (metric math: all of them). */
  dimensions: Record<string, string>;
  /** For composite alarms: the alarms named in the rule. */
  childAlarmNames: string[];
  /**
   * The datapoint values CloudWatch reports having evaluated for this state:
   * `recentDatapoints` of the state reason data (EventBridge, Lambda alarm
   * action), else the values listed in the reason text (SNS, which carries no
   * reason data). Undefined when the delivery shows none.
   */
  evaluatedValues?: number[];
}

/**
 * CloudWatch's own limits on the fields an alarm delivery carries. A
 * delivery that breaks one cannot have come from CloudWatch.
 * - PutMetricAlarm: AlarmName 1–255, AlarmDescription 0–1024 characters
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * - SetAlarmState: StateReason 0–1023, StateReasonData 0–4000 characters
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
 * - PutCompositeAlarm: AlarmRule 1–10240 characters
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html).
 * - Dimension: Name 1–255, Value 1–1024 characters; at most 30 dimensions per metric
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html,
 *   "Amazon CloudWatch concepts", Dimensions).
 */
export const CLOUDWATCH_LIMITS = {
  alarmName: 255,
  alarmDescription: 1024,
  stateReason: 1023,
  stateReasonData: 4000,
  alarmRule: 10240,
  dimensionName: 255,
  dimensionValue: 1024,
  dimensionsPerMetric: 30,
} as const;

/**
 * EventBridge refuses an event entry over 256 KB, counted as the UTF-8 bytes of
 * Time, Source, DetailType, Detail and Resources (EventBridge "Calculating
 * Amazon EventBridge PutEvents event entry size",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html);
 * Amazon SNS refuses a message over 256 KB (SNS Publish, Message,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/**
 * The incident alarm serverless/alarms.js declares for each protected cache,
 * named `<INCIDENT_ALARM_PREFIX><cache id>-unreachable`: CacheReachable
 * Minimum < 1 in 2 of 3 one-minute periods, missing data not breaching.
 */
export const PROBE_ALARM = { threshold: 1, datapointsToAlarm: 2, evaluationPeriods: 3 } as const;

/** This stack's probe alarm name for a cache. */
export function probeAlarmNameFor(incidentAlarmPrefix: string, cacheId: string): string {
  return `${incidentAlarmPrefix}${cacheId}-unreachable`;
}

/**
 * Whether an ALARM of the probe alarm shows the failed probes it needs: at
 * least DatapointsToAlarm evaluated values below the threshold. With missing
 * data not breaching, CloudWatch reaches ALARM only that way; an ALARM
 * without them was set by hand (SetAlarmState), forged, or evaluated with
 * missing data as breaching, and proves no outage.
 */
export function probeAlarmProven(t: Pick<AlarmTransition, 'evaluatedValues'>): boolean {
  const failed = (t.evaluatedValues ?? []).filter((v) => v < PROBE_ALARM.threshold).length;
  return failed >= PROBE_ALARM.datapointsToAlarm;
}

/** Length in characters (Unicode code points), as CloudWatch counts them. */
const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
};
const text = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = codePoints(s);
    return n >= min && n <= max;
  }, `must be ${min}–${max} characters (CloudWatch's limit)`);

const stateSchema = z.enum(ALARM_STATES);
const timestampSchema = z.string().refine((s) => !Number.isNaN(parseAlarmTime(s)), 'not a timestamp');

const dimensionMap = z
  .record(text(1, CLOUDWATCH_LIMITS.dimensionName), text(1, CLOUDWATCH_LIMITS.dimensionValue))
  .refine(
    (d) => Object.keys(d).length <= CLOUDWATCH_LIMITS.dimensionsPerMetric,
    `at most ${CLOUDWATCH_LIMITS.dimensionsPerMetric} dimensions`,
  );
const ebMetric = z.object({
  metricStat: z
    .object({ metric: z.object({ dimensions: dimensionMap.optional() }).passthrough() })
    .passthrough()
    .optional(),
});
const ebConfiguration = z
  .object({
    description: text(0, CLOUDWATCH_LIMITS.alarmDescription).optional(),
    metrics: z.array(ebMetric).optional(),
    alarmRule: text(1, CLOUDWATCH_LIMITS.alarmRule).optional(),
  })
  .passthrough();
const ebAlarmData = z.object({
  alarmName: text(1, CLOUDWATCH_LIMITS.alarmName),
  state: z.object({
    value: stateSchema,
    reason: text(0, CLOUDWATCH_LIMITS.stateReason).default(''),
    reasonData: text(0, CLOUDWATCH_LIMITS.stateReasonData).optional(),
    timestamp: timestampSchema,
  }),
  previousState: z.object({ value: stateSchema }).passthrough().optional(),
  configuration: ebConfiguration.optional(),
});

const eventBridgeSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: ebAlarmData,
});

const lambdaActionSchema = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().optional(),
  accountId: z.string().optional(),
  region: z.string().optional(),
  alarmData: ebAlarmData,
});

const snsDimension = z.object({
  name: text(1, CLOUDWATCH_LIMITS.dimensionName),
  value: text(1, CLOUDWATCH_LIMITS.dimensionValue),
});
const snsTrigger = z
  .object({
    Dimensions: z.array(snsDimension).max(CLOUDWATCH_LIMITS.dimensionsPerMetric).optional(),
    Metrics: z
      .array(
        z
          .object({
            MetricStat: z
              .object({
                Metric: z
                  .object({ Dimensions: z.array(snsDimension).max(CLOUDWATCH_LIMITS.dimensionsPerMetric).optional() })
                  .passthrough(),
              })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();
const snsAlarmMessage = z.object({
  AlarmName: text(1, CLOUDWATCH_LIMITS.alarmName),
  AlarmDescription: text(0, CLOUDWATCH_LIMITS.alarmDescription).nullish(),
  AlarmArn: z.string().optional(),
  AWSAccountId: z.string().optional(),
  NewStateValue: stateSchema,
  OldStateValue: stateSchema.optional(),
  NewStateReason: text(0, CLOUDWATCH_LIMITS.stateReason).default(''),
  StateChangeTime: timestampSchema,
  Trigger: snsTrigger.optional(),
  AlarmRule: text(1, CLOUDWATCH_LIMITS.alarmRule).optional(),
});
const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const snsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z
          .object({
            Type: z.string(),
            Message: z
              .string()
              .refine((m) => utf8Bytes(m) <= MAX_EVENT_BYTES, 'over the 256 KB Amazon SNS allows for a message'),
            TopicArn: z.string().optional(),
          })
          .passthrough(),
      }),
    )
    .min(1),
});

/** The size EventBridge counts for an event entry: Time, Source, DetailType, Detail and Resources in UTF-8. */
function eventBridgeEntryBytes(e: Record<string, unknown>): number {
  const str = (v: unknown) => (typeof v === 'string' ? utf8Bytes(v) : 0);
  const resources = Array.isArray(e.resources) ? e.resources.reduce<number>((n, r) => n + str(r), 0) : 0;
  return str(e.time) + str(e.source) + str(e['detail-type']) + utf8Bytes(JSON.stringify(e.detail ?? null)) + resources;
}

/** Datapoint values in a state reason data document: `recentDatapoints` (numbers). */
function valuesFromReasonData(reasonData: string | undefined): number[] | undefined {
  if (!reasonData) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(reasonData);
  } catch {
    return undefined;
  }
  const recent = (doc as { recentDatapoints?: unknown } | null)?.recentDatapoints;
  return Array.isArray(recent)
    ? recent.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    : undefined;
}

/** Datapoint values listed in a reason text: `… datapoints [0.0 (14/05/24 09:30:00), 1.0 (…)] were …`. */
function valuesFromReason(reason: string): number[] | undefined {
  const list = /datapoints? \[([^\]]*)\]/.exec(reason)?.[1];
  if (list === undefined) return undefined;
  return [...list.matchAll(/(-?\d+(?:\.\d+)?(?:E[+-]?\d+)?) \(/gi)].map((m) => Number(m[1]));
}

/** CloudWatch writes `2019-10-02T17:04:40.985+0000`; make it ISO before parsing. */
export function parseAlarmTime(s: string): number {
  const iso = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(iso);
}

function toIso(s: string): string {
  return new Date(parseAlarmTime(s)).toISOString();
}

function issuesOf(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues
    .slice(0, 10)
    .map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
}

/** Names inside `ALARM("a") OR ALARM(b)` of a composite alarm rule. */
export function childAlarmsOf(rule: string | undefined): string[] {
  if (!rule) return [];
  const names: string[] = [];
  const re = /\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]+)"|'([^']+)'|([^)\s]+))\s*\)/g;
  for (const m of rule.matchAll(re)) {
    const name = m[1] ?? m[2] ?? m[3];
    if (name) names.push(name.includes(':alarm:') ? name.slice(name.lastIndexOf(':alarm:') + 7) : name);
  }
  return [...new Set(names)];
}

function ebDimensions(config: z.infer<typeof ebConfiguration> | undefined): Record<string, string> {
  const dims: Record<string, string> = {};
  for (const m of config?.metrics ?? []) Object.assign(dims, m.metricStat?.metric.dimensions ?? {});
  return dims;
}

function fromAlarmData(
  source: AlarmSource,
  data: z.infer<typeof ebAlarmData>,
  meta: { alarmArn?: string | undefined; accountId?: string | undefined; region?: string | undefined },
): AlarmTransition {
  return {
    source,
    alarmName: data.alarmName,
    ...(meta.alarmArn ? { alarmArn: meta.alarmArn } : {}),
    ...(meta.accountId ? { accountId: meta.accountId } : {}),
    ...(meta.region ? { region: meta.region } : {}),
    newState: data.state.value,
    ...(data.previousState ? { previousState: data.previousState.value } : {}),
    reason: data.state.reason,
    stateChangeTime: toIso(data.state.timestamp),
    dimensions: ebDimensions(data.configuration),
    childAlarmNames: childAlarmsOf(data.configuration?.alarmRule),
    ...withValues(valuesFromReasonData(data.state.reasonData) ?? valuesFromReason(data.state.reason)),
  };
}

const withValues = (values: number[] | undefined) => (values ? { evaluatedValues: values } : {});

function fromSnsMessage(raw: string, path: string): AlarmTransition {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (cause) {
    throw new ValidationError('SNS alarm notification', [{ path, message: 'not JSON' }], { cause });
  }
  const parsed = snsAlarmMessage.safeParse(body);
  if (!parsed.success) throw new ValidationError('SNS alarm notification', issuesOf(parsed.error, path));
  const m = parsed.data;
  const dims: Record<string, string> = {};
  for (const d of m.Trigger?.Dimensions ?? []) dims[d.name] = d.value;
  for (const metric of m.Trigger?.Metrics ?? [])
    for (const d of metric.MetricStat?.Metric.Dimensions ?? []) dims[d.name] = d.value;
  const accountFromArn = m.AlarmArn?.split(':')[4];
  const regionFromArn = m.AlarmArn?.split(':')[3];
  return {
    source: 'sns',
    alarmName: m.AlarmName,
    ...(m.AlarmArn ? { alarmArn: m.AlarmArn } : {}),
    ...(m.AWSAccountId || accountFromArn ? { accountId: m.AWSAccountId ?? accountFromArn } : {}),
    ...(regionFromArn ? { region: regionFromArn } : {}),
    newState: m.NewStateValue,
    ...(m.OldStateValue ? { previousState: m.OldStateValue } : {}),
    reason: m.NewStateReason,
    stateChangeTime: toIso(m.StateChangeTime),
    dimensions: dims,
    childAlarmNames: childAlarmsOf(m.AlarmRule),
    ...withValues(valuesFromReason(m.NewStateReason)),
  };
}

/**
 * Reads every way CloudWatch delivers an alarm: an EventBridge "CloudWatch Alarm
 * State Change" event, an SNS notification, or a Lambda alarm action payload.
 * Returns one transition per delivered alarm; throws ValidationError otherwise.
 */
export function parseAlarmDelivery(event: unknown): AlarmTransition[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ValidationError('alarm event', [{ path: '', message: 'expected a JSON object' }]);
  }
  const e = event as Record<string, unknown>;
  if ('Records' in e) {
    const parsed = snsEventSchema.safeParse(e);
    if (!parsed.success) throw new ValidationError('SNS event', issuesOf(parsed.error));
    return parsed.data.Records.map((r, i) => {
      if (r.Sns.Type !== 'Notification') {
        throw new ValidationError('SNS event', [
          { path: `Records.${i}.Sns.Type`, message: `${r.Sns.Type} is not an alarm notification` },
        ]);
      }
      return fromSnsMessage(r.Sns.Message, `Records.${i}.Sns.Message`);
    });
  }
  if ('detail-type' in e || 'detail' in e) {
    const bytes = eventBridgeEntryBytes(e);
    if (bytes > MAX_EVENT_BYTES) {
      throw new ValidationError('EventBridge alarm event', [
        { path: '', message: `${bytes} bytes: over the 256 KB EventBridge allows for an event` },
      ]);
    }
    const parsed = eventBridgeSchema.safeParse(e);
    if (!parsed.success) throw new ValidationError('EventBridge alarm event', issuesOf(parsed.error));
    const p = parsed.data;
    return [
      fromAlarmData('eventbridge', p.detail, { alarmArn: p.resources?.[0], accountId: p.account, region: p.region }),
    ];
  }
  if ('alarmData' in e) {
    const parsed = lambdaActionSchema.safeParse(e);
    if (!parsed.success) throw new ValidationError('Lambda alarm action', issuesOf(parsed.error));
    const p = parsed.data;
    return [
      fromAlarmData('lambda-action', p.alarmData, { alarmArn: p.alarmArn, accountId: p.accountId, region: p.region }),
    ];
  }
  throw new ValidationError('alarm event', [
    { path: '', message: 'not an EventBridge alarm state change, an SNS notification or a Lambda alarm action' },
  ]);
}
