/**
 * Request Approval and the operators' decision for the incidents of a
 * provider's group: operators are asked once for every cache that waits, and
 * decide for all or cache by cache; each execution still waits on, and is
 * resumed with, its own task token.
 */
import type { ExecutionInput } from '../../functions/domain/incident';
import { ApprovalAlreadyDecidedError, TransientDependencyError, ValidationError } from '../../functions/domain/errors';
import type { TaskResumer } from '../../functions/ports';
import { acknowledgeGroupApproval, decideGroupApproval } from '../../functions/usecases/decide-approval';
import { requestApproval, type RequestApprovalDeps } from '../../functions/usecases/request-approval';
import { fakeWorld, testCache, type FakeWorld } from '../fakes';
import { assessment, NOW } from './support';

const GROUP = 'cloud-east-20250301T115500Z';
const CACHES = ['sessions', 'profiles', 'carts'] as const;
const incidentOf = (cache: string): string => `${cache}-20250301T11550${CACHES.indexOf(cache as never)}Z`;
const tokenOf = (cache: string): string => `AQCE-task-token-of-${cache}==`;

class Resumer implements TaskResumer {
  readonly calls: { kind: string; token: string }[] = [];
  /** The next call with this token throws this error. */
  readonly failNext = new Map<string, Error>();
  async sendSuccess(token: string) {
    this.take(token);
    this.calls.push({ kind: 'success', token });
  }
  async sendFailure(token: string) {
    this.take(token);
    this.calls.push({ kind: 'failure', token });
  }
  async heartbeat(token: string) {
    this.take(token);
    this.calls.push({ kind: 'heartbeat', token });
  }
  private take(token: string) {
    const err = this.failNext.get(token);
    this.failNext.delete(token);
    if (err) throw err;
  }
}

/** Three incidents of one provider's group, as after intake; `members` caches join (all three by default). */
async function groupWorld(members: readonly string[] = CACHES): Promise<FakeWorld & { resumer: Resumer }> {
  const world = fakeWorld({
    now: NOW,
    caches: CACHES.map((id) => testCache({ id })),
    consoleUrl: 'https://console.acme.test',
  });
  await world.store.resolveGroup('cloud-east', '2025-03-01T11:55:00Z', 300);
  for (const cacheId of members) {
    const incidentId = incidentOf(cacheId);
    world.store.seedIncident({ incidentId, cacheId, groupId: GROUP });
    await world.store.acquireOpenLock({
      cacheId,
      incidentId,
      executionName: `exec-${incidentId}`,
      executionInput: { incidentId, cacheId, groupId: GROUP } as ExecutionInput,
      openedAt: NOW,
    });
    await world.store.joinGroup(GROUP, incidentId, { cacheId, joinedAt: NOW });
  }
  return { ...world, resumer: new Resumer() };
}

/** A sleep that moves the fake clock: the gather time passes without waiting. */
const deps = (world: FakeWorld): RequestApprovalDeps => ({
  ...world,
  sleep: async (ms) => {
    world.clock.advance({ ms });
    await Promise.resolve();
  },
});

const ask = (world: FakeWorld, cacheId: string, etaMinutes = 15, approvalHeartbeatSeconds = 600) =>
  requestApproval(deps(world), {
    incidentId: incidentOf(cacheId),
    cacheId,
    taskToken: tokenOf(cacheId),
    step: 'recovery-plan',
    assessment: assessment({ etaMinutes }),
    settings: { approvalHeartbeatSeconds, approvalTimeoutSeconds: 1800, approvalDefault: 'abort' },
  } as Parameters<typeof requestApproval>[1]);

const requests = (world: FakeWorld) => world.notifier.operators.filter((m) => m.kind === 'approval-request');

describe('request approval, for a group of three caches of one provider', () => {
  it('asks the operators once, listing every cache with its plan, backup and estimate', async () => {
    const world = await groupWorld();

    const outs = await Promise.all(CACHES.map((c, n) => ask(world, c, 10 + n * 5)));

    expect(outs.filter((o) => o.published)).toHaveLength(1);
    const [request, ...more] = requests(world);
    expect(more).toHaveLength(0);
    expect(request).toMatchObject({ kind: 'approval-request', incidentId: GROUP, groupId: GROUP });
    expect(request?.subject).toBe('Approval needed: 3 caches of cloud-east are down');
    for (const cache of CACHES) expect(request?.text).toContain(`(incident ${incidentOf(cache)})`);
    expect(request?.text).toContain('clients served again in about 20 min');
    expect(request?.text).toContain('Backup: backups/sessions-0001.rdb, taken 11:30 UTC, 30 min old, 2.0 GiB.');
    expect(request?.text).toContain(`cache-outage approve ${GROUP} --reason "…"`);
    expect(request?.text).toContain(`https://console.acme.test/login?next=${encodeURIComponent(`/groups/${GROUP}`)}`);
    expect(request?.text).not.toMatch(/\b[A-Z]+_[A-Z_]+\b/);
    expect(world.notifier.allText()).not.toMatch(/task-token/);
    // Each incident's page shows that its operators were asked, and when.
    for (const cache of CACHES) {
      const requested = (await world.store.timeline(incidentOf(cache))).filter((e) => e.type === 'APPROVAL_REQUESTED');
      expect(requested).toHaveLength(1);
      expect(requested[0]?.detail).toMatchObject({ groupId: GROUP, plan: 'PROVISION_FROM_BACKUP' });
      expect(world.store.approval(incidentOf(cache), 'recovery-plan')).toMatchObject({
        status: 'PENDING',
        taskToken: tokenOf(cache),
      });
    }
  });

  it('a retried step of any member does not ask again', async () => {
    const world = await groupWorld();
    await Promise.all(CACHES.map((c) => ask(world, c)));

    const again = await Promise.all(CACHES.map((c) => ask(world, c)));

    expect(again.every((o) => !o.published)).toBe(true);
    expect(requests(world)).toHaveLength(1);
    for (const cache of CACHES) {
      const types = await world.store.timelineTypes(incidentOf(cache));
      expect(types.filter((t) => t === 'APPROVAL_REQUESTED')).toHaveLength(1);
    }
  });

  it('waits for a cache still being assessed at most the gather time, then asks about it on its own', async () => {
    const world = await groupWorld();
    const started = world.clock.now().getTime();

    await Promise.all([ask(world, 'sessions'), ask(world, 'profiles')]);
    expect(world.clock.now().getTime() - started).toBeGreaterThanOrEqual(20_000);
    expect(world.clock.now().getTime() - started).toBeLessThan(30_000);
    expect(requests(world)).toHaveLength(1);
    expect(requests(world)[0]?.subject).toBe('Approval needed: 2 caches of cloud-east are down');
    expect(requests(world)[0]?.text).not.toContain('carts');

    await ask(world, 'carts');

    const late = requests(world)[1];
    expect(late).toMatchObject({ incidentId: incidentOf('carts'), groupId: GROUP });
    expect(late?.text).toContain(`One more cache of provider outage ${GROUP} needs a decision.`);
    expect(requests(world)).toHaveLength(2);
  });

  it('never gathers longer than half the heartbeat, so nobody is asked after the wait escalated', async () => {
    const world = await groupWorld();
    const started = world.clock.now().getTime();

    await ask(world, 'sessions', 15, 10);

    expect(world.clock.now().getTime() - started).toBeGreaterThanOrEqual(5_000);
    expect(world.clock.now().getTime() - started).toBeLessThan(10_000);
    expect(requests(world)).toHaveLength(1);
  });

  it('does not wait for a member that went on without an approval, or failed', async () => {
    const world = await groupWorld();
    await world.store.arriveAtStage(GROUP, incidentOf('carts'), 'ETA', 5);
    await world.store.markMember(GROUP, incidentOf('profiles'), 'FAILED');
    const started = world.clock.now().getTime();

    await ask(world, 'sessions');

    expect(world.clock.now().getTime() - started).toBe(0);
    expect(requests(world)).toHaveLength(1);
  });

  it('a provider group of one cache gets the single-cache request, as a cache without provider does', async () => {
    const world = await groupWorld(['sessions']);

    await ask(world, 'sessions');

    const [request] = requests(world);
    expect(request?.incidentId).toBe(incidentOf('sessions'));
    expect(request?.subject).toContain('for sessions');
    expect(request?.text).toContain(`cache-outage approve ${incidentOf('sessions')} --reason "…"`);
  });
});

describe('the operators decide for a group', () => {
  const decide = (world: FakeWorld & { resumer: Resumer }, over: Partial<Parameters<typeof decideGroupApproval>[1]>) =>
    decideGroupApproval(
      { store: world.store, resumer: world.resumer, clock: world.clock },
      {
        groupId: GROUP,
        step: 'recovery-plan',
        decision: 'approve',
        decidedBy: 'alice',
        reason: 'provider confirmed the outage',
        ...over,
      },
    );

  it('approve all resumes every waiting execution with its own token, with the same audit trail', async () => {
    const world = await groupWorld();
    await Promise.all(CACHES.map((c) => ask(world, c)));

    const out = await decide(world, {});

    expect(out.decided.map((d) => d.incidentId).sort()).toEqual(CACHES.map(incidentOf).sort());
    expect(world.resumer.calls.map((c) => c.token).sort()).toEqual(CACHES.map(tokenOf).sort());
    expect(world.resumer.calls.every((c) => c.kind === 'success')).toBe(true);
    for (const cache of CACHES) {
      expect(world.store.approval(incidentOf(cache), 'recovery-plan')).toMatchObject({
        status: 'APPROVED',
        decidedBy: 'alice',
        reason: `provider confirmed the outage (group ${GROUP})`,
      });
      expect(await world.store.timelineTypes(incidentOf(cache))).toContain('APPROVED');
    }
    const group = await world.store.approvalGroup(GROUP);
    expect(Object.values(group?.members ?? {}).map((m) => m.approval?.status)).toEqual([
      'APPROVED',
      'APPROVED',
      'APPROVED',
    ]);
  });

  it('decides one cache with only, then the rest; nothing left to decide is a conflict', async () => {
    const world = await groupWorld();
    await Promise.all(CACHES.map((c) => ask(world, c)));

    const one = await decide(world, { decision: 'reject', only: [incidentOf('carts')] });
    expect(one.decided).toEqual([expect.objectContaining({ incidentId: incidentOf('carts'), status: 'REJECTED' })]);
    expect(world.resumer.calls).toEqual([{ kind: 'failure', token: tokenOf('carts') }]);

    const rest = await decide(world, {});
    expect(rest.decided.map((d) => d.incidentId).sort()).toEqual([incidentOf('profiles'), incidentOf('sessions')]);
    expect(rest.skipped).toEqual([
      expect.objectContaining({ incidentId: incidentOf('carts'), reason: 'already rejected' }),
    ]);

    await expect(decide(world, {})).rejects.toBeInstanceOf(ApprovalAlreadyDecidedError);
    await expect(decide(world, { only: ['nobody-20250301T115500Z'] })).rejects.toBeInstanceOf(ValidationError);
    expect(world.resumer.calls).toHaveLength(3);
  });

  it('a cache whose resumption failed does not keep the others waiting, and deciding again delivers it', async () => {
    const world = await groupWorld();
    await Promise.all(CACHES.map((c) => ask(world, c)));
    world.resumer.failNext.set(tokenOf('profiles'), new TransientDependencyError('Step Functions: 503'));

    const first = await decide(world, {});

    expect(first.decided.map((d) => d.incidentId).sort()).toEqual([incidentOf('carts'), incidentOf('sessions')]);
    expect(first.skipped).toEqual([
      expect.objectContaining({ incidentId: incidentOf('profiles'), reason: expect.stringMatching(/^not decided: /) }),
    ]);
    expect(first.undecided).toEqual([incidentOf('profiles')]);
    const again = await decide(world, {});

    expect(again.decided.map((d) => d.incidentId)).toEqual([incidentOf('profiles')]);
    expect(again.undecided).toEqual([]);
    expect(
      world.resumer.calls
        .filter((c) => c.kind === 'success')
        .map((c) => c.token)
        .sort(),
    ).toEqual(CACHES.map(tokenOf).sort());
  });

  it('a reason too long once the group is named is refused before anything is decided', async () => {
    const world = await groupWorld();
    await Promise.all(CACHES.map((c) => ask(world, c)));

    await expect(decide(world, { reason: 'x'.repeat(990) })).rejects.toBeInstanceOf(ValidationError);
    expect(world.resumer.calls).toEqual([]);
  });

  it('acknowledging the group keeps every waiting approval from escalating', async () => {
    const world = await groupWorld();
    await Promise.all(CACHES.map((c) => ask(world, c)));
    await decide(world, { only: [incidentOf('sessions')] });

    const acknowledged = await acknowledgeGroupApproval(
      { store: world.store, resumer: world.resumer, clock: world.clock },
      { groupId: GROUP, step: 'recovery-plan', by: 'bob' },
    );

    expect(acknowledged.sort()).toEqual([incidentOf('carts'), incidentOf('profiles')]);

    // A wait that already ended does not keep the others from being acknowledged.
    world.resumer.failNext.set(tokenOf('carts'), new ApprovalAlreadyDecidedError('the task timed out'));
    const again = await acknowledgeGroupApproval(
      { store: world.store, resumer: world.resumer, clock: world.clock },
      { groupId: GROUP, step: 'recovery-plan', by: 'bob' },
    );
    expect(again).toEqual([incidentOf('profiles')]);
    expect(world.resumer.calls.filter((c) => c.kind === 'heartbeat').map((c) => c.token)).toEqual(
      expect.arrayContaining([tokenOf('carts'), tokenOf('profiles')]),
    );
  });
});
