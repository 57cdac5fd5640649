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
}

const stateSchema = z.enum(ALARM_STATES);
const timestampSchema = z.string().refine((s) => !Number.isNaN(parseAlarmTime(s)), 'not a timestamp');

const dimensionMap = z.record(z.string(), z.string());
const ebMetric = z.object({
  metricStat: z.object({ metric: z.object({ dimensions: dimensionMap.optional() }).passthrough() }).passthrough().optional(),
});
const ebConfiguration = z
  .object({
    metrics: z.array(ebMetric).optional(),
    alarmRule: z.string().optional(),
  })
  .passthrough();
const ebAlarmData = z.object({
  alarmName: z.string().min(1).max(255),
  state: z.object({ value: stateSchema, reason: z.string().default(''), timestamp: timestampSchema }),
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

const snsDimension = z.object({ name: z.string(), value: z.string() });
const snsTrigger = z
  .object({
    Dimensions: z.array(snsDimension).optional(),
    Metrics: z
      .array(
        z
          .object({
            MetricStat: z
              .object({ Metric: z.object({ Dimensions: z.array(snsDimension).optional() }).passthrough() })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();
const snsAlarmMessage = z.object({
  AlarmName: z.string().min(1).max(255),
  AlarmArn: z.string().optional(),
  AWSAccountId: z.string().optional(),
  NewStateValue: stateSchema,
  OldStateValue: stateSchema.optional(),
  NewStateReason: z.string().default(''),
  StateChangeTime: timestampSchema,
  Trigger: snsTrigger.optional(),
  AlarmRule: z.string().optional(),
});
const snsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({ Type: z.string(), Message: z.string(), TopicArn: z.string().optional() }).passthrough(),
      }),
    )
    .min(1),
});

/** CloudWatch writes `2019-10-02T17:04:40.985+0000`; make it ISO before parsing. */
export function parseAlarmTime(s: string): number {
  const iso = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(iso);
}

function toIso(s: string): string {
  return new Date(parseAlarmTime(s)).toISOString();
}

function issuesOf(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.slice(0, 10).map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
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
  };
}

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
  for (const metric of m.Trigger?.Metrics ?? []) for (const d of metric.MetricStat?.Metric.Dimensions ?? []) dims[d.name] = d.value;
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
        throw new ValidationError('SNS event', [{ path: `Records.${i}.Sns.Type`, message: `${r.Sns.Type} is not an alarm notification` }]);
      }
      return fromSnsMessage(r.Sns.Message, `Records.${i}.Sns.Message`);
    });
  }
  if ('detail-type' in e || 'detail' in e) {
    const parsed = eventBridgeSchema.safeParse(e);
    if (!parsed.success) throw new ValidationError('EventBridge alarm event', issuesOf(parsed.error));
    const p = parsed.data;
    return [fromAlarmData('eventbridge', p.detail, { alarmArn: p.resources?.[0], accountId: p.account, region: p.region })];
  }
  if ('alarmData' in e) {
    const parsed = lambdaActionSchema.safeParse(e);
    if (!parsed.success) throw new ValidationError('Lambda alarm action', issuesOf(parsed.error));
    const p = parsed.data;
    return [fromAlarmData('lambda-action', p.alarmData, { alarmArn: p.alarmArn, accountId: p.accountId, region: p.region })];
  }
  throw new ValidationError('alarm event', [
    { path: '', message: 'not an EventBridge alarm state change, an SNS notification or a Lambda alarm action' },
  ]);
}
