/**
 * The fakes keep the semantics the adapters promise; other tests rely on it.
 */
import { ApprovalAlreadyDecidedError, IncidentNotFoundError, ValidationError } from '../../functions/domain/errors';
import type { ExecutionInput } from '../../functions/domain/incident';
import { FakeCacheFleet, FakeCacheProbe, FakeClock, FakeIncidentStore, FakeWorkflow } from '.';

const lock = (incidentId: string) => ({
  cacheId: 'c',
  incidentId,
  executionName: `e-${incidentId}`,
  executionInput: {} as ExecutionInput,
  openedAt: '2025-03-01T12:00:00Z',
});

describe('FakeIncidentStore', () => {
  it('holds one open-incident lock per cache and releases it only for its incident', async () => {
    const store = new FakeIncidentStore(new FakeClock());

    expect(await store.acquireOpenLock(lock('i1'))).toEqual({ acquired: true });
    expect(await store.acquireOpenLock(lock('i2'))).toEqual({ acquired: false, existing: lock('i1') });
    await store.releaseOpenLock('c', 'i2');
    expect((await store.getOpenLock('c'))?.incidentId).toBe('i1');
    await store.releaseOpenLock('c', 'i1');
    expect(await store.acquireOpenLock(lock('i2'))).toEqual({ acquired: true });
  });

  it('sees a delivery once until its marker expires', async () => {
    const clock = new FakeClock();
    const store = new FakeIncidentStore(clock);

    expect(await store.markDelivery('k', 60)).toBe(true);
    expect(await store.markDelivery('k', 60)).toBe(false);
    clock.advance({ seconds: 61 });
    expect(await store.markDelivery('k', 60)).toBe(true);
  });

  it('claims a notice until it is confirmed sent', async () => {
    const store = new FakeIncidentStore(new FakeClock());

    expect(await store.claimNotice('i', 'ETA')).toBe('claimed');
    expect(await store.claimNotice('i', 'ETA')).toBe('claimed');
    await store.confirmNotice('i', 'ETA', 'm1', { subject: 's', text: 't' });
    expect(await store.claimNotice('i', 'ETA')).toBe('sent');
  });

  it('refuses to update a missing incident or its immutable fields', async () => {
    const store = new FakeIncidentStore(new FakeClock());
    store.seedIncident({ incidentId: 'i', cacheId: 'c' });

    await expect(store.updateIncident('nope', { status: 'FAILED' })).rejects.toBeInstanceOf(IncidentNotFoundError);
    await expect(store.updateIncident('i', { pk: 'x' })).rejects.toBeInstanceOf(ValidationError);
    await store.updateIncident('i', { status: 'FAILED', plan: undefined });
    expect(await store.getIncident('i')).toMatchObject({ status: 'FAILED', incidentId: 'i' });
  });

  it('decides an approval once and never lists its token', async () => {
    const store = new FakeIncidentStore(new FakeClock());
    await store.savePendingApproval(
      { incidentId: 'i', step: 's', status: 'PENDING', requestedAt: 't', facts: {} },
      'secret-token',
    );
    const decision = { status: 'APPROVED' as const, decidedBy: 'ana', decidedAt: 't2', reason: 'ok' };

    expect((await store.pendingApproval('i', 's'))?.taskToken).toBe('secret-token');
    await store.decideApproval('i', 's', decision);
    await expect(store.decideApproval('i', 's', decision)).rejects.toBeInstanceOf(ApprovalAlreadyDecidedError);
    expect(JSON.stringify(await store.approvals('i'))).not.toContain('secret-token');
  });

  it('returns the newest measured recoveries, oldest first', async () => {
    const store = new FakeIncidentStore(new FakeClock());
    for (const [i, seconds] of [10, 20, 30].entries()) {
      await store.recordRecovery({
        plan: 'PROMOTE_REPLICA',
        seconds,
        incidentId: `i${i}`,
        at: `2025-01-0${i + 1}T00:00:00Z`,
      });
    }

    expect((await store.recentRecoveries('PROMOTE_REPLICA', 2)).map((r) => r.seconds)).toEqual([20, 30]);
  });
});

describe('FakeCacheFleet', () => {
  it('reports scripted statuses in order, repeating the last', async () => {
    const fleet = new FakeCacheFleet();
    await fleet.createFromBackup({
      replicationGroupId: 'r',
      description: '',
      snapshotArn: 'arn:aws:s3:::b/k',
      nodeType: 'cache.t4g.small',
      engine: 'valkey',
      numCacheClusters: 2,
      port: 6379,
      securityGroupIds: [],
      tags: {},
    });
    fleet.scriptStatuses('r', ['creating', 'available']);

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fleet.describeGroup('r'))?.status);

    expect(statuses).toEqual(['creating', 'available', 'available']);
  });
});

describe('FakeCacheProbe', () => {
  it('answers scripted outcomes and checks AUTH', async () => {
    const probe = new FakeCacheProbe();
    const e = { host: 'h', port: 1, tls: false };
    probe.script(e, [false, true]).requireAuth(e, 'tok');

    expect((await probe.ping(e, { timeoutMs: 1, authToken: 'tok' })).ok).toBe(false);
    expect((await probe.ping(e, { timeoutMs: 1, authToken: 'tok' })).ok).toBe(true);
    expect((await probe.ping(e, { timeoutMs: 1 })).ok).toBe(false);
  });
});

describe('FakeWorkflow', () => {
  it('starts one execution per name', async () => {
    const wf = new FakeWorkflow();
    const first = await wf.start('n', {} as ExecutionInput);
    const second = await wf.start('n', {} as ExecutionInput);

    expect(first.alreadyStarted).toBe(false);
    expect(second).toEqual({ executionArn: first.executionArn, alreadyStarted: true });
    expect(wf.started()).toHaveLength(1);
  });
});
