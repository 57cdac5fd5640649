import {
  ApprovalAlreadyDecidedError,
  IncidentNotFoundError,
  TransientDependencyError,
  ValidationError,
} from '../../functions/domain/errors';
import type { TaskResumer } from '../../functions/ports';
import { acknowledgeApproval, decideApproval, type DecisionRequest } from '../../functions/usecases/decide-approval';
import { FakeClock } from '../fakes/clock';
import { FakeIncidentStore } from '../fakes/incident-store';

const TOKEN = 'AQB4AAAAKgAAAAMAAAAA-task-token-kept-server-side';

/** Records what the workflow was resumed with; can be told to fail once, or to answer that the task is gone. */
class RecordingResumer implements TaskResumer {
  readonly calls: { kind: 'success' | 'failure' | 'heartbeat'; token: string; body?: unknown }[] = [];
  failNext: Error | undefined;
  async sendSuccess(taskToken: string, output: unknown) {
    this.take();
    this.calls.push({ kind: 'success', token: taskToken, body: output });
  }
  async sendFailure(taskToken: string, error: string, cause: string) {
    this.take();
    this.calls.push({ kind: 'failure', token: taskToken, body: { error, cause: JSON.parse(cause) } });
  }
  async heartbeat(taskToken: string) {
    this.take();
    this.calls.push({ kind: 'heartbeat', token: taskToken });
  }
  private take() {
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
}

async function world() {
  const clock = new FakeClock('2026-11-26T10:00:00.000Z');
  const store = new FakeIncidentStore(clock);
  const resumer = new RecordingResumer();
  await store.savePendingApproval(
    {
      incidentId: 'inc-1',
      step: 'recovery-plan',
      status: 'PENDING',
      requestedAt: '2026-11-26T09:59:00.000Z',
      facts: { plan: 'PROVISION_FROM_BACKUP' },
    },
    TOKEN,
  );
  return { clock, store, resumer, deps: { store, resumer, clock } };
}

const approve = (over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  incidentId: 'inc-1',
  step: 'recovery-plan',
  decision: 'approve',
  decidedBy: 'dana@example.com',
  reason: 'restore from the 03:00 backup',
  ...over,
});

describe('an operator decides a pending approval', () => {
  it('approval: records who, when and why, then resumes the workflow with the decision', async () => {
    const w = await world();
    const result = await decideApproval(w.deps, approve());
    expect(result).toMatchObject({
      status: 'APPROVED',
      decidedBy: 'dana@example.com',
      decidedAt: '2026-11-26T10:00:00.000Z',
    });
    expect(w.resumer.calls).toEqual([
      {
        kind: 'success',
        token: TOKEN,
        body: {
          approved: true,
          decidedBy: 'dana@example.com',
          decidedAt: '2026-11-26T10:00:00.000Z',
          reason: 'restore from the 03:00 backup',
        },
      },
    ]);
    const [approval] = await w.store.approvals('inc-1');
    expect(approval).toMatchObject({
      status: 'APPROVED',
      decidedBy: 'dana@example.com',
      reason: 'restore from the 03:00 backup',
    });
    expect(approval).not.toHaveProperty('taskToken');
    expect((await w.store.pendingApproval('inc-1', 'recovery-plan'))?.approval.resumedAt).toBe(
      '2026-11-26T10:00:00.000Z',
    );
    expect(await w.store.timeline('inc-1')).toEqual([
      expect.objectContaining({
        type: 'APPROVED',
        detail: { step: 'recovery-plan', decidedBy: 'dana@example.com', reason: 'restore from the 03:00 backup' },
      }),
    ]);
  });

  it('rejection: fails the waiting task with ApprovalRejectedError and the reason', async () => {
    const w = await world();
    await decideApproval(
      w.deps,
      approve({ decision: 'reject', reason: 'the backup is from before the schema change' }),
    );
    expect(w.resumer.calls[0]).toMatchObject({
      kind: 'failure',
      body: { error: 'ApprovalRejectedError', cause: { reason: 'the backup is from before the schema change' } },
    });
    expect((await w.store.timeline('inc-1')).map((e) => e.type)).toEqual(['REJECTED']);
  });

  it('a second decision is refused and changes nothing', async () => {
    const w = await world();
    await decideApproval(w.deps, approve());
    await expect(decideApproval(w.deps, approve({ decision: 'reject', decidedBy: 'sam@example.com' }))).rejects.toThrow(
      /already approved by dana@example.com/,
    );
    await expect(decideApproval(w.deps, approve())).rejects.toBeInstanceOf(ApprovalAlreadyDecidedError);
    expect(w.resumer.calls).toHaveLength(1);
    expect(await w.store.timeline('inc-1')).toHaveLength(1);
  });

  it('a decision whose delivery failed is delivered when the same operator retries, and only then', async () => {
    const w = await world();
    w.resumer.failNext = new TransientDependencyError('throttled');
    await expect(decideApproval(w.deps, approve())).rejects.toBeInstanceOf(TransientDependencyError);
    // Someone else cannot take over the recorded decision…
    await expect(decideApproval(w.deps, approve({ decidedBy: 'sam@example.com' }))).rejects.toBeInstanceOf(
      ApprovalAlreadyDecidedError,
    );
    // …but the same decision by the same operator goes through, once.
    await expect(decideApproval(w.deps, approve())).resolves.toMatchObject({ status: 'APPROVED' });
    expect(w.resumer.calls.map((c) => c.kind)).toEqual(['success']);
    expect((await w.store.timeline('inc-1')).map((e) => e.type)).toEqual(['APPROVED']);
    await expect(decideApproval(w.deps, approve())).rejects.toBeInstanceOf(ApprovalAlreadyDecidedError);
  });

  it('a retry after a delivery that did get through (token gone) counts as delivered', async () => {
    const w = await world();
    w.resumer.failNext = new TransientDependencyError('response lost');
    await expect(decideApproval(w.deps, approve())).rejects.toThrow();
    w.resumer.failNext = new ApprovalAlreadyDecidedError('the waiting task is no longer open (InvalidToken)');
    await expect(decideApproval(w.deps, approve())).resolves.toMatchObject({ status: 'APPROVED' });
    expect((await w.store.pendingApproval('inc-1', 'recovery-plan'))?.approval.resumedAt).toBeDefined();
  });

  it('needs a reason and an operator, and names what is missing', async () => {
    const w = await world();
    await expect(decideApproval(w.deps, approve({ reason: '  ' }))).rejects.toThrow(ValidationError);
    await expect(decideApproval(w.deps, approve({ decidedBy: '' }))).rejects.toThrow(/decidedBy/);
    expect(w.resumer.calls).toEqual([]);
  });

  it('an unknown incident or step is not found', async () => {
    const w = await world();
    await expect(decideApproval(w.deps, approve({ incidentId: 'nope' }))).rejects.toBeInstanceOf(IncidentNotFoundError);
    await expect(decideApproval(w.deps, approve({ step: 'other' }))).rejects.toBeInstanceOf(IncidentNotFoundError);
  });

  it('acknowledging sends the approval heartbeat and notes who is looking', async () => {
    const w = await world();
    await acknowledgeApproval(w.deps, { incidentId: 'inc-1', step: 'recovery-plan', by: 'dana@example.com' });
    expect(w.resumer.calls).toEqual([{ kind: 'heartbeat', token: TOKEN }]);
    expect((await w.store.timeline('inc-1'))[0]).toMatchObject({
      type: 'APPROVAL_ACKNOWLEDGED',
      detail: { by: 'dana@example.com' },
    });
    await decideApproval(w.deps, approve());
    await expect(
      acknowledgeApproval(w.deps, { incidentId: 'inc-1', step: 'recovery-plan', by: 'x' }),
    ).rejects.toBeInstanceOf(ApprovalAlreadyDecidedError);
  });
});
