/**
 * Intake and incident groups: the incidents of caches of one provider that
 * open together join one group, each with its own execution, record and lock;
 * a cache without provider is a group of one named after its incident.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { protectedCachesSchema } from '../../functions/domain/caches';
import { TransientDependencyError } from '../../functions/domain/errors';
import { executionNameFor, incidentIdFor, type WorkflowSettings } from '../../functions/domain/incident';
import { parseAlarmDelivery } from '../../functions/handlers/alarm-envelopes';
import { intake, type IntakeDeps } from '../../functions/usecases/intake';
import { FakeClock, FakeIncidentStore, FakeWorkflow } from '../fakes';

const SETTINGS: WorkflowSettings = {
  pollIntervalSeconds: 30,
  maxPolls: 40,
  approvalTimeoutSeconds: 1800,
  approvalHeartbeatSeconds: 600,
  approvalDefault: 'abort',
};

const cache = (id: string, provider?: string) => ({
  id,
  endpoint: { host: `${id}.internal`, port: 6379 },
  endpointParameter: `/cache-outage/${id}/endpoint`,
  alarmNames: [`${id}-down`],
  ...(provider ? { provider } : {}),
});

const CACHES = protectedCachesSchema.parse([
  cache('sessions', 'cloud-east'),
  cache('profiles', 'cloud-east'),
  cache('carts', 'cloud-east'),
  cache('ledger', 'cloud-west'),
  cache('search'),
]);

const T0 = '2025-03-01T12:00:00.000Z';
const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

/** The operators' listed alarm of a cache, fired at `firedAt`, as EventBridge delivers it. */
function alarmOf(cacheId: string, firedAt: string): unknown {
  const e = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'events', 'eventbridge-probe-alarm.json'), 'utf8'),
  ) as { detail: { alarmName: string; state: { timestamp: string } } };
  e.detail.alarmName = `${cacheId}-down`;
  e.detail.state.timestamp = firedAt;
  return e;
}

function world(store?: FakeIncidentStore) {
  const clock = new FakeClock(at(30));
  const s = store ?? new FakeIncidentStore(clock);
  const workflow = new FakeWorkflow();
  const deps: IntakeDeps = {
    store: s,
    workflow,
    config: { protectedCaches: CACHES, settings: SETTINGS, alarmMaxAgeSeconds: 3600, dedupTtlSeconds: 172800 },
  };
  const run = async (cacheId: string, firedAt: string) =>
    (await intake(deps, parseAlarmDelivery(alarmOf(cacheId, firedAt)), clock.now())).outcomes;
  /** The group each started execution names, by cache. */
  const groupsByCache = () =>
    Object.fromEntries(workflow.started().map((s) => [s.input.cacheId, s.input.groupId] as const));
  return { clock, store: s, workflow, deps, run, groupsByCache };
}

describe('intake: incident groups', () => {
  it('three caches of one provider failing at once: three incidents and executions, one group', async () => {
    const w = world();
    await Promise.all([w.run('sessions', T0), w.run('profiles', at(2)), w.run('carts', at(4))]);

    const started = w.workflow.started();
    expect(started.map((s) => s.input.incidentId).sort()).toEqual([
      incidentIdFor('carts', at(4)),
      incidentIdFor('profiles', at(2)),
      incidentIdFor('sessions', T0),
    ]);
    const groupId = started[0]!.input.groupId!;
    expect(groupId).toMatch(/^cloud-east-20250301T12000[024]Z$/);
    expect(w.groupsByCache()).toEqual({ sessions: groupId, profiles: groupId, carts: groupId });
    for (const s of started) expect(s.input.provider).toBe('cloud-east');

    const group = await w.store.getGroup(groupId);
    expect(group).toMatchObject({ provider: 'cloud-east', status: 'OPEN', openCount: 3 });
    expect(Object.keys(group!.members).sort()).toEqual(started.map((s) => s.input.incidentId).sort());
    // Each cache keeps its own lock, naming the group in the execution input it keeps.
    for (const c of ['sessions', 'profiles', 'carts']) {
      expect((await w.store.getOpenLock(c))?.executionInput.groupId).toBe(groupId);
    }
  });

  it('a storm of alarms of three caches of one provider, each delivered twice, all at once: 3 executions, 1 group', async () => {
    const w = world();
    const alarms = ['sessions', 'profiles', 'carts'].flatMap((c, i) =>
      Array.from({ length: 6 }, (_, n) => [c, at(i + (n % 3) * 5)] as const),
    );
    await Promise.all(alarms.map(([c, firedAt]) => w.run(c, firedAt)));

    expect(w.workflow.started()).toHaveLength(3);
    const groups = new Set(Object.values(w.groupsByCache()));
    expect(groups.size).toBe(1);
    const group = await w.store.getGroup([...groups][0]!);
    expect(group).toMatchObject({ openCount: 3, version: 3 });
    expect(
      Object.values(group!.members)
        .map((m) => m.cacheId)
        .sort(),
    ).toEqual(['carts', 'profiles', 'sessions']);
  });

  it('caches of two providers failing at once: two groups', async () => {
    const w = world();
    await Promise.all([w.run('sessions', T0), w.run('ledger', T0)]);

    expect(w.groupsByCache()).toEqual({
      sessions: 'cloud-east-20250301T120000Z',
      ledger: 'cloud-west-20250301T120000Z',
    });
  });

  it('an alarm of the provider after the window joins while the first cache is still down', async () => {
    const w = world();
    await w.run('sessions', T0);
    w.clock.set(at(900));
    await w.run('profiles', at(890));

    expect(w.groupsByCache()).toEqual({
      sessions: 'cloud-east-20250301T120000Z',
      profiles: 'cloud-east-20250301T120000Z',
    });
  });

  it('an alarm of the provider after the window, once every member left, opens a new group', async () => {
    const w = world();
    await w.run('sessions', T0);
    await w.store.markMember('cloud-east-20250301T120000Z', incidentIdFor('sessions', T0), 'RESOLVED');
    w.clock.set(at(900));
    await w.run('profiles', at(890));

    expect(w.groupsByCache()).toEqual({
      sessions: 'cloud-east-20250301T120000Z',
      profiles: 'cloud-east-20250301T121450Z',
    });
  });

  it('a cache without provider: the incident, its execution and its ids as before; its group is itself', async () => {
    const w = world();
    const [o] = await w.run('search', T0);
    const incidentId = incidentIdFor('search', T0);

    expect(o).toMatchObject({ outcome: 'started', incidentId, executionName: executionNameFor(incidentId) });
    expect(w.workflow.started()).toEqual([
      expect.objectContaining({
        name: executionNameFor(incidentId),
        input: expect.objectContaining({ incidentId, cacheId: 'search', groupId: incidentId }),
      }),
    ]);
    expect(w.workflow.started()[0]!.input.provider).toBeUndefined();
    expect(await w.store.getGroup(incidentId)).toMatchObject({ openCount: 1, status: 'OPEN' });
    // No provider, no pointer: nothing else can ever join.
    expect(w.store.dump().filter((e) => e.entity === 'providerGroup')).toEqual([]);
  });

  it('a redelivered alarm joins nothing twice and starts nothing twice', async () => {
    const w = world();
    await w.run('sessions', T0);
    const [again] = await w.run('sessions', T0);

    expect(again).toMatchObject({ outcome: 'duplicate', incidentId: incidentIdFor('sessions', T0) });
    expect(w.workflow.started()).toHaveLength(1);
    expect(await w.store.getGroup('cloud-east-20250301T120000Z')).toMatchObject({ openCount: 1, version: 1 });
  });

  it('a crash between the lock and the join: the redelivery puts the incident in the group the lock names', async () => {
    const w = world();
    w.store.failures.fail('joinGroup', new TransientDependencyError('DynamoDB UpdateItem: throttled'));
    await expect(w.run('sessions', T0)).rejects.toThrow(TransientDependencyError);
    expect(w.workflow.started()).toHaveLength(0);

    const [o] = await w.run('sessions', T0);
    expect(o).toMatchObject({ outcome: 'started', incidentId: incidentIdFor('sessions', T0) });
    const group = await w.store.getGroup('cloud-east-20250301T120000Z');
    expect(Object.keys(group!.members)).toEqual([incidentIdFor('sessions', T0)]);
    expect(group!.openCount).toBe(1);
  });

  it('a group that closes between its lookup and the join: the incident opens in a new group, once', async () => {
    const clock = new FakeClock(at(900));
    const first = incidentIdFor('sessions', T0);
    /** The last member of the provider's group leaves right after intake looked the group up. */
    class ClosingAfterLookup extends FakeIncidentStore {
      override async resolveGroup(provider: string, firedAt: string, windowSeconds: number): Promise<string> {
        const groupId = await super.resolveGroup(provider, firedAt, windowSeconds);
        await this.markMember(groupId, first, 'RESOLVED');
        return groupId;
      }
    }
    const w = world(new ClosingAfterLookup(clock));
    await w.store.joinGroup(await w.store.resolveGroup('cloud-east', T0, 300), first, {
      cacheId: 'sessions',
      joinedAt: T0,
    });
    w.clock.set(at(900));

    const [o] = await w.run('profiles', at(890));

    expect(o).toMatchObject({ outcome: 'started', incidentId: incidentIdFor('profiles', at(890)) });
    expect(w.groupsByCache()).toEqual({ profiles: 'cloud-east-20250301T121450Z' });
    expect((await w.store.getOpenLock('profiles'))?.executionInput.groupId).toBe('cloud-east-20250301T121450Z');
    expect(await w.store.getGroup('cloud-east-20250301T120000Z')).toMatchObject({ status: 'RESOLVED' });
  });
  it("a failed incident superseded by its cache's next alarm leaves its group, which closes", async () => {
    const w = world();
    await Promise.all([w.run('sessions', T0), w.run('profiles', at(2))]);
    const group = 'cloud-east-20250301T120000Z';
    const failed = incidentIdFor('sessions', T0);
    w.store.seedIncident({ incidentId: failed, cacheId: 'sessions', groupId: group, status: 'FAILED' });
    await w.store.markMember(group, failed, 'FAILED');
    await w.store.markMember(group, incidentIdFor('profiles', at(2)), 'RESOLVED');
    w.clock.set(at(600));

    const [o] = await w.run('sessions', at(590));

    expect(o).toMatchObject({ outcome: 'started', incidentId: incidentIdFor('sessions', at(590)) });
    const old = await w.store.getGroup(group);
    expect(old?.members[failed]?.state).toBe('RELEASED');
    expect(old).toMatchObject({ status: 'RESOLVED', openCount: 0 });
    // The new outage is a new group: customers heard the old one is over.
    expect((await w.store.getOpenLock('sessions'))?.executionInput.groupId).toBe('cloud-east-20250301T120950Z');
  });
});
