/**
 * intake_p99_ms: on-alarm invoked through the local Lambda runtime with alarm
 * deliveries in every shape CloudWatch sends them (EventBridge, SNS, Lambda
 * alarm action), each state change delivered several times, as happens when
 * both the EventBridge rule and the alarms topic fire and deliveries retry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProtectedCache } from '../functions/domain/caches';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local/service';
import { startStack } from '../local/stack';
import { percentile, summarize, type Summary } from './stats';

type Json = Record<string, unknown>;
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'events');
const fixture = (name: string): Json => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Json;

/** CloudWatch's own timestamp format in alarm payloads: 2024-05-14T09:31:07.412+0000. */
const cloudWatchTime = (d: Date): string => d.toISOString().replace('Z', '+0000');

export type Shape = 'eventbridge' | 'sns' | 'lambda-action';

/** One delivery of an ALARM state change of `alarmName` at `at`, in the given shape. */
export function alarmDelivery(shape: Shape, alarmName: string, at: Date): Json {
  const arn = `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:alarm:${alarmName}`;
  if (shape === 'eventbridge') {
    const e = fixture('eventbridge-probe-alarm.json') as Json & { detail: Json & { state: Json } };
    e.account = LOCAL_ACCOUNT_ID;
    e.region = LOCAL_REGION;
    e.time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    e.resources = [arn];
    e.detail.alarmName = alarmName;
    e.detail.state.timestamp = cloudWatchTime(at);
    return e;
  }
  if (shape === 'sns') {
    const e = fixture('sns-alarm.json') as { Records: { Sns: Json & { Message: string } }[] };
    const record = e.Records[0] as { Sns: Json & { Message: string } };
    const message = JSON.parse(record.Sns.Message) as Json;
    message.AlarmName = alarmName;
    message.AWSAccountId = LOCAL_ACCOUNT_ID;
    message.AlarmArn = arn;
    message.StateChangeTime = cloudWatchTime(at);
    message.NewStateValue = 'ALARM';
    record.Sns.Message = JSON.stringify(message);
    record.Sns.Timestamp = at.toISOString();
    return e as unknown as Json;
  }
  const e = fixture('lambda-action-alarm.json') as Json & { alarmData: Json & { state: Json } };
  e.alarmArn = arn;
  e.accountId = LOCAL_ACCOUNT_ID;
  e.region = LOCAL_REGION;
  e.time = cloudWatchTime(at);
  e.alarmData.alarmName = alarmName;
  e.alarmData.state.timestamp = cloudWatchTime(at);
  return e;
}

/**
 * The delivery plan: `count` deliveries of state changes of the caches'
 * alarms, each change delivered `copies` times in rotating shapes.
 */
export function deliveryPlan(alarmNames: readonly string[], count: number, copies = 4, start = Date.now()): Json[] {
  const shapes: Shape[] = ['eventbridge', 'sns', 'lambda-action'];
  const out: Json[] = [];
  for (let change = 0; out.length < count; change += 1) {
    const alarm = alarmNames[change % alarmNames.length] as string;
    // One change a second, the last one a second ago: all recent, none in the future.
    const at = new Date(start - (Math.ceil(count / copies) - change) * 1000);
    for (let copy = 0; copy < copies && out.length < count; copy += 1)
      out.push(alarmDelivery(shapes[(change + copy) % shapes.length] as Shape, alarm, at));
  }
  return out;
}

export interface IntakeResult {
  deliveries: number;
  coldMs: number;
  latencyMs: Summary;
  p50Ms: number;
  p99Ms: number;
  outcomes: Record<string, number>;
}

export async function benchIntake(opts: { deliveries: number; log: (line: string) => void }): Promise<IntakeResult> {
  const stack = await startStack({ environment: { POLL_INTERVAL_SECONDS: '1', MAX_POLLS: '3' } });
  try {
    const caches: ProtectedCache[] = ['sessions', 'profiles'].map((id) => ({
      id,
      displayName: id,
      endpoint: { host: '127.0.0.1', port: 1, tls: false },
      endpointParameter: `/bench/${id}/endpoint`,
      alarmNames: [`${id}-cache-unreachable`],
      replacement: {
        nodeType: 'cache.r7g.large',
        engine: 'redis',
        numCacheClusters: 1,
        securityGroupIds: [],
        port: 6379,
      },
    }));
    stack.protect(caches);
    const plan = deliveryPlan(
      caches.flatMap((c) => c.alarmNames),
      opts.deliveries,
    );
    const outcomes: Record<string, number> = {};
    const invoke = async (event: Json): Promise<number> => {
      const started = performance.now();
      const out = await stack.lambda.invoke('on-alarm', event);
      const ms = performance.now() - started;
      if (!out.ok) throw new Error(`on-alarm failed: ${out.error.errorType}: ${out.error.errorMessage}`);
      for (const o of (out.payload as { outcomes: { outcome: string }[] }).outcomes)
        outcomes[o.outcome] = (outcomes[o.outcome] ?? 0) + 1;
      return ms;
    };
    // The first invocation starts the function's execution environment: reported apart. Its alarm
    // fired two hours ago, beyond alarmMaxAgeSeconds, so intake reads it and opens nothing.
    const stale = new Date(Date.now() - 2 * 3600_000);
    const coldMs = await invoke(alarmDelivery('eventbridge', caches[0]?.alarmNames[0] ?? '', stale));
    for (const k of Object.keys(outcomes)) delete outcomes[k];
    const latencies: number[] = [];
    for (const event of plan) latencies.push(await invoke(event));
    opts.log(`  intake: ${latencies.length} deliveries, outcomes ${JSON.stringify(outcomes)}`);
    return {
      deliveries: latencies.length,
      coldMs,
      latencyMs: summarize(latencies),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      outcomes,
    };
  } finally {
    await stack.stop();
  }
}
