import { LocalCloudWatch, type AlarmStateChangeEvent, type MetricAlarmSpec } from '../../local/cloudwatch';
import { parseAlarmDelivery } from '../../functions/handlers/alarm-envelopes';

const spec: MetricAlarmSpec = {
  alarmName: 'orders-unreachable',
  namespace: 'CacheOutageWorkflow',
  metricName: 'CacheReachable',
  dimensions: { CacheId: 'orders' },
  statistic: 'Minimum',
  periodSeconds: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 1,
  comparisonOperator: 'LessThanThreshold',
  treatMissingData: 'breaching',
};

function emf(value: number, at: number) {
  return {
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: 'CacheOutageWorkflow',
          Dimensions: [['CacheId']],
          Metrics: [{ Name: 'CacheReachable', Unit: 'Count' }],
        },
      ],
    },
    CacheId: 'orders',
    CacheReachable: value,
  };
}

describe('local CloudWatch alarm evaluation', () => {
  let now = 0;
  let events: AlarmStateChangeEvent[] = [];
  let cw: LocalCloudWatch;
  beforeEach(() => {
    now = 1_000_000;
    events = [];
    cw = new LocalCloudWatch({
      alarms: [spec],
      region: 'us-east-1',
      accountId: '000000000000',
      now: () => now,
      onStateChange: (e) => events.push(e),
    });
    cw.start();
    cw.stop();
  });

  function period(value: number | undefined) {
    if (value !== undefined) cw.putEmf(emf(value, now + 1000));
    now += 60_000;
    cw.evaluate();
  }

  it('goes OK on healthy datapoints, then ALARM after 2 of 3 failed probes, as a real EventBridge alarm event', () => {
    now = 1_020_000; // align to a period boundary after creation
    period(1);
    period(1);
    expect(cw.stateOf('orders-unreachable')).toBe('OK');
    period(0);
    expect(cw.stateOf('orders-unreachable')).toBe('OK');
    period(0);
    expect(cw.stateOf('orders-unreachable')).toBe('ALARM');
    const alarm = events.at(-1) as AlarmStateChangeEvent;
    const [parsed] = parseAlarmDelivery(alarm);
    expect(parsed).toMatchObject({
      alarmName: 'orders-unreachable',
      newState: 'ALARM',
      previousState: 'OK',
      dimensions: { CacheId: 'orders' },
    });
    expect(alarm.detail.state.reason).toMatch(/2 out of the last 3 datapoints/);
  });

  // SetAlarmState, CloudWatch API Reference: temporarily sets the state, invokes the state's actions
  // when it differs, and the alarm returns to its actual state at the next evaluation.
  it('SetAlarmState: a temporary ALARM with the given reason data, then back to its actual state; an unknown alarm is ResourceNotFound', () => {
    now = 1_020_000;
    period(1);
    period(1);
    const before = events.length;
    const reasonData = JSON.stringify({ version: '1.0', recentDatapoints: [0, 0, 1] });
    cw.setAlarmState('orders-unreachable', 'ALARM', 'testing', reasonData);
    expect(cw.stateOf('orders-unreachable')).toBe('ALARM');
    expect(
      events.slice(before).map((e) => [e.detail.state.value, e.detail.state.reason, e.detail.state.reasonData]),
    ).toEqual([['ALARM', 'testing', reasonData]]);
    cw.setAlarmState('orders-unreachable', 'ALARM', 'again');
    expect(events.length).toBe(before + 1);
    period(1);
    expect(cw.stateOf('orders-unreachable')).toBe('OK');
    expect(events.at(-1)?.detail.previousState.value).toBe('ALARM');
    expect(() => cw.setAlarmState('nope', 'ALARM', 'x')).toThrow(expect.objectContaining({ name: 'ResourceNotFound' }));
  });

  it('treats missing probe data as breaching, but not before the alarm existed', () => {
    period(undefined);
    period(undefined);
    expect(events).toHaveLength(0);
    period(undefined);
    expect(cw.stateOf('orders-unreachable')).toBe('ALARM');
  });

  it('with missing data not breaching (the probe alarm), a silent probe raises no ALARM; failed probes do, with their values in the reason data', () => {
    const probe: MetricAlarmSpec = { ...spec, alarmName: 'orders-probe', treatMissingData: 'notBreaching' };
    const seen: AlarmStateChangeEvent[] = [];
    const local = new LocalCloudWatch({
      alarms: [probe],
      region: 'us-east-1',
      accountId: '000000000000',
      now: () => now,
      onStateChange: (e) => seen.push(e),
    });
    local.start();
    local.stop();
    const tick = (value: number | undefined) => {
      if (value !== undefined) local.putEmf(emf(value, now + 1000));
      now += 60_000;
      local.evaluate();
    };
    for (let i = 0; i < 5; i += 1) tick(undefined);
    expect(local.stateOf('orders-probe')).toBe('OK');
    expect(seen.map((e) => e.detail.state.value)).not.toContain('ALARM');
    tick(0);
    tick(0);
    expect(local.stateOf('orders-probe')).toBe('ALARM');
    const [parsed] = parseAlarmDelivery(seen.at(-1)!);
    expect(parsed?.evaluatedValues?.filter((v) => v < 1)).toHaveLength(2);
  });

  it('reads every dimension set and metric of an EMF document', () => {
    expect(cw.putEmf(emf(1, now))).toBe(1);
    expect(cw.putEmf({ message: 'not EMF' })).toBe(0);
  });
});

describe('local CloudWatch resolution and periods', () => {
  const probeSpec: MetricAlarmSpec = {
    ...spec,
    alarmName: 'orders-probe-10s',
    periodSeconds: 10,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  };
  const highRes = (value: number, at: number) => {
    const doc = emf(value, at);
    doc._aws.CloudWatchMetrics[0]!.Metrics = [
      { Name: 'CacheReachable', Unit: 'Count', StorageResolution: 1 } as { Name: string; Unit: string },
    ];
    return doc;
  };
  const world = (alarms: MetricAlarmSpec[]) => {
    let now = 6_000_000; // a minute boundary
    const seen: AlarmStateChangeEvent[] = [];
    const cw = new LocalCloudWatch({
      alarms,
      region: 'us-east-1',
      accountId: '000000000000',
      now: () => now,
      onStateChange: (e) => seen.push(e),
    });
    cw.start();
    cw.stop();
    return {
      cw,
      seen,
      /** One 10-second period: a probe round in its middle (unless undefined), then an evaluation at its end. */
      round(value: number | undefined, doc = highRes) {
        if (value !== undefined) cw.putEmf(doc(value, now + 5000));
        now += 10_000;
        cw.evaluate();
      },
    };
  };

  it('evaluates 10-second periods of a high-resolution metric: 3 of 3 failed rounds, 30 s, raise the alarm', () => {
    const w = world([probeSpec]);
    w.round(1);
    w.round(1);
    expect(w.cw.stateOf('orders-probe-10s')).toBe('OK');
    w.round(0);
    w.round(0);
    expect(w.cw.stateOf('orders-probe-10s')).toBe('OK');
    w.round(0);
    expect(w.cw.stateOf('orders-probe-10s')).toBe('ALARM');
    expect(w.seen.at(-1)!.detail.configuration.metrics[0]!.metricStat.period).toBe(10);
    expect(w.seen.at(-1)!.detail.state.reason).toMatch(/3 out of the last 3 datapoints/);
    // A round that did not report is not a failed one: notBreaching.
    const v = world([probeSpec]);
    for (const value of [1, 0, undefined, 0, 0]) v.round(value);
    expect(v.cw.stateOf('orders-probe-10s')).toBe('OK');
    v.round(0);
    expect(v.cw.stateOf('orders-probe-10s')).toBe('ALARM');
  });

  it('stores a standard-resolution value at its minute: a 10-second alarm on it sees one period in six', () => {
    const w = world([probeSpec]);
    // Failed rounds every 10 s, but published without StorageResolution: CloudWatch keeps one-minute data.
    for (let i = 0; i < 12; i += 1) w.round(0, emf);
    expect(w.cw.stateOf('orders-probe-10s')).not.toBe('ALARM');
    // The same rounds at high resolution alarm within three periods.
    const h = world([probeSpec]);
    for (let i = 0; i < 3; i += 1) h.round(0);
    expect(h.cw.stateOf('orders-probe-10s')).toBe('ALARM');
  });

  it("refuses the periods PutMetricAlarm refuses, with AWS's error name", () => {
    for (const periodSeconds of [15, 45, 90, 0])
      expect(() => world([{ ...probeSpec, periodSeconds }])).toThrow(
        expect.objectContaining({
          name: 'InvalidParameterValue',
          message: expect.stringMatching(/Period must be 10, 20, 30 or a multiple of 60/),
        }),
      );
    const w = world([probeSpec]);
    expect(() => w.cw.setAlarms([{ ...probeSpec, periodSeconds: 20, evaluationPeriods: 4321 }])).toThrow(
      expect.objectContaining({ name: 'InvalidParameterValue' }),
    );
    for (const periodSeconds of [10, 20, 30, 60, 120])
      expect(() => world([{ ...probeSpec, periodSeconds }])).not.toThrow();
  });
});
