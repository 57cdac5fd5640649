import { quotaExceeded } from '../../functions/domain/quotas';
import { escalate } from '../../functions/usecases/escalate';
import { executionStatusChanged, type ExecutionStatusChange } from '../../functions/usecases/execution-status';
import { CACHE_ID, INCIDENT_ID, worldWithIncident } from './support';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:recovery:sessions-20240514T093200Z-abc';

function change(overrides: Partial<ExecutionStatusChange> = {}): ExecutionStatusChange {
  return {
    executionArn: EXECUTION_ARN,
    status: 'FAILED',
    input: { incidentId: INCIDENT_ID, cacheId: CACHE_ID },
    error: 'TransientDependencyError',
    cause: JSON.stringify({
      errorType: 'TransientDependencyError',
      errorMessage: 'SSM PutParameter: ThrottlingException',
    }),
    redriveCount: 0,
    ...overrides,
  };
}

describe('execution status changes', () => {
  it('a step that stopped the execution: incident failed, operators told which step and how to redrive', async () => {
    const world = worldWithIncident();
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Cut Over' });

    const out = await executionStatusChanged(world, change());

    expect(out).toEqual({ outcome: 'escalated', failedState: 'Cut Over' });
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({
      status: 'FAILED',
      error: { error: 'TransientDependencyError', cause: 'SSM PutParameter: ThrottlingException' },
    });
    const [message] = world.notifier.operators;
    expect(message?.subject).toBe(`Cache ${CACHE_ID}: recovery stopped at Cut Over with TransientDependencyError`);
    expect(message?.text).toContain('stopped at "Cut Over"');
    expect(message?.text).toContain(`aws stepfunctions redrive-execution --execution-arn ${EXECUTION_ARN}`);
    expect(message?.text).toContain(`cache-outage redrive ${INCIDENT_ID} --reason`);
    expect(message?.text).toContain('The step failed after all its retries');
    expect(message?.facts).toMatchObject({ failedState: 'Cut Over', executionArn: EXECUTION_ARN });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['FAILED', 'ESCALATED']);
  });

  it('a quota refusal at Provision Cache: operators told which quota, the nodes needed, how to make room, then redrive', async () => {
    const world = worldWithIncident();
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Provision Cache' });
    // What the Provision function raised, as Step Functions hands it on.
    const refusal = quotaExceeded(
      'NodeQuotaForCustomerExceeded',
      'sessions-r-abc',
      2,
      new Error('would exceed the nodes'),
    );

    const out = await executionStatusChanged(
      world,
      change({
        error: refusal.name,
        cause: JSON.stringify({ errorType: refusal.name, errorMessage: refusal.message, trace: [] }),
      }),
    );

    expect(out).toEqual({ outcome: 'escalated', failedState: 'Provision Cache' });
    const [message] = world.notifier.operators;
    expect(message?.subject).toBe(
      `Cache ${CACHE_ID}: ElastiCache quota "Nodes per Region" reached; recovery stopped at Provision Cache`,
    );
    const text = message?.text ?? '';
    expect(text).toContain(
      `the account's quota "Nodes per Region" is reached (NodeQuotaForCustomerExceeded). This replacement needs 2 nodes.`,
    );
    expect(text).toContain(
      'raise "Nodes per Region" in the Service Quotas console (AWS services › Amazon ElastiCache)',
    );
    expect(text).toContain('delete ElastiCache nodes no longer needed, to free at least 2 nodes');
    // Making room comes before continuing from the step.
    expect(text.indexOf('Service Quotas')).toBeLessThan(text.indexOf(`cache-outage redrive ${INCIDENT_ID}`));
    expect(text).toContain('continue from "Provision Cache"');
    expect(text).toContain(`aws stepfunctions redrive-execution --execution-arn ${EXECUTION_ARN}`);
    expect(world.store.incident(INCIDENT_ID)?.error).toMatchObject({ error: 'QuotaExceededError' });
  });

  it('another error at Provision Cache does not read as a quota', async () => {
    const world = worldWithIncident();
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Provision Cache' });
    await executionStatusChanged(world, change({ error: 'CacheProvisioningFailedError' }));
    expect(world.notifier.operators[0]?.text).not.toContain('Service Quotas');
  });

  it('says so when the execution timed out or was stopped', async () => {
    for (const [status, words] of [
      ['TIMED_OUT', 'ran out of time'],
      ['ABORTED', 'Somebody stopped the workflow'],
    ] as const) {
      const world = worldWithIncident();
      await executionStatusChanged(world, change({ status, error: undefined, cause: undefined }));
      expect(world.notifier.operators[0]?.text).toContain(words);
      expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
    }
  });

  it('escalates a duplicate delivery once', async () => {
    const world = worldWithIncident();
    await executionStatusChanged(world, change());
    const again = await executionStatusChanged(world, change());
    expect(again.outcome).toBe('already-escalated');
    expect(world.notifier.operators).toHaveLength(1);
  });

  it('the workflow own Fail state after an in-flow escalation: nothing more', async () => {
    const world = worldWithIncident();
    await escalate(world, {
      incidentId: INCIDENT_ID,
      cacheId: CACHE_ID,
      kind: 'failed',
      error: { Error: 'CacheWaitTimeoutError', Cause: 'x' },
    });

    const out = await executionStatusChanged(world, change({ error: 'RecoveryFailed', cause: 'The recovery failed' }));

    expect(out.outcome).toBe('already-escalated');
    expect(world.notifier.operators).toHaveLength(1);
    expect(world.store.incident(INCIDENT_ID)?.error?.error).toBe('CacheWaitTimeoutError');
  });

  it('the workflow own Fail state when the in-flow escalation never recorded: escalates now', async () => {
    const world = worldWithIncident();
    const out = await executionStatusChanged(world, change({ error: 'ApprovalRejectedError', cause: 'rejected' }));
    expect(out.outcome).toBe('escalated');
    expect(world.notifier.operators[0]?.facts).toMatchObject({ kind: 'rejected' });
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
  });

  it('a redrive reopens the incident once, and a second failure after it escalates again', async () => {
    const world = worldWithIncident();
    await executionStatusChanged(world, change());

    expect(
      await executionStatusChanged(world, change({ status: 'RUNNING', redriveCount: 1, error: undefined })),
    ).toEqual({ outcome: 'reopened' });
    await executionStatusChanged(world, change({ status: 'RUNNING', redriveCount: 1, error: undefined }));
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('OPEN');

    await executionStatusChanged(world, change({ redriveCount: 1, error: 'RehydrationFailedError' }));
    expect(world.notifier.operators).toHaveLength(2);
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([
      'FAILED',
      'ESCALATED',
      'REDRIVEN',
      'FAILED',
      'ESCALATED',
    ]);
  });

  it('a redrive after a newer incident took the cache leaves this one failed', async () => {
    const world = worldWithIncident();
    await executionStatusChanged(world, change());
    world.store.seedLock(CACHE_ID, 'newer');

    await executionStatusChanged(world, change({ status: 'RUNNING', redriveCount: 1, error: undefined }));

    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
    const [redriven] = (await world.store.timeline(INCIDENT_ID)).filter((e) => e.type === 'REDRIVEN');
    expect(redriven?.message).toContain("is incident newer's now");
  });

  it('events in any order and late duplicates never move the incident backwards', async () => {
    // The redriven attempt failed at once: its FAILED event is handled before its RUNNING event.
    const world = worldWithIncident();
    await executionStatusChanged(world, change());
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Cut Over', redriveCount: 1 });
    await executionStatusChanged(world, change({ redriveCount: 1, error: 'AccessDeniedException' }));
    await executionStatusChanged(world, change({ status: 'RUNNING', redriveCount: 1, error: undefined }));
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(world.notifier.operators).toHaveLength(2);

    // A late duplicate of the first FAILED, after a second redrive reopened it, changes nothing.
    world.executions.set(EXECUTION_ARN, { status: 'RUNNING', currentState: 'Cut Over', redriveCount: 2 });
    await executionStatusChanged(world, change({ status: 'RUNNING', redriveCount: 2, error: undefined }));
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('OPEN');
    expect(
      (await executionStatusChanged(world, change({ redriveCount: 1, error: 'AccessDeniedException' }))).outcome,
    ).toBe('ignored');
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({ status: 'OPEN', attempt: 2 });
    expect(world.notifier.operators).toHaveLength(2);
  });

  it('a late FAILED after the incident resolved changes nothing', async () => {
    const world = worldWithIncident();
    await world.store.updateIncident(INCIDENT_ID, { status: 'RESOLVED' });
    world.executions.set(EXECUTION_ARN, { status: 'SUCCEEDED', redriveCount: 0 });
    await executionStatusChanged(world, change());
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('RESOLVED');
    expect(world.notifier.operators).toHaveLength(0);
  });

  it('when the in-flow escalation marked the incident failed but could not tell anyone, the Fail state event does', async () => {
    const world = worldWithIncident();
    world.notifier.failures.fail('publishOperators', new Error('KMS: AccessDenied'));
    await expect(
      escalate(world, {
        incidentId: INCIDENT_ID,
        cacheId: CACHE_ID,
        kind: 'failed',
        error: { Error: 'CacheWaitTimeoutError', Cause: 'never available' },
      }),
    ).rejects.toThrow('KMS');
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');

    const out = await executionStatusChanged(world, change({ error: 'RecoveryFailed', cause: 'The recovery failed' }));

    expect(out.outcome).toBe('escalated');
    expect(world.notifier.operators).toHaveLength(1);
    expect(world.notifier.operators[0]?.text).toContain('Error: CacheWaitTimeoutError');
  });

  it('escalates even when the execution cannot be described, after three attempts', async () => {
    const world = worldWithIncident();
    let attempts = 0;
    world.executions.describe = () => {
      attempts++;
      return Promise.reject(new Error('ThrottlingException'));
    };
    const waits: number[] = [];
    const deps = { ...world, sleep: async (ms: number) => void waits.push(ms) };
    expect((await executionStatusChanged(deps, change())).outcome).toBe('escalated');
    expect(attempts).toBe(3);
    expect(waits).toEqual([250, 1000]);
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
  });

  it('names the step it stopped at when the description fails once before it answers', async () => {
    const world = worldWithIncident();
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Notify Investigating' });
    const describe = world.executions.describe.bind(world.executions);
    let attempts = 0;
    world.executions.describe = (arn: string) =>
      ++attempts === 1 ? Promise.reject(new Error('timeout')) : describe(arn);
    const out = await executionStatusChanged({ ...world, sleep: async () => undefined }, change());
    expect(out).toEqual({ outcome: 'escalated', failedState: 'Notify Investigating' });
    expect(attempts).toBe(2);
  });

  it('ignores a first start and a success', async () => {
    const world = worldWithIncident();
    expect((await executionStatusChanged(world, change({ status: 'RUNNING' }))).outcome).toBe('ignored');
    expect((await executionStatusChanged(world, change({ status: 'SUCCEEDED' }))).outcome).toBe('ignored');
    expect(world.notifier.operators).toHaveLength(0);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([]);
  });
});
