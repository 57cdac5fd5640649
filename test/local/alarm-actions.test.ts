/**
 * Alarm actions in the local CloudWatch: the backup freshness alarm publishes
 * CloudWatch's SNS notification to the operators' topic, which an HTTP
 * subscriber receives as AWS delivers it; the customers' status topic
 * receives nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { LocalCloudWatch } from '../../local/cloudwatch';
import { notificationSubject } from '../../local/cloudwatch/notification';
import { HttpSubscriber } from '../../local/drill/subscriber';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { startSns, type LocalSns } from '../../local/sns';
import { backupAgeAlarmName, backupAgeAlarmSpecs } from '../../local/stack/alarms';
import { protectedCacheSchema, type ProtectedCache } from '../../functions/domain/caches';

const SERVICE = 'svc';
const fixture = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'fixtures', 'events', 'sns-alarm.json'), 'utf8'),
) as { Records: { Sns: { Message: string } }[] };
/** A notification CloudWatch delivered through SNS (its fields, not its values). */
const awsMessage = JSON.parse(fixture.Records[0]!.Sns.Message) as Record<string, unknown> & {
  Trigger: Record<string, unknown>;
};

const cache = (id: string, backup: Record<string, unknown> | undefined): ProtectedCache =>
  protectedCacheSchema.parse({
    id,
    endpoint: { host: '127.0.0.1', port: 6379 },
    endpointParameter: `/cache-outage/${id}/endpoint`,
    ...(backup ? { backup: { bucket: 'backups', ...backup } } : {}),
  });

const until = async (what: string, check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('alarm actions of the local CloudWatch', () => {
  let sns: LocalSns;
  let client: SNSClient;
  let operators: string;
  let status: string;
  const operatorsInbox = new HttpSubscriber();
  const customersInbox = new HttpSubscriber();

  beforeAll(async () => {
    sns = await startSns({ delivery: { baseDelayMs: 5 } });
    client = new SNSClient({
      endpoint: sns.endpoint,
      region: LOCAL_REGION,
      credentials: { ...LOCAL_CREDENTIALS },
    });
    operators = (await client.send(new CreateTopicCommand({ Name: 'svc-local-operators' }))).TopicArn!;
    status = (await client.send(new CreateTopicCommand({ Name: 'svc-local-status' }))).TopicArn!;
    await operatorsInbox.start();
    await customersInbox.start();
    await operatorsInbox.subscribe(client, operators);
    await customersInbox.subscribe(client, status);
    await until(
      'both subscriptions confirmed',
      () => operatorsInbox.confirmations + customersInbox.confirmations === 2,
    );
  });

  afterAll(async () => {
    await operatorsInbox.stop();
    await customersInbox.stop();
    client?.destroy();
    await sns?.stop();
  });

  it('declares one freshness alarm per cache the product backs up, at its RPO, over two backup intervals, to the operators only', () => {
    const specs = backupAgeAlarmSpecs(
      SERVICE,
      [
        cache('orders', { intervalMinutes: 15, rpoMinutes: 60 }),
        cache('sessions', { maxAgeHours: 2 }),
        cache('external', { method: 'none' }),
        cache('no-backup', undefined),
      ],
      operators,
    );
    expect(specs.map((s) => [s.alarmName, s.threshold, s.periodSeconds])).toEqual([
      [backupAgeAlarmName(SERVICE, 'orders'), 3600, 1800],
      [backupAgeAlarmName(SERVICE, 'sessions'), 7200, 1800],
    ]);
    for (const s of specs) {
      expect(s.alarmName).toContain('-health-');
      expect(s).toMatchObject({ treatMissingData: 'breaching', alarmActions: [operators], okActions: [operators] });
    }
  });

  it("publishes CloudWatch's notification to the operators' topic on ALARM and on OK; the status topic receives nothing", async () => {
    let now = 10 * 3_600_000;
    const orders = cache('orders', { intervalMinutes: 1, rpoMinutes: 10 });
    const [spec] = backupAgeAlarmSpecs(SERVICE, [orders], operators);
    const cw = new LocalCloudWatch({
      alarms: [spec!],
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      now: () => now,
      onStateChange: () => undefined,
      publish: async (topicArn, subject, message) => {
        await client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
      },
    });
    const period = spec!.periodSeconds * 1000;
    const report = (ageSeconds: number) =>
      cw.put('CacheOutageWorkflow', 'BackupAgeSeconds', { CacheId: 'orders' }, ageSeconds, now + 1000);

    // A fresh backup: OK (from INSUFFICIENT_DATA), then 11 minutes old, above the 10-minute RPO: ALARM.
    report(30);
    now += period;
    cw.evaluate();
    report(660);
    now += period;
    cw.evaluate();
    expect(cw.stateOf(spec!.alarmName)).toBe('ALARM');
    await until('the ALARM notification', () => operatorsInbox.received.length >= 2);

    const [ok, alarm] = operatorsInbox.received;
    expect(alarm!.topicArn).toBe(operators);
    expect(alarm!.subject).toBe(`ALARM: "${spec!.alarmName}" in US East (N. Virginia)`);
    const message = JSON.parse(alarm!.message) as Record<string, unknown> & { Trigger: Record<string, unknown> };
    // Every field AWS's notification has, and no other.
    expect(Object.keys(message).sort()).toEqual(Object.keys(awsMessage).sort());
    expect(Object.keys(message.Trigger).sort()).toEqual(Object.keys(awsMessage.Trigger).sort());
    expect(message).toMatchObject({
      AlarmName: spec!.alarmName,
      AWSAccountId: LOCAL_ACCOUNT_ID,
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      Region: 'US East (N. Virginia)',
      AlarmArn: `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:alarm:${spec!.alarmName}`,
      AlarmActions: [operators],
      OKActions: [operators],
      Trigger: {
        MetricName: 'BackupAgeSeconds',
        Namespace: 'CacheOutageWorkflow',
        Statistic: 'MAXIMUM',
        Dimensions: [{ value: 'orders', name: 'CacheId' }],
        Period: 120,
        Threshold: 600,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
      },
    });
    expect(message.NewStateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[660\.0/);
    expect(message.StateChangeTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(JSON.parse(ok!.message)).toMatchObject({ NewStateValue: 'OK', OldStateValue: 'INSUFFICIENT_DATA' });
    expect(ok!.subject).toBe(`OK: "${spec!.alarmName}" in US East (N. Virginia)`);

    // The backup function stops reporting: a period with no datapoint is breaching, the alarm stays in ALARM
    // (no new notification); a fresh report turns it OK, which the operators hear of too.
    now += period;
    cw.evaluate();
    expect(cw.stateOf(spec!.alarmName)).toBe('ALARM');
    report(5);
    now += period;
    cw.evaluate();
    await until('the OK notification', () => operatorsInbox.received.length >= 3);
    expect(JSON.parse(operatorsInbox.received[2]!.message)).toMatchObject({ NewStateValue: 'OK' });
    expect(operatorsInbox.received).toHaveLength(3);
    expect(customersInbox.received).toEqual([]);
  });

  it('alarms when the backup function stops reporting, but not when a run is a few seconds late', () => {
    let now = 20 * 3_600_000;
    const [spec] = backupAgeAlarmSpecs(SERVICE, [cache('orders', { intervalMinutes: 1, rpoMinutes: 10 })], operators);
    const states: string[] = [];
    const cw = new LocalCloudWatch({
      alarms: [spec!],
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      now: () => now,
      onStateChange: (e) => states.push(e.detail.state.value),
    });
    const interval = 60_000;
    // One report per run (one minute apart), each a little later than the last, evaluated every minute.
    let nextRun = now + 1000;
    for (let minute = 0; minute < 12; minute += 1) {
      now += interval;
      while (nextRun <= now) {
        cw.put('CacheOutageWorkflow', 'BackupAgeSeconds', { CacheId: 'orders' }, 20, nextRun);
        nextRun += interval + 7000;
      }
      cw.evaluate();
    }
    expect(states).toEqual(['OK']);
    // Then no run reports any more: once a whole period (two intervals) is empty, ALARM.
    for (let minute = 0; minute < 4; minute += 1) {
      now += interval;
      cw.evaluate();
    }
    expect(states).toEqual(['OK', 'ALARM']);
  });

  it('keeps the subject within the 100 characters SNS accepts, however long the alarm name', () => {
    const [spec] = backupAgeAlarmSpecs(SERVICE.repeat(20), [cache('a'.repeat(40), {})], operators);
    const subject = notificationSubject({ spec: spec!, newState: 'ALARM', region: LOCAL_REGION });
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^ALARM: "svcsvc.*\.\.\." in US East \(N\. Virginia\)$/);
  });
});
