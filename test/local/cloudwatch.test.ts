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
