/**
 * Bad input never crashes a function and never starts a recovery: the alarm
 * intake (through its handler, with fakes) and every step's input parser
 * answer with a typed result or a typed error, whatever arrives.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { protectedCachesSchema } from '../../functions/domain/caches';
import { DomainError, ValidationError } from '../../functions/domain/errors';
import {
  assessInputSchema,
  checkCacheInputSchema,
  closeInputSchema,
  cutOverInputSchema,
  escalateInputSchema,
  notifyInputSchema,
  recoveryInputSchema,
  rehydrateInputSchema,
  requestApprovalInputSchema,
  verifyInputSchema,
} from '../../functions/domain/steps';
import { parseInput } from '../../functions/domain/validation';
import { statusChangeOf } from '../../functions/handlers/execution-status';
import { makeHandler } from '../../functions/handlers/on-alarm';
import type { IntakeResult } from '../../functions/usecases/intake';
import { FakeClock, FakeIncidentStore, FakeWorkflow, lambdaContext } from '../fakes';
import { SHAPES, alarmDelivery, figure, type AlarmShape } from './harness';
import { assertProperty, RUNS, SEED } from './properties';

const NOW = '2024-05-14T09:35:00.000Z';
const ACCOUNT = '000000000000';

/** A 255-character alarm name in non-Latin script (listed for the cache like the other alarm). */
const UNICODE_NAME = 'キャッシュ🚨'.repeat(37).slice(0, 255);

const CACHES = protectedCachesSchema.parse([
  {
    id: 'accounts',
    endpoint: { host: '127.0.0.1', port: 6379 },
    endpointParameter: '/cache-outage/accounts/endpoint',
    alarmNames: ['accounts-unreachable', UNICODE_NAME],
  },
]);

function onAlarm(region?: string, expectedAccountId: string | undefined = ACCOUNT) {
  const clock = new FakeClock(NOW);
  const store = new FakeIncidentStore(clock);
  const workflow = new FakeWorkflow();
  const handler = makeHandler({
    store,
    workflow,
    clock,
    config: {
      protectedCaches: CACHES,
      settings: {
        pollIntervalSeconds: 30,
        maxPolls: 40,
        approvalTimeoutSeconds: 1800,
        approvalHeartbeatSeconds: 600,
        approvalDefault: 'abort',
      },
      alarmMaxAgeSeconds: 900,
      dedupTtlSeconds: 172800,
      ...(expectedAccountId ? { expectedAccountId } : {}),
      ...(region ? { region } : {}),
    },
  });
  const invoke = (event: unknown) => handler(event, lambdaContext('on-alarm')) as Promise<IntakeResult>;
  return { workflow, invoke };
}

type Outcome = { kind: 'result'; result: IntakeResult } | { kind: 'typed-error'; error: DomainError };

/** Runs the handler; anything but a result or a DomainError fails the property. */
async function classify(invoke: (e: unknown) => Promise<IntakeResult>, event: unknown): Promise<Outcome> {
  try {
    return { kind: 'result', result: await invoke(event) };
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'typed-error', error };
    throw error;
  }
}

const delivery = (shape: AlarmShape, overrides: Partial<Parameters<typeof alarmDelivery>[1]> = {}) =>
  alarmDelivery(shape, {
    alarmName: 'accounts-unreachable',
    cacheId: 'accounts',
    state: 'ALARM',
    at: new Date(Date.parse(NOW) - 60_000),
    ...overrides,
  });

/** The probe alarm's reason text, as CloudWatch writes it. */
const REASON =
  'Threshold Crossed: 2 out of the last 3 datapoints [0.0 (14/05/24 09:30:00), 0.0 (14/05/24 09:29:00)] were less than the threshold (1.0)';

/** An SNS delivery whose alarm message has the given fields replaced. */
function snsMessageWith(fields: Record<string, unknown>): unknown {
  const e = delivery('sns');
  e.Records[0].Sns.Message = JSON.stringify({
    ...(JSON.parse(e.Records[0].Sns.Message as string) as Record<string, unknown>),
    ...fields,
  });
  return e;
}

/** Every path to a value in a JSON document. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** A copy of `doc` with the value at `path` replaced (or removed when `replacement` is undefined). */
function mutate(doc: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

function mutations(valid: unknown): fc.Arbitrary<unknown> {
  const all = paths(valid);
  return fc
    .tuple(
      fc.constantFrom(...all),
      fc.oneof(
        fc.jsonValue(),
        fc.string(),
        fc.constant(undefined),
        fc.constant(null),
        fc.double(),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
      ),
    )
    .map(([path, replacement]) => mutate(valid, path, replacement));
}

/** Re-encodes an SNS delivery's message: twice-encoded, truncated or replaced. */
const snsMessageAbuse = fc
  .tuple(fc.constantFrom<'double' | 'truncate' | 'text'>('double', 'truncate', 'text'), fc.string())
  .map(([how, text]) => {
    const e = delivery('sns');
    const message = e.Records[0].Sns.Message as string;
    e.Records[0].Sns.Message =
      how === 'double'
        ? JSON.stringify(message)
        : how === 'truncate'
          ? message.slice(0, Math.max(1, text.length))
          : text;
    return e as unknown;
  });

let silenced: jest.SpyInstance[] = [];
beforeEach(() => {
  silenced = [process.stdout, process.stderr].map((s) => jest.spyOn(s, 'write').mockImplementation(() => true));
});
afterEach(() => {
  for (const s of silenced) s.mockRestore();
});

afterAll(() => {
  figure('bad_input.runs_per_parser', RUNS);
  figure('bad_input.seed', SEED);
});

describe('on-alarm never fails other than with a typed error, and bad input starts nothing', () => {
  it('arbitrary JSON and alarm deliveries of every shape with one value replaced or removed', async () => {
    const input = fc.oneof(fc.jsonValue(), ...SHAPES.map((shape) => mutations(delivery(shape))), snsMessageAbuse);
    let typedErrors = 0;
    await assertProperty(
      'on-alarm',
      fc.asyncProperty(input, async (event) => {
        const { workflow, invoke } = onAlarm();
        const out = await classify(invoke, event);
        const starts = workflow.started().length;
        if (out.kind === 'typed-error') {
          typedErrors += 1;
          return starts === 0;
        }
        const started = out.result.outcomes.filter((o) => o.outcome === 'started' && !o.alreadyStarted).length;
        return starts === started && starts <= 1;
      }),
    );
    figure('bad_input.on_alarm_typed_errors', `${typedErrors}/${RUNS}`);
  });

  const named: [string, () => unknown, 'ValidationError' | 'ignored' | 'accepted'][] = [
    ['missing detail', () => ({ ...delivery('eventbridge'), detail: undefined }), 'ValidationError'],
    ['alarm name a number', () => mutate(delivery('lambda-action'), ['alarmData', 'alarmName'], 42), 'ValidationError'],
    ['state a list', () => mutate(delivery('eventbridge'), ['detail', 'state', 'value'], ['ALARM']), 'ValidationError'],
    [
      'non-JSON SNS message',
      () => mutate(delivery('sns'), ['Records', 0, 'Sns', 'Message'], 'ALARM: "accounts-unreachable" {'),
      'ValidationError',
    ],
    [
      'double-encoded SNS message',
      () =>
        mutate(
          delivery('sns'),
          ['Records', 0, 'Sns', 'Message'],
          JSON.stringify(delivery('sns').Records[0].Sns.Message),
        ),
      'ValidationError',
    ],
    [
      'SNS SubscriptionConfirmation',
      () => mutate(delivery('sns'), ['Records', 0, 'Sns', 'Type'], 'SubscriptionConfirmation'),
      'ValidationError',
    ],
    ['foreign account', () => mutate(delivery('eventbridge'), ['account'], '999999999999'), 'ValidationError'],
    ['stale StateChangeTime', () => delivery('sns', { at: new Date(Date.parse(NOW) - 3600_000) }), 'ignored'],
    ['255-character Unicode alarm name', () => delivery('eventbridge', { alarmName: UNICODE_NAME }), 'accepted'],
    ['256-character alarm name', () => delivery('eventbridge', { alarmName: 'é'.repeat(256) }), 'ValidationError'],
    // CloudWatch's limits (PutMetricAlarm, SetAlarmState, Dimension) and EventBridge's 256 KB per event.
    [
      'state reason of 1,023 characters (SetAlarmState maximum)',
      () =>
        mutate(
          delivery('eventbridge'),
          ['detail', 'state', 'reason'],
          `${REASON} ${'ü'.repeat(1023 - REASON.length - 1)}`,
        ),
      'accepted',
    ],
    [
      'state reason of 1,024 characters',
      () => mutate(delivery('eventbridge'), ['detail', 'state', 'reason'], 'x'.repeat(1024)),
      'ValidationError',
    ],
    [
      'body over 256 KB in the state reason',
      () => mutate(delivery('eventbridge'), ['detail', 'state', 'reason'], 'x'.repeat(300 * 1024)),
      'ValidationError',
    ],
    [
      'alarm description of 1,025 characters (EventBridge)',
      () => mutate(delivery('eventbridge'), ['detail', 'configuration', 'description'], 'd'.repeat(1025)),
      'ValidationError',
    ],
    [
      'alarm description of 1,024 characters (PutMetricAlarm maximum)',
      () => mutate(delivery('eventbridge'), ['detail', 'configuration', 'description'], 'd'.repeat(1024)),
      'accepted',
    ],
    [
      'alarm description of 1,025 characters (SNS)',
      () => snsMessageWith({ AlarmDescription: 'd'.repeat(1025) }),
      'ValidationError',
    ],
    [
      'SNS state reason of 5,000 characters',
      () => snsMessageWith({ NewStateReason: 'r'.repeat(5000) }),
      'ValidationError',
    ],
    [
      'state reason data of 4,001 characters',
      () =>
        mutate(
          delivery('lambda-action'),
          ['alarmData', 'state', 'reasonData'],
          JSON.stringify({ pad: 'p'.repeat(3995) }),
        ),
      'ValidationError',
    ],
    [
      'dimension value of 1,025 characters',
      () =>
        mutate(
          delivery('eventbridge'),
          ['detail', 'configuration', 'metrics', 0, 'metricStat', 'metric', 'dimensions', 'Extra'],
          'v'.repeat(1025),
        ),
      'ValidationError',
    ],
    [
      'event over 256 KB in an unchecked field',
      () => mutate(delivery('eventbridge'), ['detail', 'configuration', 'padding'], 'z'.repeat(257 * 1024)),
      'ValidationError',
    ],
    [
      'SNS message over 256 KB',
      () => mutate(delivery('sns'), ['Records', 0, 'Sns', 'Message'], 'y'.repeat(300 * 1024)),
      'ValidationError',
    ],
  ];
  it.each(named.map(([name, make, expected]) => ({ name, make, expected })))(
    '$name → $expected, no execution unless accepted',
    async ({ make, expected }) => {
      const { workflow, invoke } = onAlarm();
      const out = await classify(invoke, make());
      if (expected === 'ValidationError') {
        expect(out.kind === 'typed-error' && out.error).toBeInstanceOf(ValidationError);
        expect(workflow.started()).toHaveLength(0);
      } else if (expected === 'ignored') {
        expect(out.kind === 'result' && out.result.outcomes.map((o) => o.outcome)).toEqual(['ignored']);
        expect(workflow.started()).toHaveLength(0);
      } else {
        expect(out.kind).toBe('result');
        expect(workflow.started().length).toBeLessThanOrEqual(1);
      }
    },
  );

  it("nothing over CloudWatch's field limits or EventBridge's event size starts a recovery (property)", async () => {
    /** One field set past its documented limit, in each delivery shape: [shape, path in the delivery, limit]. */
    const fields: [AlarmShape, (string | number)[], number, 'text' | 'json'][] = [
      ['eventbridge', ['detail', 'alarmName'], 255, 'text'],
      ['lambda-action', ['alarmData', 'alarmName'], 255, 'text'],
      ['eventbridge', ['detail', 'configuration', 'description'], 1024, 'text'],
      ['lambda-action', ['alarmData', 'configuration', 'description'], 1024, 'text'],
      ['eventbridge', ['detail', 'state', 'reason'], 1023, 'text'],
      ['lambda-action', ['alarmData', 'state', 'reason'], 1023, 'text'],
      ['eventbridge', ['detail', 'state', 'reasonData'], 4000, 'json'],
      ['lambda-action', ['alarmData', 'state', 'reasonData'], 4000, 'json'],
      [
        'eventbridge',
        ['detail', 'configuration', 'metrics', 0, 'metricStat', 'metric', 'dimensions', 'CacheId'],
        1024,
        'text',
      ],
      ['eventbridge', ['detail', 'configuration', 'alarmRule'], 10240, 'text'],
      ['eventbridge', ['detail', 'configuration', 'anything'], 256 * 1024, 'text'],
    ];
    const snsFields: [string, number][] = [
      ['AlarmName', 255],
      ['AlarmDescription', 1024],
      ['NewStateReason', 1023],
      ['AlarmRule', 10240],
    ];
    const over = (limit: number) =>
      fc
        .tuple(fc.integer({ min: 1, max: 2048 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }))
        .map(([extra, unit]) => {
          // At least limit + extra characters (code points), built from arbitrary graphemes.
          const want = limit + extra;
          let out = '';
          let n = 0;
          while (n < want) {
            out += unit;
            n += [...unit].length;
          }
          return out;
        });
    const viaPath = fc
      .constantFrom(...fields)
      .chain(([shape, path, limit, kind]) =>
        over(limit).map((value) =>
          mutate(
            delivery(shape),
            path,
            kind === 'json' ? JSON.stringify({ recentDatapoints: [0, 0], pad: value }) : value,
          ),
        ),
      );
    const viaSns = fc
      .constantFrom(...snsFields)
      .chain(([field, limit]) => over(limit).map((value) => snsMessageWith({ [field]: value })));
    let refused = 0;
    await assertProperty(
      'alarm limits',
      fc.asyncProperty(fc.oneof(viaPath, viaSns), async (event) => {
        const { workflow, invoke } = onAlarm();
        const out = await classify(invoke, event);
        if (out.kind === 'typed-error' && out.error instanceof ValidationError) refused += 1;
        return out.kind === 'typed-error' && out.error instanceof ValidationError && workflow.started().length === 0;
      }),
    );
    figure('bad_input.over_limit_refused', `${refused}/${RUNS}`);
  });

  it('an alarm from another region is a typed error and starts nothing', async () => {
    const { workflow, invoke } = onAlarm('us-east-1');
    const event = mutate(delivery('eventbridge'), ['region'], 'ap-southeast-2');
    const out = await classify(invoke, event);
    expect(out.kind === 'typed-error' && out.error.name).toBe('ValidationError');
    expect(out.kind === 'typed-error' && out.error.message).toMatch(/region ap-southeast-2/);
    figure(
      'bad_input.foreign_region_outcome',
      out.kind === 'result' ? (out.result.outcomes[0]?.outcome ?? 'none') : out.error.name,
    );
    expect(workflow.started()).toHaveLength(0);
  });
});

const AT = '2024-05-14T09:31:07.000Z';
const REF = { incidentId: 'accounts-20240514T093107Z', cacheId: 'accounts' };
const ASSESSMENT = {
  primaryReachable: false,
  backup: {
    bucket: 'backups',
    key: 'accounts/a.rdb',
    snapshotArn: 'arn:aws:s3:::backups/accounts/a.rdb',
    lastModified: AT,
    sizeBytes: 1024,
    ageMinutes: 10,
    rdbVersion: 11,
  },
  rejectedBackups: [],
  plan: 'PROVISION_FROM_BACKUP',
  reason: 'newest valid backup',
  requiresApproval: true,
  etaMinutes: 6,
  rehydrateSince: AT,
};
const RECOVERY = {
  plan: 'PROVISION_FROM_BACKUP',
  replicationGroupId: 'accounts-r1',
  startedAt: AT,
  polls: 0,
  status: 'creating',
  ready: false,
};
const CUTOVER = {
  parameter: '/cache-outage/accounts/endpoint',
  current: { host: 'h.example', port: 6379, tls: true },
  version: 2,
  at: AT,
};

const STEP_PARSERS: [string, z.ZodType, unknown][] = [
  ['notify', notifyInputSchema, { ...REF, stage: 'ETA', etaMinutes: 5 }],
  ['assess', assessInputSchema, { ...REF, openedAt: AT }],
  [
    'request-approval',
    requestApprovalInputSchema,
    { ...REF, taskToken: 'AQB8AAAAKgAAAAMAAAAA', step: 'recovery-plan', assessment: ASSESSMENT },
  ],
  ['promote', recoveryInputSchema, { ...REF, assessment: { ...ASSESSMENT, plan: 'PROMOTE_REPLICA' } }],
  ['provision', recoveryInputSchema, { ...REF, assessment: ASSESSMENT }],
  ['check-cache', checkCacheInputSchema, { ...REF, recovery: RECOVERY, maxPolls: 40 }],
  [
    'cut-over',
    cutOverInputSchema,
    { ...REF, recovery: { ...RECOVERY, ready: true, status: 'available', endpoint: CUTOVER.current } },
  ],
  ['verify', verifyInputSchema, { ...REF, mode: 'data', cutover: CUTOVER, assessment: ASSESSMENT }],
  ['rehydrate', rehydrateInputSchema, { ...REF, assessment: ASSESSMENT, cutover: CUTOVER }],
  ['close-incident', closeInputSchema, { ...REF, plan: 'PROVISION_FROM_BACKUP' }],
  [
    'escalate',
    escalateInputSchema,
    { ...REF, kind: 'failed', error: { Error: 'CacheProvisioningFailedError', Cause: 'create-failed' } },
  ],
];

describe('every step input parser gives a typed result or a ValidationError', () => {
  it.each(STEP_PARSERS)('%s', async (name, schema, valid) => {
    expect(() => parseInput(name, schema, valid)).not.toThrow();
    let rejected = 0;
    await assertProperty(
      name,
      fc.property(fc.oneof(fc.jsonValue(), mutations(valid)), (event) => {
        try {
          parseInput(name, schema, event);
        } catch (error) {
          rejected += 1;
          return error instanceof ValidationError && error.issues.length > 0;
        }
        return true;
      }),
    );
    expect(rejected).toBeGreaterThan(RUNS / 4);
  });
});

describe('the execution status event gives a typed change or a ValidationError', () => {
  const valid = {
    version: '0',
    id: 'e-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: ACCOUNT,
    time: AT,
    region: 'us-east-1',
    resources: ['arn:aws:states:us-east-1:000000000000:execution:recovery:x'],
    detail: {
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:recovery:x',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:recovery',
      name: 'x',
      status: 'FAILED',
      startDate: 1715678000000,
      stopDate: 1715679000000,
      input: JSON.stringify({ ...REF, openedAt: AT }),
      inputDetails: { included: true },
      error: 'TransientDependencyError',
      cause: 'SSM throttled',
      redriveCount: 0,
    },
  };
  /** The execution input is a JSON string inside the event: mutate it too, re-encoded or not. */
  const inputAbuse = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    mutations({ ...REF, openedAt: AT }).map((v) => JSON.stringify(v) ?? 'null'),
  );

  it('execution-status', async () => {
    expect(statusChangeOf(valid).input).toEqual(REF);
    let rejected = 0;
    await assertProperty(
      'execution status event',
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          mutations(valid),
          inputAbuse.map((input) => ({ ...valid, detail: { ...valid.detail, input } })),
        ),
        (event) => {
          try {
            statusChangeOf(event);
          } catch (error) {
            rejected += 1;
            return error instanceof ValidationError && error.issues.length > 0;
          }
          return true;
        },
      ),
    );
    expect(rejected).toBeGreaterThan(RUNS / 4);
  });
});
