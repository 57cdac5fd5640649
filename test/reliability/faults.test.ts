/**
 * AWS misbehaving, injected in the local endpoints themselves (real error
 * answers in each wire protocol, nothing mocked in the code): throttling and
 * 5xx on a seeded 30% of every call; a permanent refusal at each step in turn,
 * which stops the execution at that step and is escalated from its status
 * event; a failed execution redriven once the cause is fixed.
 */
import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { CACHE_ID, ENDPOINT_PARAMETER } from '../../local/drill/setup';
import {
  Faults,
  denied,
  formParam,
  jsonField,
  type Fault,
  type FaultRequest,
  type FaultService,
} from '../../local/faults';
import { probeAlarmName } from '../../local/stack/alarms';
import { childProcesses } from '../e2e/processes';
import {
  FULL,
  alarmDelivery,
  breakCache,
  deliver,
  executions,
  figure,
  incidentIdOf,
  incidents,
  noticesByStage,
  replacementCaches,
  settle,
  startHarness,
  timeline,
  waitFor,
  type Harness,
} from './harness';

const PROBE_ALARM = probeAlarmName('cache-outage-workflow', CACHE_ID);
const SEED = Number(process.env.FAULT_SEED ?? 20240514);
/** Provisioning from a backup runs without approval here, so no operator call crosses the faulty endpoints. */
const NO_APPROVAL = { REQUIRE_APPROVAL_FOR: 'GLOBAL_FAILOVER' };

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

/** Delivers like Lambda's asynchronous invocation does: up to 3 attempts. */
async function deliverWithRetries(h: Harness, event: unknown): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt += 1) if ((await deliver(h, event)).ok) return true;
  return false;
}

describe('30% of AWS calls throttled or failing with 5xx', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it('the restore still resolves: 1 cache, 1 notice per stage', async () => {
    const faults = new Faults();
    h = await startHarness({ faults, environment: NO_APPROVAL });
    await breakCache(h);
    console.log(`fault seed ${SEED} (FAULT_SEED to replay)`);
    faults.chaos({ rate: 0.3, seed: SEED });
    const delivered = await deliverWithRetries(
      h,
      alarmDelivery('sns', { alarmName: PROBE_ALARM, cacheId: CACHE_ID, state: 'ALARM', at: new Date() }),
    );
    expect(delivered).toBe(true);
    const [execution] = executions(h);
    const finished = await settle(h, execution?.executionArn ?? '');
    faults.calm();
    await h.stack.sns.idle();
    const stats = faults.stats();
    const caches = await replacementCaches(h);
    const notices = noticesByStage(h);
    const all = await incidents(h);
    figure('faults.chaos_rate', '30%');
    figure('faults.chaos_requests', stats.requests);
    figure('faults.chaos_injected', stats.injected);
    figure(
      'faults.chaos_by_service',
      JSON.stringify(
        Object.fromEntries(Object.entries(stats.byService).map(([k, v]) => [k, `${v.injected}/${v.requests}`])),
      ),
    );
    figure('faults.chaos_execution', finished.status);
    figure('faults.chaos_duplicate_caches', caches.length - 1);
    figure(
      'faults.chaos_duplicate_notices',
      Object.values(notices).reduce((a, n) => a + n - 1, 0),
    );
    if (finished.status !== 'SUCCEEDED')
      console.log(JSON.stringify(await timeline(h, incidentIdOf(execution!)), null, 1));
    // The faults really happened, across services, at about the configured rate (the count varies with the calls made).
    expect(stats.injected).toBeGreaterThanOrEqual(10);
    expect(stats.injected / stats.requests).toBeGreaterThan(0.1);
    expect(Object.values(stats.byService).filter((v) => v.injected > 0).length).toBeGreaterThanOrEqual(2);
    expect(finished.status).toBe('SUCCEEDED');
    expect(all).toHaveLength(1);
    expect(all[0]?.status).toBe('RESOLVED');
    expect(caches).toHaveLength(1);
    expect(notices).toEqual({ INVESTIGATING: 1, ETA: 1, PARTIALLY_RESTORED: 1, RESOLVED: 1 });
  });
});

interface PermanentCase {
  step: string;
  service: FaultService;
  action: string;
  fault?: Fault;
  where?: (h: Harness) => (r: FaultRequest) => boolean;
  ci: boolean;
}

const HALF_DAY_MS = 12 * 3600_000;

/** The `:since` of a Scan of the source-of-truth table (ms), or NaN for any other request. */
function sourceScanSince(r: FaultRequest): number {
  if (jsonField(r, 'TableName') !== 'accounts-source') return Number.NaN;
  const since = (jsonField(r, 'ExpressionAttributeValues') as Record<string, { N?: string; S?: string }> | undefined)?.[
    ':since'
  ];
  return since?.N !== undefined ? Number(since.N) : since?.S !== undefined ? Date.parse(since.S) : Number.NaN;
}

const hasFormValue = (r: FaultRequest, value: string) => [...new URLSearchParams(r.body).values()].includes(value);

const CASES: PermanentCase[] = [
  {
    step: 'Notify Investigating',
    service: 'sns',
    action: 'Publish',
    where: (h) => (r) =>
      formParam(r, 'TopicArn') === h.stack.description.topics.status && hasFormValue(r, 'INVESTIGATING'),
    ci: true,
  },
  {
    step: 'Provision Cache',
    service: 'elasticache',
    action: 'CreateReplicationGroup',
    fault: { status: 400, code: 'InvalidParameterValue', message: 'The parameter SnapshotArns is not valid.' },
    ci: true,
  },
  { step: 'Cut Over', service: 'ssm', action: 'PutParameter', ci: true },
  { step: 'Assess', service: 's3', action: 'ListObjectsV2', ci: false },
  // Both read the source of truth: Verify Cache samples the last 24 hours, Rehydrate what changed since the backup (minutes old here).
  {
    step: 'Verify Cache',
    service: 'dynamodb',
    action: 'Scan',
    where: () => (r) => sourceScanSince(r) < Date.now() - HALF_DAY_MS,
    ci: false,
  },
  {
    step: 'Rehydrate',
    service: 'dynamodb',
    action: 'Scan',
    where: () => (r) => sourceScanSince(r) > Date.now() - HALF_DAY_MS,
    ci: false,
  },
  {
    step: 'Notify Resolved',
    service: 'sns',
    action: 'Publish',
    where: (h) => (r) => formParam(r, 'TopicArn') === h.stack.description.topics.status && hasFormValue(r, 'RESOLVED'),
    ci: false,
  },
];

describe('a permanent failure at each step in turn', () => {
  const faults = new Faults();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ faults, environment: NO_APPROVAL });
    await breakCache(h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  let offset = 0;
  const cases = CASES.filter((c) => FULL || c.ci);
  it.each(cases.map((c) => [c.step, c] as const))(
    '%s refused → stopped there, incident FAILED, escalated, nothing left running, no unrecorded cache',
    async (_step, c) => {
      // Each case starts from the dead cache: a case that failed after its cut-over left clients on a live replacement.
      await h.stack.clients.ssm.send(
        new PutParameterCommand({
          Name: ENDPOINT_PARAMETER,
          Value: JSON.stringify(h.prepared.endpoint),
          Type: 'String',
          Overwrite: true,
        }),
      );
      const remove = faults.fail(
        c.service,
        c.action,
        c.fault ?? denied(c.service, c.action),
        c.where ? { where: c.where(h) } : {},
      );
      const before = new Set(executions(h).map((e) => e.executionArn));
      offset += 1;
      const ok = await deliverWithRetries(
        h,
        alarmDelivery('eventbridge', {
          alarmName: PROBE_ALARM,
          cacheId: CACHE_ID,
          state: 'ALARM',
          at: new Date(Date.now() + offset * 1000),
        }),
      );
      expect(ok).toBe(true);
      const execution = executions(h).find((e) => !before.has(e.executionArn));
      expect(execution).toBeDefined();
      const finished = await settle(h, execution!.executionArn);
      remove();
      expect([finished.status, finished.error]).toEqual(['FAILED', expect.any(String)]);
      const incidentId = incidentIdOf(execution!);
      const escalationsOf = () =>
        h.stack.sns
          .published(h.stack.description.topics.operators)
          .filter(
            (m) =>
              m.messageAttributes.kind?.Value === 'escalation' && m.messageAttributes.incidentId?.Value === incidentId,
          );
      // The execution's FAILED status event reaches the execution-status function through the event bus, asynchronously.
      await waitFor('the escalation', 60_000, () => (escalationsOf().length > 0 ? true : undefined));
      await h.stack.sns.idle();
      const incident = (await incidents(h)).find((i) => i.incidentId === incidentId);
      const escalations = escalationsOf();
      const failedState = (await timeline(h, incidentId)).find((e) => e.type === 'FAILED')?.detail?.failedState;
      const recorded = new Set<string>();
      for (const i of await incidents(h)) {
        for (const e of await timeline(h, i.incidentId))
          if (e.type === 'RECOVERY_STARTED' && typeof e.detail?.replicationGroupId === 'string')
            recorded.add(e.detail.replicationGroupId);
      }
      const unrecorded = (await replacementCaches(h)).filter((g) => !recorded.has(g.id));
      const running = executions(h).filter((e) => e.status === 'RUNNING');
      const refused =
        faults.stats().byRule[`${c.service}:${c.action} ${(c.fault ?? denied(c.service, c.action)).code}`] ?? 0;
      figure(
        `faults.permanent.${c.step.replace(/\W+/g, '_')}`,
        `${refused} refused, execution ${finished.status} at ${String(failedState)}, incident ${incident?.status ?? 'missing'}, escalations ${escalations.length}, running ${running.length}, unrecorded caches ${unrecorded.length}`,
      );
      expect(refused).toBeGreaterThan(0);
      expect(finished.status).toBe('FAILED');
      expect(failedState).toBe(c.step);
      expect(incident?.status).toBe('FAILED');
      expect(escalations).toHaveLength(1);
      expect(running).toEqual([]);
      expect(unrecorded).toEqual([]);
    },
  );
});

describe('redrive after the cause is fixed', () => {
  let h: Harness;
  let executionArn = '';
  let cachesBefore: { id: string; status: string }[] = [];
  let noticesBefore: Record<string, number> = {};
  let redrivenStatus = '';
  let redrivenTimeline: string[] = [];

  beforeAll(async () => {
    const faults = new Faults();
    h = await startHarness({ faults, environment: NO_APPROVAL });
    await breakCache(h);
    const remove = faults.fail('ssm', 'PutParameter', denied('ssm', 'PutParameter'));
    expect(
      await deliverWithRetries(
        h,
        alarmDelivery('lambda-action', { alarmName: PROBE_ALARM, cacheId: CACHE_ID, state: 'ALARM', at: new Date() }),
      ),
    ).toBe(true);
    const [execution] = executions(h);
    executionArn = execution?.executionArn ?? '';
    const failed = await settle(h, executionArn);
    expect(failed.status).toBe('FAILED');
    remove();
    await h.stack.sns.idle();
    cachesBefore = await replacementCaches(h);
    noticesBefore = noticesByStage(h);
    await waitFor('the escalation', 60_000, async () =>
      (await incidents(h))[0]?.status === 'FAILED' ? true : undefined,
    );
    await h.stack.clients.sfn.send(new RedriveExecutionCommand({ executionArn }));
    redrivenStatus = (await settle(h, executionArn)).status;
    await h.stack.sns.idle();
    const incident = (await incidents(h))[0];
    redrivenTimeline = (await timeline(h, incident?.incidentId ?? '')).map((e) => e.type);
    figure(
      'faults.redrive',
      `execution ${redrivenStatus} after redrive, incident ${incident?.status ?? 'missing'}, caches ${cachesBefore.length} → ${(await replacementCaches(h)).length}, notices ${JSON.stringify(noticesByStage(h))}`,
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('repeats no finished side effect: still 1 cache, no status notice sent twice, nothing left running', async () => {
    expect(cachesBefore).toHaveLength(1);
    expect(await replacementCaches(h)).toEqual(cachesBefore);
    const notices = noticesByStage(h);
    expect(Math.max(...Object.values(notices))).toBe(1);
    expect(notices).toMatchObject(noticesBefore);
    expect(executions(h).filter((e) => e.status === 'RUNNING')).toEqual([]);
  });

  it('resumes at the refused step and resolves the incident', async () => {
    expect(redrivenStatus).toBe('SUCCEEDED');
    expect((await incidents(h))[0]?.status).toBe('RESOLVED');
    expect(noticesByStage(h)).toEqual({ INVESTIGATING: 1, ETA: 1, PARTIALLY_RESTORED: 1, RESOLVED: 1 });
    // Failed at Cut Over and escalated; the redrive reopened the incident and resumed at Cut Over:
    // every step before it ran once, Cut Over once more (its refused attempt wrote nothing).
    const count = (type: string) => redrivenTimeline.filter((t) => t === type).length;
    for (const once of [
      'INCIDENT_OPENED',
      'ASSESSED',
      'RECOVERY_STARTED',
      'CACHE_AVAILABLE',
      'FAILED',
      'ESCALATED',
      'REDRIVEN',
      'CUT_OVER',
      'RESOLVED',
    ]) {
      expect([once, count(once)]).toEqual([once, 1]);
    }
    expect(redrivenTimeline.indexOf('FAILED')).toBeLessThan(redrivenTimeline.indexOf('CUT_OVER'));
  });
});
