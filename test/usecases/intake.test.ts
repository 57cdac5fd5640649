import { readFileSync } from 'node:fs';
import path from 'node:path';
import { protectedCachesSchema } from '../../functions/domain/caches';
import { TransientDependencyError, ValidationError } from '../../functions/domain/errors';
import { executionNameFor, incidentIdFor, type WorkflowSettings } from '../../functions/domain/incident';
import { parseAlarmDelivery } from '../../functions/handlers/alarm-envelopes';
import { intake, type IntakeConfig, type IntakeDeps, type IntakeOutcome } from '../../functions/usecases/intake';
import { FakeClock, FakeIncidentStore, FakeWorkflow } from '../fakes';

const EVENTS = path.join(__dirname, '..', 'fixtures', 'events');
const load = <T = Record<string, unknown>>(file: string): T =>
  JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8')) as T;

const SETTINGS: WorkflowSettings = {
  pollIntervalSeconds: 30,
  maxPolls: 40,
  approvalTimeoutSeconds: 1800,
  approvalHeartbeatSeconds: 600,
  approvalDefault: 'abort',
};

const CACHES = protectedCachesSchema.parse([
  {
    id: 'sessions',
    endpoint: { host: 'sessions.abc123.euw1.cache.amazonaws.com', port: 6379, tls: true },
    endpointParameter: '/cache-outage/sessions/endpoint',
    replicationGroupId: 'sessions-rg',
    alarmNames: [
      'sessions-cache-unreachable',
      'sessions-no-healthy-node',
      'sessions-latency',
      'later',
      ...Array.from({ length: 20 }, (_, i) => `sessions-alarm-${i}`),
    ],
  },
  {
    id: 'profiles',
    endpoint: { host: 'profiles.abc123.euw1.cache.amazonaws.com', port: 6379 },
    endpointParameter: '/cache-outage/profiles/endpoint',
    replicationGroupId: 'profiles-rg',
    // The operators' own ElastiCache alarms on this group, listed so that they may open incidents.
    alarmNames: ['profiles-primary-connections-dropped', 'profiles-no-healthy-node'],
  },
]);

/** Shortly after the fixtures' alarms fired. */
const NOW = '2024-05-14T09:35:00.000Z';

function world(config: Partial<IntakeConfig> = {}) {
  const clock = new FakeClock(NOW);
  const store = new FakeIncidentStore(clock);
  const workflow = new FakeWorkflow();
  const deps: IntakeDeps = {
    store,
    workflow,
    config: {
      protectedCaches: CACHES,
      settings: SETTINGS,
      alarmMaxAgeSeconds: 3600,
      dedupTtlSeconds: 172800,
      ...config,
    },
  };
  const run = async (event: unknown) => intake(deps, parseAlarmDelivery(event), clock.now());
  return { clock, store, workflow, deps, run };
}

/** The probe alarm fixture for another alarm name / time / state. */
function probeAlarm(
  opts: {
    name?: string;
    at?: string;
    state?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
    cacheId?: string;
    account?: string;
  } = {},
) {
  const e = load<{
    account: string;
    detail: {
      alarmName: string;
      state: { value: string; timestamp: string };
      configuration: { metrics: [{ metricStat: { metric: { dimensions: Record<string, string> } } }] };
    };
  }>('eventbridge-probe-alarm.json');
  if (opts.name) e.detail.alarmName = opts.name;
  if (opts.at) e.detail.state.timestamp = opts.at;
  if (opts.state) e.detail.state.value = opts.state;
  if (opts.cacheId) e.detail.configuration.metrics[0].metricStat.metric.dimensions = { CacheId: opts.cacheId };
  if (opts.account) e.account = opts.account;
  return e;
}

const only = (outcomes: IntakeOutcome[]): IntakeOutcome => {
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
};

const SESSIONS_INCIDENT = incidentIdFor('sessions', '2024-05-14T09:31:07.412Z');

describe('intake: ALARM', () => {
  it('starts one execution named after the incident, with the settings and the trigger', async () => {
    const w = world();
    const o = only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes);
    expect(o).toMatchObject({
      outcome: 'started',
      cacheId: 'sessions',
      incidentId: SESSIONS_INCIDENT,
      alreadyStarted: false,
    });
    const started = w.workflow.started();
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      name: executionNameFor(SESSIONS_INCIDENT),
      input: {
        incidentId: SESSIONS_INCIDENT,
        cacheId: 'sessions',
        openedAt: '2024-05-14T09:31:07.412Z',
        trigger: {
          alarmName: 'sessions-cache-unreachable',
          source: 'eventbridge',
          stateChangeTime: '2024-05-14T09:31:07.412Z',
        },
        settings: SETTINGS,
      },
    });
    expect(started[0]!.input.trigger.reason).toMatch(/^Threshold Crossed/);
    const lock = await w.store.getOpenLock('sessions');
    expect(lock).toMatchObject({ incidentId: SESSIONS_INCIDENT, executionName: executionNameFor(SESSIONS_INCIDENT) });
    expect(lock?.executionInput).toEqual(started[0]!.input);
  });

  it.each([
    ['eventbridge-elasticache-alarm.json', 'profiles'],
    ['eventbridge-metric-math-alarm.json', 'profiles'],
    ['sns-alarm.json', 'profiles'],
    ['sns-metric-math-alarm.json', 'sessions'],
    ['lambda-action-alarm.json', 'sessions'],
    ['eventbridge-composite-alarm.json', 'sessions'],
    ['sns-composite-alarm.json', 'sessions'],
    ['lambda-action-composite-alarm.json', 'sessions'],
  ])('%s opens an incident for %s', async (file, cacheId) => {
    const w = world();
    const o = only((await w.run(load(file))).outcomes);
    expect(o).toMatchObject({ outcome: 'started', cacheId });
    expect(w.workflow.started()).toHaveLength(1);
  });

  it('the same delivery N times, concurrently, starts exactly one execution', async () => {
    const w = world();
    const event = load('eventbridge-probe-alarm.json');
    const results = await Promise.all(Array.from({ length: 10 }, () => w.run(event)));
    expect(w.workflow.started()).toHaveLength(1);
    const outcomes = results.map((r) => only(r.outcomes));
    expect(outcomes.every((o) => 'incidentId' in o && o.incidentId === SESSIONS_INCIDENT)).toBe(true);
    expect(outcomes.filter((o) => o.outcome === 'started' && !o.alreadyStarted)).toHaveLength(1);
    // The opening alarm is on the timeline once, however many times it was delivered.
    expect((await w.store.timeline(SESSIONS_INCIDENT)).map((e) => e.type)).toEqual(['INCIDENT_OPENED']);
  });

  it('the same transition through EventBridge, SNS-style redelivery and sequential retries starts one execution', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    await w.run(load('lambda-action-alarm.json'));
    const again = only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes);
    expect(again).toMatchObject({
      outcome: 'duplicate',
      incidentId: SESSIONS_INCIDENT,
      restartedExecution: false,
      firstDelivery: false,
    });
    expect(w.workflow.started()).toHaveLength(1);
  });

  it('a storm of 20 different alarms for one cache opens one incident and records 19 alarms on it', async () => {
    const w = world();
    const events = Array.from({ length: 20 }, (_, i) =>
      probeAlarm({
        name: `sessions-alarm-${i}`,
        at: new Date(Date.parse('2024-05-14T09:31:00.000Z') + i * 1000).toISOString(),
      }),
    );
    const results = await Promise.all(events.map((e) => w.run(e)));
    const outcomes = results.map((r) => only(r.outcomes));
    expect(w.workflow.started()).toHaveLength(1);
    const opened = outcomes.filter((o) => o.outcome === 'started');
    expect(opened).toHaveLength(1);
    const incidentId = (opened[0] as { incidentId: string }).incidentId;
    expect(outcomes.filter((o) => o.outcome === 'duplicate' && o.incidentId === incidentId)).toHaveLength(19);
    const [first, ...timeline] = await w.store.timeline(incidentId);
    expect(first).toMatchObject({
      type: 'INCIDENT_OPENED',
      detail: { alarmName: (opened[0] as { alarmName: string }).alarmName },
    });
    expect(timeline).toHaveLength(19);
    expect(new Set(timeline.map((e) => e.type))).toEqual(new Set(['ALARM']));
    expect(timeline.map((e) => e.detail?.alarmName)).not.toContain((opened[0] as { alarmName: string }).alarmName);
  });

  it('redelivering the storm records nothing twice', async () => {
    const w = world();
    const events = Array.from({ length: 5 }, (_, i) =>
      probeAlarm({ name: `sessions-alarm-${i}`, at: `2024-05-14T09:31:0${i}.000Z` }),
    );
    for (const e of events) await w.run(e);
    for (const e of events) await w.run(e);
    expect(w.workflow.started()).toHaveLength(1);
    expect(await w.store.timeline(incidentIdFor('sessions', '2024-05-14T09:31:00.000Z'))).toHaveLength(5);
  });

  it('two caches in trouble at once get two incidents', async () => {
    const w = world();
    const [a, b] = await Promise.all([
      w.run(load('eventbridge-probe-alarm.json')),
      w.run(load('eventbridge-elasticache-alarm.json')),
    ]);
    expect(only(a!.outcomes)).toMatchObject({ outcome: 'started', cacheId: 'sessions' });
    expect(only(b!.outcomes)).toMatchObject({ outcome: 'started', cacheId: 'profiles' });
    expect(
      w.workflow
        .started()
        .map((s) => s.input.cacheId)
        .sort(),
    ).toEqual(['profiles', 'sessions']);
  });

  it('a new ALARM after the lock was released opens a new incident', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    await w.store.releaseOpenLock('sessions', SESSIONS_INCIDENT);
    w.clock.set('2024-05-14T11:05:00.000Z');
    const o = only((await w.run(probeAlarm({ at: '2024-05-14T11:02:00.000+0000' }))).outcomes);
    expect(o).toMatchObject({ outcome: 'started', incidentId: incidentIdFor('sessions', '2024-05-14T11:02:00.000Z') });
    expect(o).not.toMatchObject({ incidentId: SESSIONS_INCIDENT });
    expect(w.workflow.started()).toHaveLength(2);
  });

  it('a lock left behind by a closed incident does not swallow the next outage', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    w.store.seedIncident({ incidentId: SESSIONS_INCIDENT, cacheId: 'sessions', status: 'RESOLVED' });
    w.clock.set('2024-05-14T11:05:00.000Z');
    const o = only((await w.run(probeAlarm({ at: '2024-05-14T11:02:00.000+0000' }))).outcomes);
    expect(o).toMatchObject({ outcome: 'started', incidentId: incidentIdFor('sessions', '2024-05-14T11:02:00.000Z') });
    expect((await w.store.getOpenLock('sessions'))?.incidentId).toBe(
      incidentIdFor('sessions', '2024-05-14T11:02:00.000Z'),
    );
  });

  it('a redelivered ALARM of a closed incident starts nothing and frees the cache', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    w.store.seedIncident({ incidentId: SESSIONS_INCIDENT, cacheId: 'sessions', status: 'FAILED' });
    const o = only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes);
    expect(o).toMatchObject({ outcome: 'ignored', reason: 'incident-closed', incidentId: SESSIONS_INCIDENT });
    expect(w.workflow.started()).toHaveLength(1);
    expect(await w.store.getOpenLock('sessions')).toBeUndefined();
  });

  it('an incident that is recorded and OPEN keeps its lock', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    w.store.seedIncident({ incidentId: SESSIONS_INCIDENT, cacheId: 'sessions', status: 'OPEN' });
    const o = only((await w.run(probeAlarm({ name: 'later', at: '2024-05-14T09:34:00.000Z' }))).outcomes);
    expect(o).toMatchObject({ outcome: 'duplicate', incidentId: SESSIONS_INCIDENT });
  });
});

describe('intake: crashes between the lock and the execution', () => {
  it('StartExecution failing after the lock was written: the redelivery starts exactly one execution', async () => {
    const w = world();
    const event = load('eventbridge-probe-alarm.json');
    w.workflow.failures.fail('start', new TransientDependencyError('Step Functions StartExecution: throttled'));
    await expect(w.run(event)).rejects.toThrow(TransientDependencyError);
    expect(await w.store.getOpenLock('sessions')).toMatchObject({ incidentId: SESSIONS_INCIDENT });
    expect(w.workflow.started()).toHaveLength(0);

    const o = only((await w.run(event)).outcomes);
    expect(o).toMatchObject({ outcome: 'started', incidentId: SESSIONS_INCIDENT, alreadyStarted: false });
    expect(w.workflow.started()).toHaveLength(1);
    const lock = await w.store.getOpenLock('sessions');
    expect(w.workflow.started()[0]).toMatchObject({ name: lock?.executionName, input: lock?.executionInput });

    await w.run(event);
    expect(w.workflow.started()).toHaveLength(1);
  });

  it('if the original alarm is never redelivered, the next alarm of the cache starts the missing execution', async () => {
    const w = world();
    w.workflow.failures.fail('start', new TransientDependencyError('throttled'), 3);
    for (let i = 0; i < 3; i++) await expect(w.run(load('eventbridge-probe-alarm.json'))).rejects.toThrow();
    const o = only((await w.run(probeAlarm({ name: 'sessions-latency', at: '2024-05-14T09:33:00.000Z' }))).outcomes);
    expect(o).toMatchObject({ outcome: 'duplicate', incidentId: SESSIONS_INCIDENT, restartedExecution: true });
    expect(w.workflow.started()).toEqual([expect.objectContaining({ name: executionNameFor(SESSIONS_INCIDENT) })]);
    expect(w.workflow.started()[0]!.input.trigger.alarmName).toBe('sessions-cache-unreachable');
  });

  it('the lock write failing starts nothing, and the redelivery opens the incident', async () => {
    const w = world();
    w.store.failures.fail('acquireOpenLock', new TransientDependencyError('DynamoDB PutItem: throttled'));
    await expect(w.run(load('eventbridge-probe-alarm.json'))).rejects.toThrow(TransientDependencyError);
    expect(w.workflow.calls).toHaveLength(0);
    expect(only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes)).toMatchObject({ outcome: 'started' });
    expect(w.workflow.started()).toHaveLength(1);
  });

  it('a crash after the delivery marker was written still opens the incident on redelivery', async () => {
    const w = world();
    w.store.failures.fail('acquireOpenLock', new Error('Task timed out'));
    await expect(w.run(load('eventbridge-probe-alarm.json'))).rejects.toThrow();
    expect(only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes)).toMatchObject({ outcome: 'started' });
  });
});

describe('intake: OK and INSUFFICIENT_DATA', () => {
  it('are recorded on the open incident and start nothing', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    const ok = only((await w.run(load('eventbridge-probe-ok.json'))).outcomes);
    const nodata = only((await w.run(load('eventbridge-probe-insufficient-data.json'))).outcomes);
    expect(ok).toMatchObject({ outcome: 'recorded', incidentId: SESSIONS_INCIDENT, newState: 'OK' });
    expect(nodata).toMatchObject({ outcome: 'recorded', incidentId: SESSIONS_INCIDENT, newState: 'INSUFFICIENT_DATA' });
    expect(w.workflow.calls).toHaveLength(1);
    expect((await w.store.timeline(SESSIONS_INCIDENT)).map((e) => e.type).sort()).toEqual([
      'ALARM_INSUFFICIENT_DATA',
      'ALARM_OK',
      'INCIDENT_OPENED',
    ]);
  });

  it('are recorded once however often they are delivered', async () => {
    const w = world();
    await w.run(load('eventbridge-probe-alarm.json'));
    await Promise.all([1, 2, 3].map(() => w.run(load('eventbridge-probe-ok.json'))));
    expect((await w.store.timeline(SESSIONS_INCIDENT)).map((e) => e.type)).toEqual(['INCIDENT_OPENED', 'ALARM_OK']);
  });

  it('are ignored when no incident is open', async () => {
    const w = world();
    const o = only((await w.run(load('eventbridge-probe-ok.json'))).outcomes);
    expect(o).toMatchObject({ outcome: 'ignored', reason: 'no-open-incident', cacheId: 'sessions' });
    expect(w.workflow.calls).toHaveLength(0);
  });
});

describe('intake: what starts nothing', () => {
  it('an alarm from another account is rejected', async () => {
    const w = world({ expectedAccountId: '210987654321' });
    const o = only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes);
    expect(o).toMatchObject({
      outcome: 'rejected',
      reason: 'foreign-account',
      errorName: 'ValidationError',
      accountId: '123456789012',
    });
    expect(w.workflow.calls).toHaveLength(0);
    expect(await w.store.getOpenLock('sessions')).toBeUndefined();
  });

  it('an alarm naming no account is rejected when an account is expected', async () => {
    const w = world({ expectedAccountId: '123456789012' });
    const e = load('eventbridge-probe-alarm.json');
    delete e.account;
    expect(only((await w.run(e)).outcomes)).toMatchObject({ outcome: 'rejected', reason: 'foreign-account' });
    expect(w.workflow.calls).toHaveLength(0);
  });

  it('an alarm from the expected account is accepted', async () => {
    const w = world({ expectedAccountId: '123456789012' });
    expect(only((await w.run(load('sns-alarm.json'))).outcomes)).toMatchObject({ outcome: 'started' });
  });

  it('an ALARM older than the allowed age is ignored', async () => {
    const w = world({ alarmMaxAgeSeconds: 600 });
    w.clock.set('2024-05-14T10:00:00.000Z');
    const o = only((await w.run(load('eventbridge-probe-alarm.json'))).outcomes);
    expect(o).toMatchObject({ outcome: 'ignored', reason: 'stale', cacheId: 'sessions' });
    expect(w.workflow.calls).toHaveLength(0);
    expect(await w.store.getOpenLock('sessions')).toBeUndefined();
  });

  it('an alarm about no protected cache is ignored, not thrown', async () => {
    const w = world();
    const o = only((await w.run(probeAlarm({ name: 'billing-down', cacheId: 'billing' }))).outcomes);
    expect(o).toMatchObject({ outcome: 'ignored', reason: 'unknown-cache', alarmName: 'billing-down' });
    expect(w.workflow.calls).toHaveLength(0);
  });

  it('a composite alarm whose children concern two caches is ignored', async () => {
    const w = world({
      protectedCaches: protectedCachesSchema.parse([
        { ...CACHES[0], alarmNames: ['sessions-cache-unreachable'] },
        { ...CACHES[1], alarmNames: ['sessions-rg-evictions-spike'] },
      ]),
    });
    const o = only((await w.run(load('eventbridge-composite-alarm.json'))).outcomes);
    expect(o).toMatchObject({ outcome: 'ignored', reason: 'ambiguous-cache' });
    expect(w.workflow.calls).toHaveLength(0);
  });

  it('an event that is not an alarm throws ValidationError and touches nothing', async () => {
    const w = world();
    await expect(w.run(load('malformed/sns-subscription-confirmation.json'))).rejects.toThrow(ValidationError);
    await expect(w.run(load('malformed/eventbridge-name-256.json'))).rejects.toThrow(ValidationError);
    expect(w.store.dump()).toEqual([]);
    expect(w.workflow.calls).toHaveLength(0);
  });
});

describe('intake: SNS batches', () => {
  it('returns one outcome per record', async () => {
    const w = world();
    const a = load<{ Records: unknown[] }>('sns-alarm.json');
    const b = load<{ Records: unknown[] }>('sns-metric-math-alarm.json');
    const { outcomes } = await w.run({ Records: [...a.Records, ...b.Records, ...a.Records] });
    expect(outcomes.map((o) => [o.outcome, 'cacheId' in o ? o.cacheId : undefined])).toEqual([
      ['started', 'profiles'],
      ['started', 'sessions'],
      ['duplicate', 'profiles'],
    ]);
    expect(w.workflow.started()).toHaveLength(2);
  });
});

describe('intake: where an ALARM comes from', () => {
  const PREFIX = 'cache-outage-workflow-dev-incident-';
  const STACK_ALARM = `${PREFIX}sessions-unreachable`;
  const UNLISTED = protectedCachesSchema.parse(CACHES.map((c) => ({ ...c, alarmNames: [] })));

  /** The probe alarm fixture as this stack's alarm, with the state reason CloudWatch would give. */
  function stackAlarm(opts: { name?: string; reason?: string; reasonData?: string | null } = {}) {
    const e = probeAlarm({ name: opts.name ?? STACK_ALARM }) as unknown as {
      detail: { state: Record<string, unknown> };
    };
    if (opts.reason !== undefined) e.detail.state.reason = opts.reason;
    if (opts.reasonData === null) delete e.detail.state.reasonData;
    else if (opts.reasonData !== undefined) e.detail.state.reasonData = opts.reasonData;
    return e;
  }

  it("opens an incident for this stack's probe alarm when its state reason shows the failed probes", async () => {
    const w = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    expect(only((await w.run(stackAlarm())).outcomes)).toMatchObject({ outcome: 'started', cacheId: 'sessions' });
  });

  it('reads the failed probes of an SNS delivery, which has no reason data, from the reason text', async () => {
    const w = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    const e = load<{ Records: { Sns: { Message: string } }[] }>('sns-alarm.json');
    const m = JSON.parse(e.Records[0]!.Sns.Message) as Record<string, unknown> & { Trigger: Record<string, unknown> };
    m.AlarmName = STACK_ALARM;
    m.AlarmArn = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${STACK_ALARM}`;
    m.Trigger.Dimensions = [{ name: 'CacheId', value: 'sessions' }];
    m.NewStateReason =
      'Threshold Crossed: 2 out of the last 3 datapoints [0.0 (14/05/24 09:30:00), 0.0 (14/05/24 09:29:00)] were less than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).';
    e.Records[0]!.Sns.Message = JSON.stringify(m);
    expect(only((await w.run(e)).outcomes)).toMatchObject({ outcome: 'started', cacheId: 'sessions' });

    const w2 = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    m.NewStateReason =
      'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].';
    e.Records[0]!.Sns.Message = JSON.stringify(m);
    expect(only((await w2.run(e)).outcomes)).toMatchObject({ outcome: 'rejected', reason: 'unproven-alarm' });
    expect(w2.workflow.calls).toHaveLength(0);
  });

  it('refuses a probe ALARM whose datapoints were missing, not failed (a silent or throttled probe), and opens nothing', async () => {
    const w = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    const silent = stackAlarm({
      reason:
        'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
      reasonData: JSON.stringify({
        version: '1.0',
        statistic: 'Minimum',
        period: 60,
        recentDatapoints: [],
        threshold: 1,
        evaluatedDatapoints: [{ timestamp: '2024-05-14T09:30:00.000+0000' }],
      }),
    });
    const o = only((await w.run(silent)).outcomes);
    expect(o).toMatchObject({
      outcome: 'rejected',
      reason: 'unproven-alarm',
      errorName: 'ValidationError',
      cacheId: 'sessions',
    });
    expect(w.workflow.calls).toHaveLength(0);
    expect(w.store.dump()).toEqual([]);
  });

  it('refuses a probe ALARM set by hand (SetAlarmState: no reason data, a free-text reason) and one that shows only healthy probes', async () => {
    const w = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    expect(only((await w.run(stackAlarm({ reason: 'testing the pager', reasonData: null }))).outcomes)).toMatchObject({
      outcome: 'rejected',
      reason: 'unproven-alarm',
    });
    expect(
      only((await w.run(stackAlarm({ reasonData: JSON.stringify({ recentDatapoints: [1, 1, 0] }) }))).outcomes),
    ).toMatchObject({
      outcome: 'rejected',
      reason: 'unproven-alarm',
    });
    expect(w.workflow.calls).toHaveLength(0);
  });

  it("refuses an ALARM that names a protected cache only by its dimensions: another stage's probe alarm, an unlisted ElastiCache alarm", async () => {
    const w = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    for (const e of [
      stackAlarm({ name: 'cache-outage-workflow-prod-incident-sessions-unreachable' }),
      load('eventbridge-elasticache-alarm.json'),
      load('sns-alarm.json'),
    ]) {
      const o = only((await w.run(e)).outcomes);
      expect(o).toMatchObject({ outcome: 'rejected', reason: 'unlisted-alarm', errorName: 'ValidationError' });
      expect((o as { detail: string }).detail).toMatch(/only through its dimensions.*alarmNames/);
    }
    expect(w.workflow.calls).toHaveLength(0);
    expect(w.store.dump()).toEqual([]);
  });

  it('ignores the OK and INSUFFICIENT_DATA of such alarms', async () => {
    const w = world({ protectedCaches: UNLISTED, incidentAlarmPrefix: PREFIX });
    expect(only((await w.run(load('eventbridge-probe-ok.json'))).outcomes)).toMatchObject({
      outcome: 'ignored',
      reason: 'unlisted-alarm',
    });
  });

  it('lets a listed alarm open an incident whatever its reason: the operators vouch for it', async () => {
    const w = world();
    expect(
      only(
        (await w.run(stackAlarm({ name: 'sessions-cache-unreachable', reason: 'set by hand', reasonData: null })))
          .outcomes,
      ),
    ).toMatchObject({
      outcome: 'started',
    });
  });
});
