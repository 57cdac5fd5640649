/**
 * The three ways CloudWatch delivers an alarm to on-alarm, unwrapped into
 * alarm transitions: an EventBridge "CloudWatch Alarm State Change" event, an
 * SNS notification (one alarm message per record), and a Lambda alarm action.
 * The envelopes hold the fields Lambda documents for its SNS event and
 * EventBridge for its events (the same fields Powertools' parser schemas
 * check; their `z` namespace import would put every zod locale in the alarm
 * entry point's bundle). The alarm data inside is read in ./alarm-payloads.ts.
 */
import * as z from 'zod';
import type { AlarmTransition } from '../domain/alarm';
import { ValidationError } from '../domain/errors';
import { parseInput } from '../domain/validation';
import {
  alarmDataSchema,
  snsAlarmMessageSchema,
  transitionFromAlarmData,
  transitionFromSnsMessage,
} from './alarm-payloads';

/**
 * EventBridge refuses an event entry over 256 KB, counted as the UTF-8 bytes of
 * Time, Source, DetailType, Detail and Resources (EventBridge "Calculating
 * Amazon EventBridge PutEvents event entry size",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html);
 * Amazon SNS refuses a message over 256 KB (SNS Publish, Message,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** A delivery can list thousands of problems; the error keeps the first ones. */
const ISSUES = { limit: 10 };

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The size EventBridge counts for an event entry: Time, Source, DetailType, Detail and Resources in UTF-8. */
function eventBridgeEntryBytes(e: Record<string, unknown>): number {
  const str = (v: unknown) => (typeof v === 'string' ? utf8Bytes(v) : 0);
  const resources = Array.isArray(e.resources) ? e.resources.reduce<number>((n, r) => n + str(r), 0) : 0;
  return str(e.time) + str(e.source) + str(e['detail-type']) + utf8Bytes(JSON.stringify(e.detail ?? null)) + resources;
}

/**
 * An EventBridge event from CloudWatch about an alarm: its type and source,
 * then the envelope's other fields, each optional (EventBridge "AWS service
 * event metadata",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html). An event
 * that names no account or region is judged by the alarm rules (screenAlarm:
 * no account where one is expected is a foreign-account refusal), not as a
 * malformed event.
 */
const eventBridgeAlarmSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  version: z.string().optional(),
  id: z.string().optional(),
  account: z.string().optional(),
  time: z.iso.datetime().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  'replay-name': z.string().optional(),
  detail: alarmDataSchema,
});

/** The payload CloudWatch invokes a Lambda alarm action with. */
const lambdaAlarmActionSchema = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().optional(),
  accountId: z.string().optional(),
  region: z.string().optional(),
  alarmData: alarmDataSchema,
});

/** The message of an SNS alarm notification: at most 256 KB, a JSON document, CloudWatch's alarm message. */
const snsAlarmNotification = z
  .string()
  .refine((m) => utf8Bytes(m) <= MAX_EVENT_BYTES, 'over the 256 KB Amazon SNS allows for a message')
  .transform((m, ctx) => {
    try {
      return JSON.parse(m) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(snsAlarmMessageSchema);

function fromEventBridge(e: Record<string, unknown>): AlarmTransition {
  const bytes = eventBridgeEntryBytes(e);
  if (bytes > MAX_EVENT_BYTES) {
    throw new ValidationError('EventBridge alarm event', [
      { path: '', message: `${bytes} bytes: over the 256 KB EventBridge allows for an event` },
    ]);
  }
  const p = parseInput('EventBridge alarm event', eventBridgeAlarmSchema, e, ISSUES);
  return transitionFromAlarmData('eventbridge', p.detail, {
    alarmArn: p.resources?.[0],
    accountId: p.account,
    region: p.region,
  });
}

/**
 * Lambda's SNS event: at least one record, each an SNS Notification with the
 * fields Lambda documents ("Using Lambda with Amazon SNS",
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html).
 */
const snsEventSchema = z.object({
  Records: z
    .array(
      z.looseObject({
        EventSource: z.literal('aws:sns'),
        EventVersion: z.string(),
        EventSubscriptionArn: z.string(),
        Sns: z.looseObject({
          Type: z.literal('Notification'),
          MessageId: z.string(),
          TopicArn: z.string(),
          Subject: z.string().nullish(),
          Timestamp: z.iso.datetime(),
          UnsubscribeUrl: z.url(),
          Message: snsAlarmNotification,
        }),
      }),
    )
    .min(1),
});

function fromSns(e: Record<string, unknown>): AlarmTransition[] {
  const p = parseInput('SNS alarm notification', snsEventSchema, e, ISSUES);
  return p.Records.map((r) => transitionFromSnsMessage(r.Sns.Message));
}

function fromLambdaAction(e: Record<string, unknown>): AlarmTransition {
  const p = parseInput('Lambda alarm action', lambdaAlarmActionSchema, e, ISSUES);
  return transitionFromAlarmData('lambda-action', p.alarmData, {
    alarmArn: p.alarmArn,
    accountId: p.accountId,
    region: p.region,
  });
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
  if ('Records' in e) return fromSns(e);
  if ('detail-type' in e || 'detail' in e) return [fromEventBridge(e)];
  if ('alarmData' in e) return [fromLambdaAction(e)];
  throw new ValidationError('alarm event', [
    { path: '', message: 'not an EventBridge alarm state change, an SNS notification or a Lambda alarm action' },
  ]);
}
