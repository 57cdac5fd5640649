/**
 * The alarm data CloudWatch puts in each delivery, read into an
 * AlarmTransition: the alarm data of an EventBridge event (`detail`) or of a
 * Lambda alarm action (`alarmData`), which share one shape, and the JSON
 * message of an SNS notification. Every field is held to CloudWatch's own
 * limits (CLOUDWATCH_LIMITS): a delivery that breaks one cannot have come from
 * CloudWatch. The envelopes around them are read in ./alarm-envelopes.ts.
 */
import * as z from 'zod';
import { ALARM_STATES, CLOUDWATCH_LIMITS, type AlarmSource, type AlarmTransition } from '../domain/alarm';

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
const metric = z.object({
  metricStat: z.looseObject({ metric: z.looseObject({ dimensions: dimensionMap.optional() }) }).optional(),
});
const configuration = z.looseObject({
  description: text(0, CLOUDWATCH_LIMITS.alarmDescription).optional(),
  metrics: z.array(metric).optional(),
  alarmRule: text(1, CLOUDWATCH_LIMITS.alarmRule).optional(),
});

/** The alarm data of an EventBridge "CloudWatch Alarm State Change" event (`detail`) and of a Lambda alarm action (`alarmData`). */
export const alarmDataSchema = z.object({
  alarmName: text(1, CLOUDWATCH_LIMITS.alarmName),
  state: z.object({
    value: stateSchema,
    reason: text(0, CLOUDWATCH_LIMITS.stateReason).default(''),
    reasonData: text(0, CLOUDWATCH_LIMITS.stateReasonData).optional(),
    timestamp: timestampSchema,
  }),
  previousState: z.looseObject({ value: stateSchema }).optional(),
  configuration: configuration.optional(),
});
export type AlarmData = z.output<typeof alarmDataSchema>;

const snsDimension = z.object({
  name: text(1, CLOUDWATCH_LIMITS.dimensionName),
  value: text(1, CLOUDWATCH_LIMITS.dimensionValue),
});
const snsDimensions = z.array(snsDimension).max(CLOUDWATCH_LIMITS.dimensionsPerMetric);
const snsTrigger = z.looseObject({
  Dimensions: snsDimensions.optional(),
  Metrics: z
    .array(
      z.looseObject({
        MetricStat: z.looseObject({ Metric: z.looseObject({ Dimensions: snsDimensions.optional() }) }).optional(),
      }),
    )
    .optional(),
});

/** The JSON message CloudWatch publishes to an SNS topic for an alarm. */
export const snsAlarmMessageSchema = z.object({
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
export type SnsAlarmMessage = z.output<typeof snsAlarmMessageSchema>;

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

function dimensionsOf(config: AlarmData['configuration']): Record<string, string> {
  const dims: Record<string, string> = {};
  for (const m of config?.metrics ?? []) Object.assign(dims, m.metricStat?.metric.dimensions ?? {});
  return dims;
}

const withValues = (values: number[] | undefined) => (values ? { evaluatedValues: values } : {});

/** The transition an EventBridge event or a Lambda alarm action reports; `meta` comes from the envelope. */
export function transitionFromAlarmData(
  source: Exclude<AlarmSource, 'sns'>,
  data: AlarmData,
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
    dimensions: dimensionsOf(data.configuration),
    childAlarmNames: childAlarmsOf(data.configuration?.alarmRule),
    ...withValues(valuesFromReasonData(data.state.reasonData) ?? valuesFromReason(data.state.reason)),
  };
}

/** The transition an SNS alarm message reports; its account and region come from the alarm's ARN. */
export function transitionFromSnsMessage(m: SnsAlarmMessage): AlarmTransition {
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
