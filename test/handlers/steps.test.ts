/**
 * Every recovery-step handler: malformed payloads are refused with a
 * ValidationError before anything is touched, valid ones reach the use case.
 */
import { ValidationError } from '../../functions/domain/errors';
import { logger } from '../../functions/lib/observability';
import { makeHandler as assessHandler } from '../../functions/handlers/assess';
import { makeHandler as checkCacheHandler } from '../../functions/handlers/check-cache';
import { makeHandler as closeHandler } from '../../functions/handlers/close-incident';
import { makeHandler as confirmHandler } from '../../functions/handlers/confirm-outage';
import { makeHandler as cutOverHandler } from '../../functions/handlers/cut-over';
import { makeHandler as escalateHandler } from '../../functions/handlers/escalate';
import { makeHandler as notifyHandler } from '../../functions/handlers/notify';
import { makeHandler as promoteHandler } from '../../functions/handlers/promote';
import { makeHandler as provisionHandler } from '../../functions/handlers/provision';
import { makeHandler as rehydrateHandler } from '../../functions/handlers/rehydrate';
import { makeHandler as requestApprovalHandler } from '../../functions/handlers/request-approval';
import { makeHandler as verifyHandler } from '../../functions/handlers/verify';
import { lambdaContext, type FakeWorld } from '../fakes';
import {
  assessment,
  CACHE_ID,
  cutover,
  INCIDENT_ID,
  NEW_ENDPOINT,
  OPENED_AT,
  readyRecovery,
  worldWithIncident,
} from '../usecases/support';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
const ref = { incidentId: INCIDENT_ID, cacheId: CACHE_ID };

interface Case {
  name: string;
  make: (world: FakeWorld) => Handler;
  valid: Record<string, unknown>;
  prepare?: (world: FakeWorld) => void;
  expectOutput: (out: unknown, world: FakeWorld) => Promise<void> | void;
  malformed: [string, Record<string, unknown>, string][];
}

const trigger = { alarmName: 'sessions-unreachable', reason: 'Threshold Crossed', stateChangeTime: OPENED_AT };

const cases: Case[] = [
  {
    name: 'confirm-outage',
    make: (w) => confirmHandler({ ...w, sleep: async () => undefined, confirmation: { seconds: 10, pings: 3 } }),
    valid: { ...ref, trigger },
    // The configured endpoint (no record) answers: a false alarm, told to the operators only.
    prepare: (w) => void w.probe.up(w.caches[0]!.endpoint),
    expectOutput: (out, w) => {
      expect(out).toMatchObject({ confirmed: false });
      expect(w.store.incident(INCIDENT_ID)?.status).toBe('FALSE_ALARM');
      expect(w.notifier.operators).toHaveLength(1);
      expect(w.notifier.status).toHaveLength(0);
    },
    malformed: [
      ['no trigger', { ...ref }, 'trigger'],
      [
        'an alarm time that is not a time',
        { ...ref, trigger: { ...trigger, stateChangeTime: 'yesterday' } },
        'trigger.stateChangeTime',
      ],
    ],
  },
  {
    name: 'notify',
    make: (w) => notifyHandler(w),
    valid: { ...ref, stage: 'ETA', etaMinutes: 15 },
    expectOutput: (out, w) => {
      expect(out).toMatchObject({ stage: 'ETA', published: true });
      expect(w.notifier.status).toHaveLength(1);
    },
    malformed: [
      ['an unknown stage', { ...ref, stage: 'ALMOST_DONE' }, 'stage'],
      ['a negative ETA', { ...ref, stage: 'ETA', etaMinutes: -1 }, 'etaMinutes'],
      ['no incident id', { cacheId: CACHE_ID, stage: 'RESOLVED' }, 'incidentId'],
    ],
  },
  {
    name: 'assess',
    make: (w) => assessHandler(w),
    valid: { ...ref, openedAt: OPENED_AT },
    expectOutput: (out) => expect(out).toMatchObject({ plan: 'ESCALATE' }),
    malformed: [['an openedAt that is not a time', { ...ref, openedAt: 'yesterday' }, 'openedAt']],
  },
  {
    name: 'request-approval',
    make: (w) => requestApprovalHandler(w),
    valid: { ...ref, taskToken: 'token-1', step: 'recovery-plan', assessment: assessment() },
    expectOutput: (_out, w) => expect(w.store.approval(INCIDENT_ID, 'recovery-plan')?.taskToken).toBe('token-1'),
    malformed: [
      ['no task token', { ...ref, step: 'recovery-plan', assessment: assessment() }, 'taskToken'],
      [
        'an assessment with an unknown plan',
        { ...ref, taskToken: 't', step: 'recovery-plan', assessment: { ...assessment(), plan: 'PRAY' } },
        'assessment.plan',
      ],
    ],
  },
  {
    name: 'promote',
    make: (w) => promoteHandler(w),
    valid: {
      ...ref,
      assessment: assessment({
        plan: 'GLOBAL_FAILOVER',
        backup: undefined,
        globalSecondary: { globalReplicationGroupId: 'g', replicationGroupId: 'west', region: 'us-west-2' },
      }),
    },
    prepare: (w) =>
      w.fleet.addGlobal('g', {
        primary: { replicationGroupId: 'east', region: 'us-east-1' },
        secondary: { replicationGroupId: 'west', region: 'us-west-2' },
      }),
    expectOutput: (out) =>
      expect(out).toMatchObject({
        plan: 'GLOBAL_FAILOVER',
        replicationGroupId: 'west',
        region: 'us-west-2',
        ready: false,
      }),
    malformed: [
      ['no assessment', { ...ref }, 'assessment'],
      [
        'a secondary whose region is not a region code',
        {
          ...ref,
          assessment: assessment({
            plan: 'GLOBAL_FAILOVER',
            backup: undefined,
            globalSecondary: {
              globalReplicationGroupId: 'g',
              replicationGroupId: 'west',
              region: 'https://evil.example',
            },
          }),
        },
        'assessment.globalSecondary.region',
      ],
    ],
  },
  {
    name: 'provision',
    make: (w) => provisionHandler(w),
    valid: { ...ref, assessment: assessment() },
    expectOutput: (out, w) => {
      expect(out).toMatchObject({ plan: 'PROVISION_FROM_BACKUP', status: 'creating' });
      expect(w.fleet.createdGroups()).toHaveLength(1);
    },
    malformed: [
      [
        'a backup without a snapshot ARN',
        { ...ref, assessment: { ...assessment(), backup: { ...assessment().backup, snapshotArn: 's3://x' } } },
        'assessment.backup.snapshotArn',
      ],
    ],
  },
  {
    name: 'check-cache',
    make: (w) => checkCacheHandler(w),
    // The recovery carries the region its group lives in (a Global Datastore secondary): it must survive parsing.
    valid: {
      ...ref,
      recovery: readyRecovery({
        ready: false,
        polls: 0,
        endpoint: undefined,
        availableAt: undefined,
        region: 'us-west-2',
      }),
      maxPolls: 40,
    },
    prepare: (w) =>
      w.fleet.addGroup(
        {
          replicationGroupId: 'r-sessions-abc123',
          status: 'creating',
          members: [],
          automaticFailover: true,
        },
        'us-west-2',
      ),
    expectOutput: (out) =>
      expect(out).toMatchObject({ polls: 1, ready: false, status: 'creating', region: 'us-west-2' }),
    malformed: [
      ['no maxPolls', { ...ref, recovery: readyRecovery() }, 'maxPolls'],
      ['a negative poll count', { ...ref, recovery: { ...readyRecovery(), polls: -1 }, maxPolls: 3 }, 'recovery.polls'],
      [
        'a region that is not a region code',
        { ...ref, recovery: { ...readyRecovery(), region: 'west' }, maxPolls: 3 },
        'recovery.region',
      ],
    ],
  },
  {
    name: 'cut-over',
    make: (w) => cutOverHandler(w),
    valid: { ...ref, recovery: readyRecovery() },
    expectOutput: (out, w) => {
      expect(out).toMatchObject({ current: NEW_ENDPOINT });
      expect(w.endpoints.value('/cache/sessions/endpoint')).toEqual(NEW_ENDPOINT);
    },
    malformed: [
      [
        'an endpoint without a port',
        { ...ref, recovery: { ...readyRecovery(), endpoint: { host: 'h' } } },
        'recovery.endpoint.port',
      ],
    ],
  },
  {
    name: 'verify',
    make: (w) => verifyHandler(w),
    valid: { ...ref, mode: 'cache', cutover: cutover() },
    prepare: (w) => {
      w.endpoints.set('/cache/sessions/endpoint', NEW_ENDPOINT);
      w.probe.up(NEW_ENDPOINT);
    },
    expectOutput: (out) => expect(out).toMatchObject({ mode: 'cache', ok: true }),
    malformed: [
      ['an unknown mode', { ...ref, mode: 'vibes', cutover: cutover() }, 'mode'],
      ['mode data without an assessment', { ...ref, mode: 'data', cutover: cutover() }, 'assessment'],
    ],
  },
  {
    name: 'rehydrate',
    make: (w) => rehydrateHandler(w),
    valid: { ...ref, assessment: assessment(), cutover: cutover() },
    expectOutput: (out) => expect(out).toMatchObject({ written: 0 }),
    malformed: [['no cut-over', { ...ref, assessment: assessment() }, 'cutover']],
  },
  {
    name: 'close-incident',
    make: (w) => closeHandler(w),
    valid: { ...ref, plan: 'RECOVERED' },
    expectOutput: (out, w) => {
      expect(out).toMatchObject({ status: 'RESOLVED' });
      expect(w.store.incident(INCIDENT_ID)?.status).toBe('RESOLVED');
    },
    malformed: [['an unknown plan', { ...ref, plan: 'DONE' }, 'plan']],
  },
  {
    name: 'escalate',
    make: (w) => escalateHandler(w),
    valid: { ...ref, kind: 'failed', error: { Error: 'States.TaskFailed', Cause: 'boom' } },
    expectOutput: (out, w) => {
      expect(out).toMatchObject({ kind: 'failed', published: true });
      expect(w.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
    },
    malformed: [
      ['an unknown kind', { ...ref, kind: 'panic' }, 'kind'],
      [
        'an unknown approval default',
        { ...ref, kind: 'approval-timeout', approvalDefault: 'maybe' },
        'approvalDefault',
      ],
    ],
  },
];

beforeAll(() => logger.setLogLevel('SILENT'));
afterAll(() => logger.setLogLevel('INFO'));

describe.each(cases)('$name handler', (c) => {
  it('passes a valid payload to its use case and returns the result', async () => {
    const world = worldWithIncident();
    c.prepare?.(world);

    const out = await c.make(world)(c.valid, lambdaContext(c.name));

    await c.expectOutput(out, world);
  });

  it.each(c.malformed)('refuses %s with a ValidationError, touching nothing', async (_what, event, path) => {
    const world = worldWithIncident();
    c.prepare?.(world);
    const before = world.store.dump();

    const err = await c
      .make(world)(event, lambdaContext(c.name))
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toContain(path);
    expect(world.store.dump()).toEqual(before);
    expect(world.notifier.status).toHaveLength(0);
    expect(world.notifier.operators).toHaveLength(0);
  });

  it('refuses a payload that is not an object', async () => {
    const world = worldWithIncident();

    await expect(c.make(world)('not an event', lambdaContext(c.name))).rejects.toBeInstanceOf(ValidationError);
  });
});
