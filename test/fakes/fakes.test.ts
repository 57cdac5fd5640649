/**
 * The fakes keep the semantics the adapters promise; other tests rely on it.
 * FakeIncidentStore is held to the DynamoDB adapter by test/contracts/.
 */
import type { ExecutionInput } from '../../functions/domain/incident';
import { FakeCacheFleet, FakeCacheProbe, FakeWorkflow } from '.';

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
