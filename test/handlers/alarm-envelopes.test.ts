import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CLOUDWATCH_LIMITS, type AlarmTransition } from '../../functions/domain/alarm';
import { ValidationError } from '../../functions/domain/errors';
import { MAX_EVENT_BYTES, parseAlarmDelivery } from '../../functions/handlers/alarm-envelopes';
import { childAlarmsOf, parseAlarmTime } from '../../functions/handlers/alarm-payloads';

const EVENTS = path.join(__dirname, '..', 'fixtures', 'events');
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8'));
const jsonFiles = (dir: string): string[] =>
  readdirSync(path.join(EVENTS, dir))
    .filter((f) => f.endsWith('.json'))
    .sort();

const ARN = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;

type Expected = Omit<AlarmTransition, 'reason' | 'alarmArn' | 'accountId' | 'region'> & { reasonStartsWith: string };

const VALID: Record<string, Expected> = {
  'eventbridge-probe-alarm.json': {
    source: 'eventbridge',
    alarmName: 'sessions-cache-unreachable',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: 'Threshold Crossed: 2 out of the last 2',
    stateChangeTime: '2024-05-14T09:31:07.412Z',
    dimensions: { CacheId: 'sessions' },
    childAlarmNames: [],
  },
  'eventbridge-probe-ok.json': {
    source: 'eventbridge',
    alarmName: 'sessions-cache-unreachable',
    newState: 'OK',
    previousState: 'ALARM',
    reasonStartsWith: 'Threshold Crossed: 1 out of the last 2',
    stateChangeTime: '2024-05-14T09:52:30.006Z',
    dimensions: { CacheId: 'sessions' },
    childAlarmNames: [],
  },
  'eventbridge-probe-insufficient-data.json': {
    source: 'eventbridge',
    alarmName: 'sessions-cache-unreachable',
    newState: 'INSUFFICIENT_DATA',
    previousState: 'ALARM',
    reasonStartsWith: 'Insufficient Data',
    stateChangeTime: '2024-05-14T09:40:00.000Z',
    dimensions: { CacheId: 'sessions' },
    childAlarmNames: [],
  },
  'eventbridge-elasticache-alarm.json': {
    source: 'eventbridge',
    alarmName: 'profiles-primary-connections-dropped',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: 'Threshold Crossed: 1 out of the last 1',
    stateChangeTime: '2024-05-14T09:30:44.771Z',
    dimensions: { CacheClusterId: 'profiles-rg-001', CacheNodeId: '0001' },
    childAlarmNames: [],
  },
  'eventbridge-metric-math-alarm.json': {
    source: 'eventbridge',
    alarmName: 'profiles-no-healthy-node',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: 'Threshold Crossed: 1 datapoint',
    stateChangeTime: '2024-05-14T09:33:12.160Z',
    dimensions: { CacheClusterId: 'profiles-rg-002' },
    childAlarmNames: [],
  },
  'eventbridge-composite-alarm.json': {
    source: 'eventbridge',
    alarmName: 'sessions-outage',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: ARN('sessions-cache-unreachable'),
    stateChangeTime: '2024-05-14T09:31:45.394Z',
    dimensions: {},
    childAlarmNames: ['sessions-cache-unreachable', 'sessions-rg-evictions-spike'],
  },
  'sns-alarm.json': {
    source: 'sns',
    alarmName: 'profiles-primary-connections-dropped',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: 'Threshold Crossed: 1 out of the last 1',
    stateChangeTime: '2024-05-14T09:30:44.771Z',
    dimensions: { CacheClusterId: 'profiles-rg-001', CacheNodeId: '0001' },
    childAlarmNames: [],
  },
  'sns-metric-math-alarm.json': {
    source: 'sns',
    alarmName: 'sessions-no-healthy-node',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: 'Threshold Crossed: 1 datapoint',
    stateChangeTime: '2024-05-14T09:33:12.160Z',
    dimensions: { ReplicationGroupId: 'sessions-rg', CacheClusterId: 'sessions-rg-002' },
    childAlarmNames: [],
  },
  'sns-composite-alarm.json': {
    source: 'sns',
    alarmName: 'sessions-outage',
    newState: 'ALARM',
    previousState: 'OK',
    reasonStartsWith: ARN('sessions-cache-unreachable'),
    stateChangeTime: '2024-05-14T09:31:45.394Z',
    dimensions: {},
    childAlarmNames: ['sessions-cache-unreachable', 'sessions-rg-evictions-spike'],
  },
  'lambda-action-alarm.json': {
    source: 'lambda-action',
    alarmName: 'sessions-cache-unreachable',
    newState: 'ALARM',
    previousState: 'INSUFFICIENT_DATA',
    reasonStartsWith: 'Threshold Crossed: 2 out of the last 2',
    stateChangeTime: '2024-05-14T09:31:07.412Z',
    dimensions: { CacheId: 'sessions' },
    childAlarmNames: [],
  },
  'lambda-action-composite-alarm.json': {
    source: 'lambda-action',
    alarmName: 'sessions-outage',
    newState: 'ALARM',
    previousState: 'ALARM',
    reasonStartsWith: ARN('sessions-cache-unreachable'),
    stateChangeTime: '2024-05-14T09:31:45.394Z',
    dimensions: {},
    childAlarmNames: ['sessions-cache-unreachable', 'sessions-rg-evictions-spike'],
  },
};

/** The path of the first issue each malformed fixture must be rejected with. */
const MALFORMED: Record<string, string> = {
  'eventbridge-alarm-name-not-string.json': 'detail.alarmName',
  'eventbridge-bad-timestamp.json': 'detail.state.timestamp',
  'eventbridge-dimension-not-string.json': 'detail.configuration.metrics.0.metricStat.metric.dimensions.CacheId',
  'eventbridge-empty-name.json': 'detail.alarmName',
  'eventbridge-missing-state.json': 'detail.state',
  'eventbridge-name-256.json': 'detail.alarmName',
  'eventbridge-scheduled-event.json': 'detail-type',
  'eventbridge-unknown-state.json': 'detail.state.value',
  'lambda-action-missing-name.json': 'alarmData.alarmName',
  'lambda-action-rule-not-string.json': 'alarmData.configuration.alarmRule',
  'lambda-action-state-not-string.json': 'alarmData.state.value',
  'not-an-object.json': '',
  'sns-dimensions-not-array.json': 'Records.0.Sns.Message.Trigger.Dimensions',
  'sns-double-encoded-message.json': 'Records.0.Sns.Message',
  'sns-message-not-string.json': 'Records.0.Sns.Message',
  'sns-missing-new-state.json': 'Records.0.Sns.Message.NewStateValue',
  'sns-no-records.json': 'Records',
  'sns-non-json-message.json': 'Records.0.Sns.Message',
  'sns-subscription-confirmation.json': 'Records.0.Sns.Type',
  'unrecognised-shape.json': '',
};

function rejection(event: unknown): ValidationError {
  try {
    parseAlarmDelivery(event);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError, the event was accepted');
}

describe('parseAlarmDelivery on AWS-shaped deliveries', () => {
  it('has an expectation for every fixture, and a fixture for every expectation', () => {
    expect(jsonFiles('.').filter((f) => f !== 'eventbridge-unicode-name-255.json')).toEqual(Object.keys(VALID).sort());
    expect(jsonFiles('malformed')).toEqual(Object.keys(MALFORMED).sort());
  });

  it.each(Object.entries(VALID))('%s', (file, expected) => {
    const transitions = parseAlarmDelivery(load(file));
    expect(transitions).toHaveLength(1);
    const [t] = transitions as [AlarmTransition];
    const { reasonStartsWith, ...rest } = expected;
    expect(t).toMatchObject(rest);
    expect(t.dimensions).toEqual(expected.dimensions);
    expect(t.reason.startsWith(reasonStartsWith)).toBe(true);
    expect(t.alarmArn).toBe(ARN(expected.alarmName));
    expect(t.accountId).toBe('123456789012');
    expect(t.region).toBe('eu-west-1');
    expect(new Date(t.stateChangeTime).toISOString()).toBe(t.stateChangeTime);
  });

  it('accepts a 255-character alarm name in non-ASCII script', () => {
    const [t] = parseAlarmDelivery(load('eventbridge-unicode-name-255.json'));
    expect(t?.alarmName).toHaveLength(255);
    expect(t?.alarmName).toMatch(/キャッシュ/);
    expect(t?.dimensions).toEqual({ CacheId: 'sessions' });
  });

  it.each(Object.entries(MALFORMED))('rejects %s naming %s', (file, field) => {
    const err = rejection(load(`malformed/${file}`));
    expect(err.name).toBe('ValidationError');
    expect(err.issues[0]?.path).toBe(field);
    if (field) expect(err.message).toContain(field);
  });

  it('reads every record of an SNS batch, in order', () => {
    const one = load('sns-alarm.json') as { Records: unknown[] };
    const two = load('sns-metric-math-alarm.json') as { Records: unknown[] };
    const names = parseAlarmDelivery({ Records: [...one.Records, ...two.Records] }).map((t) => t.alarmName);
    expect(names).toEqual(['profiles-primary-connections-dropped', 'sessions-no-healthy-node']);
  });

  it('names the record index of a bad record in a batch', () => {
    const good = (load('sns-alarm.json') as { Records: unknown[] }).Records[0];
    const bad = (load('malformed/sns-non-json-message.json') as { Records: unknown[] }).Records[0];
    expect(rejection({ Records: [good, bad] }).issues[0]?.path).toBe('Records.1.Sns.Message');
  });

  it('reads CloudWatch timestamps with a +0000 offset as UTC', () => {
    expect(parseAlarmTime('2024-05-14T09:31:07.412+0000')).toBe(Date.UTC(2024, 4, 14, 9, 31, 7, 412));
    expect(parseAlarmTime('2024-05-14T11:31:07.412+0200')).toBe(Date.UTC(2024, 4, 14, 9, 31, 7, 412));
  });

  it('finds composite children in quoted, bare and ARN form', () => {
    expect(
      childAlarmsOf(`ALARM("a b") AND (OK(c) OR INSUFFICIENT_DATA('d')) AND NOT ALARM(${ARN('e')}) OR ALARM(c)`),
    ).toEqual(['a b', 'c', 'd', 'e']);
    expect(childAlarmsOf(undefined)).toEqual([]);
  });
});

describe('parseAlarmDelivery never fails other than with ValidationError', () => {
  const outcome = (event: unknown): 'ok' | 'invalid' => {
    try {
      const ts = parseAlarmDelivery(event);
      for (const t of ts) {
        if (typeof t.alarmName !== 'string' || Number.isNaN(Date.parse(t.stateChangeTime)))
          throw new Error('bad transition');
      }
      return 'ok';
    } catch (err) {
      if (err instanceof ValidationError) return 'invalid';
      throw err;
    }
  };

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        outcome(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary objects shaped like each delivery kind', () => {
    const anyJson = fc.jsonValue();
    const shaped = fc.oneof(
      fc.record({
        'detail-type': fc.oneof(fc.constant('CloudWatch Alarm State Change'), anyJson),
        source: fc.oneof(fc.constant('aws.cloudwatch'), anyJson),
        detail: anyJson,
      }),
      fc.record({ source: fc.constant('aws.cloudwatch'), alarmData: anyJson }),
      fc.record({
        Records: fc.array(
          fc.record({
            EventSource: fc.constant('aws:sns'),
            Sns: fc.record({ Type: fc.constant('Notification'), Message: fc.oneof(fc.string(), fc.json()) }),
          }),
        ),
      }),
    );
    fc.assert(
      fc.property(shaped, (v) => {
        outcome(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('on fixtures with one value replaced anywhere', () => {
    const fixtures = [
      ...jsonFiles('.').map((f) => load(f)),
      ...jsonFiles('malformed').map((f) => load(`malformed/${f}`)),
    ];
    const paths = (v: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
      if (v === null || typeof v !== 'object') return [prefix];
      const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
      return [prefix, ...entries.flatMap(([k, x]) => paths(x, [...prefix, k]))];
    };
    const replaceAt = (v: unknown, p: (string | number)[], value: unknown): unknown => {
      if (p.length === 0) return value;
      const [head, ...rest] = p as [string | number, ...(string | number)[]];
      const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
      copy[head] = replaceAt(copy[head], rest, value);
      return copy;
    };
    const mutated = fc
      .integer({ min: 0, max: fixtures.length - 1 })
      .chain((i) => {
        const f = fixtures[i];
        const all = paths(f);
        return fc.tuple(
          fc.constant(f),
          fc.constantFrom(...all),
          fc.oneof(fc.jsonValue(), fc.string(), fc.constant(undefined)),
        );
      })
      .map(([f, p, value]) => replaceAt(f, p, value));
    fc.assert(
      fc.property(mutated, (v) => {
        outcome(v);
      }),
      { numRuns: 3000 },
    );
  });

  it('on SNS messages that are fixtures with one field mutated', () => {
    const sns = load('sns-metric-math-alarm.json') as { Records: [{ Sns: { Message: string } }] };
    const message = JSON.parse(sns.Records[0].Sns.Message) as Record<string, unknown>;
    const keys = Object.keys(message);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), fc.boolean(), (key, value, encodeTwice) => {
        const m = JSON.stringify({ ...message, [key]: value });
        const event = {
          Records: [
            { ...sns.Records[0], Sns: { ...sns.Records[0].Sns, Message: encodeTwice ? JSON.stringify(m) : m } },
          ],
        };
        outcome(event);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("CloudWatch's limits on alarm fields and EventBridge's event size", () => {
  const eb = () => load('eventbridge-probe-alarm.json') as { detail: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const refused = (e: unknown, path: RegExp) => {
    expect(() => parseAlarmDelivery(e)).toThrow(ValidationError);
    expect(() => parseAlarmDelivery(e)).toThrow(path);
  };

  it('accepts each field at its limit, counted in characters (code points)', () => {
    const e = eb();
    e.detail.alarmName = '🚨'.repeat(CLOUDWATCH_LIMITS.alarmName);
    e.detail.configuration.description = 'é'.repeat(CLOUDWATCH_LIMITS.alarmDescription);
    e.detail.state.reason = 'r'.repeat(CLOUDWATCH_LIMITS.stateReason);
    e.detail.state.reasonData = JSON.stringify({ pad: 'd'.repeat(CLOUDWATCH_LIMITS.stateReasonData - 10) });
    expect(parseAlarmDelivery(e)).toHaveLength(1);
  });

  it('refuses each field one character over its limit', () => {
    const over = (set: (e: ReturnType<typeof eb>) => void) => {
      const e = eb();
      set(e);
      return e;
    };
    refused(
      over((e) => (e.detail.configuration.description = 'é'.repeat(1025))),
      /configuration\.description/,
    );
    refused(
      over((e) => (e.detail.state.reason = 'r'.repeat(1024))),
      /state\.reason/,
    );
    refused(
      over((e) => (e.detail.state.reasonData = 'd'.repeat(4001))),
      /state\.reasonData/,
    );
    refused(
      over((e) => (e.detail.configuration.metrics[0].metricStat.metric.dimensions.CacheId = 'v'.repeat(1025))),
      /dimensions/,
    );
    refused(
      over((e) => (e.detail.configuration.alarmRule = 'ALARM(a) OR '.repeat(900))),
      /alarmRule/,
    );
  });

  it('refuses an EventBridge event over 256 KB before reading it', () => {
    const e = eb();
    e.detail.extra = 'x'.repeat(MAX_EVENT_BYTES);
    refused(e, /over the 256 KB EventBridge allows/);
  });
});

describe('the datapoints CloudWatch says it evaluated', () => {
  it('come from the reason data of EventBridge and Lambda alarm actions, and from the reason text of SNS', () => {
    expect(parseAlarmDelivery(load('eventbridge-probe-alarm.json'))[0]?.evaluatedValues).toEqual([0, 0]);
    expect(parseAlarmDelivery(load('lambda-action-alarm.json'))[0]?.evaluatedValues).toEqual([0, 0]);
    expect(parseAlarmDelivery(load('sns-alarm.json'))[0]?.evaluatedValues).toEqual([0]);
  });
});
