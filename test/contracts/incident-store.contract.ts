/**
 * What every IncidentStore promises, as one suite run against each
 * implementation (incident-store.test.ts): the in-memory fake the use-case
 * tests rely on, and the DynamoDB adapter on the local DynamoDB. Where they
 * could differ, DynamoDB's behaviour is the contract.
 */
import type { RecordedIncident } from '../../functions/adapters/dynamodb/layout';
import {
  ApprovalAlreadyDecidedError,
  IncidentNotFoundError,
  ReportNotesConflictError,
  ValidationError,
} from '../../functions/domain/errors';
import type { ExecutionInput, TimelineEvent } from '../../functions/domain/incident';
import type { IncidentStore, OpenIncidentLock, PendingApproval } from '../../functions/ports';
import type { FakeClock } from '../fakes/clock';
import { describeGroupStoreContract } from './groups.contract';

export interface StoreUnderTest {
  store: IncidentStore;
  /** The store's clock. */
  clock: FakeClock;
  /** Writes an incident record as the state machine's Record Incident does. */
  recordIncident(incident: RecordedIncident): Promise<void>;
}

const recorded = (incidentId: string, openedAt = '2025-03-01T11:59:00.000Z'): RecordedIncident => ({
  incidentId,
  cacheId: incidentId.split('-')[0] as string,
  openedAt,
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:recovery:${incidentId}`,
  executionName: `exec-${incidentId}`,
  triggerAlarm: 'sessions-down',
});

const lock = (incidentId: string, cacheId = 'c'): OpenIncidentLock => ({
  cacheId,
  incidentId,
  executionName: `e-${incidentId}`,
  executionInput: { incidentId, cacheId } as ExecutionInput,
  openedAt: '2025-03-01T12:00:00Z',
});

const pending = (over: Partial<PendingApproval> = {}): PendingApproval => ({
  incidentId: 'i',
  step: 'recovery-plan',
  status: 'PENDING',
  requestedAt: '2025-03-01T12:00:00.000Z',
  facts: { plan: 'PROVISION_FROM_BACKUP', backup: { key: 'sessions/a.rdb', sizeBytes: 1024 } },
  ...over,
});

const event = (at: string, message: string, detail?: Record<string, unknown>): TimelineEvent => ({
  at,
  type: 'ASSESSED',
  message,
  ...(detail ? { detail } : {}),
});

export function describeIncidentStoreContract(name: string, subject: () => Promise<StoreUnderTest>): void {
  describe(`${name}: the incident store contract`, () => {
    let s: StoreUnderTest;
    let store: IncidentStore;
    beforeEach(async () => {
      s = await subject();
      store = s.store;
    });

    describe('incident records', () => {
      it('reads the record as Record Incident wrote it, without the table keys', async () => {
        await s.recordIncident(recorded('sessions-1'));

        expect(await store.getIncident('sessions-1')).toEqual({ ...recorded('sessions-1'), status: 'OPEN' });
        expect(await store.getIncident('nope')).toBeUndefined();
      });

      it('refuses to update a missing incident or its immutable fields', async () => {
        await s.recordIncident(recorded('i'));

        await expect(store.updateIncident('nope', { status: 'FAILED' })).rejects.toBeInstanceOf(IncidentNotFoundError);
        await expect(store.updateIncident('i', { pk: 'x' })).rejects.toBeInstanceOf(ValidationError);
        await store.updateIncident('i', { status: 'FAILED', plan: undefined });
        expect(await store.getIncident('i')).toMatchObject({ status: 'FAILED', incidentId: 'i' });
      });

      it.each(['incidentId', 'cacheId', 'openedAt', 'sk', 'gsi1pk', 'gsi1sk'])(
        'refuses a change of %s, even of a missing incident, and changes nothing',
        async (field) => {
          await s.recordIncident(recorded('i'));

          await expect(store.updateIncident('i', { [field]: 'x', status: 'FAILED' })).rejects.toBeInstanceOf(
            ValidationError,
          );
          await expect(store.updateIncident('nope', { [field]: 'x' })).rejects.toBeInstanceOf(ValidationError);
          expect(await store.getIncident('i')).toEqual({ ...recorded('i'), status: 'OPEN' });
        },
      );

      it('sets the fields given, skips undefined ones and keeps the others', async () => {
        await s.recordIncident(recorded('i'));
        const endpoint = { host: 'sessions-r.cache.amazonaws.com', port: 6379, tls: true };

        await store.updateIncident('i', { plan: 'PROMOTE_REPLICA', stage: 'ETA' });
        await store.updateIncident('i', {
          status: 'RESOLVED',
          resolvedAt: '2025-03-01T12:30:00.000Z',
          newEndpoint: endpoint,
          plan: undefined,
        });

        const incident = await store.getIncident('i');
        expect(incident).toEqual({
          ...recorded('i'),
          status: 'RESOLVED',
          plan: 'PROMOTE_REPLICA',
          stage: 'ETA',
          resolvedAt: '2025-03-01T12:30:00.000Z',
          newEndpoint: endpoint,
        });
      });

      it('writes nothing, and finds nothing missing, when every change is undefined', async () => {
        await expect(store.updateIncident('nope', { plan: undefined })).resolves.toBeUndefined();
        expect(await store.getIncident('nope')).toBeUndefined();
      });

      it("orders an incident's FAILED / OPEN writes by workflow attempt", async () => {
        await s.recordIncident(recorded('orders-1'));

        const steps = [
          await store.markAttempt('orders-1', {
            status: 'FAILED',
            attempt: 0,
            fields: { failedAt: 't0', error: { error: 'E', cause: 'c' } },
          }),
          await store.markAttempt('orders-1', { status: 'OPEN', attempt: 1 }), // the redrive reopens it
          await store.markAttempt('orders-1', { status: 'FAILED', attempt: 0 }), // a late duplicate of the first failure
          await store.markAttempt('orders-1', { status: 'OPEN', attempt: 1 }), // the redrive's own event, again
          await store.markAttempt('orders-1', { status: 'FAILED', attempt: 1 }), // the redriven attempt fails
          await store.markAttempt('orders-1', { status: 'OPEN', attempt: 1 }), // its RUNNING event, late
        ];

        expect(steps).toEqual([true, true, false, false, true, false]);
        expect(await store.getIncident('orders-1')).toMatchObject({
          status: 'FAILED',
          attempt: 1,
          failedAt: 't0',
          error: { error: 'E', cause: 'c' },
        });
      });

      it('never marks a resolved incident FAILED, nor a missing one', async () => {
        await s.recordIncident(recorded('orders-1'));
        await store.updateIncident('orders-1', { status: 'RESOLVED' });

        expect(await store.markAttempt('orders-1', { status: 'FAILED', attempt: 2 })).toBe(false);
        expect(await store.markAttempt('orders-1', { status: 'OPEN', attempt: 3 })).toBe(false);
        expect(await store.markAttempt('nope', { status: 'FAILED', attempt: 0 })).toBe(false);
        expect((await store.getIncident('orders-1'))?.status).toBe('RESOLVED');
        expect(await store.getIncident('nope')).toBeUndefined();
      });

      it('lists incidents newest first, as many as asked', async () => {
        await s.recordIncident(recorded('a-1', '2025-03-01T10:00:00.000Z'));
        await s.recordIncident(recorded('c-3', '2025-03-03T10:00:00.000Z'));
        await s.recordIncident(recorded('b-2', '2025-03-02T10:00:00.000Z'));
        await store.updateIncident('a-1', { status: 'RESOLVED' });

        expect((await store.listIncidents(2)).map((i) => i.incidentId)).toEqual(['c-3', 'b-2']);
        expect(await store.listIncidents(10)).toEqual([
          { ...recorded('c-3', '2025-03-03T10:00:00.000Z'), status: 'OPEN' },
          { ...recorded('b-2', '2025-03-02T10:00:00.000Z'), status: 'OPEN' },
          { ...recorded('a-1', '2025-03-01T10:00:00.000Z'), status: 'RESOLVED' },
        ]);
        expect(await store.listIncidents(0)).toEqual([]);
      });
    });

    describe('timeline', () => {
      it('reads events oldest first, whatever the order they were appended in', async () => {
        await store.appendTimeline('i', event('2025-03-01T12:00:03.000Z', 'third', { plan: 'PROMOTE_REPLICA' }));
        await store.appendTimeline('i', event('2025-03-01T12:00:01.000Z', 'first'));
        await store.appendTimeline('other', event('2025-03-01T12:00:00.000Z', 'elsewhere'));
        await store.appendTimeline('i', event('2025-03-01T12:00:02.000Z', 'second', { nested: { n: 1, ok: true } }));

        expect(await store.timeline('i')).toEqual([
          event('2025-03-01T12:00:01.000Z', 'first'),
          event('2025-03-01T12:00:02.000Z', 'second', { nested: { n: 1, ok: true } }),
          event('2025-03-01T12:00:03.000Z', 'third', { plan: 'PROMOTE_REPLICA' }),
        ]);
        expect(await store.timeline('nope')).toEqual([]);
      });

      it('keeps every event of the same instant, and the same event appended twice', async () => {
        const at = '2025-03-01T12:00:00.000Z';
        await store.appendTimeline('i', event(at, 'one'));
        await store.appendTimeline('i', event(at, 'two'));
        await store.appendTimeline('i', event(at, 'two'));

        const messages = (await store.timeline('i')).map((e) => e.message);
        expect(messages.sort()).toEqual(['one', 'two', 'two']);
      });
    });

    describe('notices', () => {
      it('claims a notice until it is confirmed sent', async () => {
        expect(await store.claimNotice('i', 'ETA')).toBe('claimed');
        expect(await store.claimNotice('i', 'ETA')).toBe('claimed');
        await store.confirmNotice('i', 'ETA', 'm1', { subject: 's', text: 't' });
        expect(await store.claimNotice('i', 'ETA')).toBe('sent');
      });

      it('keeps each stage of each incident apart', async () => {
        await store.claimNotice('i', 'INVESTIGATING');
        await store.confirmNotice('i', 'INVESTIGATING', 'm1', { subject: 's', text: 't' });

        expect(await store.claimNotice('i', 'ETA')).toBe('claimed');
        expect(await store.claimNotice('j', 'INVESTIGATING')).toBe('claimed');
        expect(await store.claimNotice('i', 'INVESTIGATING')).toBe('sent');
      });

      it('lists the customer notices sent, oldest first, without approval requests, escalations or claims', async () => {
        await store.confirmNotice('i', 'INVESTIGATING', 'm1', { subject: 'Down', text: 'We are on it.' });
        s.clock.advance(60_000);
        await store.confirmNotice('i', 'APPROVAL#recovery-plan', 'm2', { subject: 'Approve?', text: 'a' });
        await store.confirmNotice('i', 'ESCALATION#failed', 'm3', { subject: 'Help', text: 'e' });
        await store.claimNotice('i', 'RESOLVED');
        await store.confirmNotice('i', 'ETA', 'm4', { subject: 'Back soon', text: 'In 20 minutes.' });
        await store.confirmNotice('j', 'RESOLVED', 'm5', { subject: 'Other', text: 'o' });
        const sent = await store.sentNotices('i');
        expect(sent.map((n) => [n.stage, n.subject, n.text])).toEqual([
          ['INVESTIGATING', 'Down', 'We are on it.'],
          ['ETA', 'Back soon', 'In 20 minutes.'],
        ]);
        expect(Date.parse(sent[1]!.sentAt) - Date.parse(sent[0]!.sentAt)).toBe(60_000);
      });

      it('counts a confirmed notice as sent even without an earlier claim', async () => {
        await store.confirmNotice('i', 'RESOLVED', 'm2', { subject: 's', text: 't' });

        expect(await store.claimNotice('i', 'RESOLVED')).toBe('sent');
      });
    });

    describe('approvals', () => {
      it('decides an approval once and never lists its token', async () => {
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

      it('returns a pending approval as saved, with its task token apart', async () => {
        await store.savePendingApproval(pending(), 'token-1');

        expect(await store.pendingApproval('i', 'recovery-plan')).toEqual({
          approval: pending(),
          taskToken: 'token-1',
        });
        expect(await store.pendingApproval('i', 'other-step')).toBeUndefined();
        expect(await store.pendingApproval('j', 'recovery-plan')).toBeUndefined();
      });

      it("lists an incident's approvals by step, without task tokens", async () => {
        await store.savePendingApproval(pending({ step: 'z-last' }), 'token-z');
        await store.savePendingApproval(pending({ step: 'a-first' }), 'token-a');
        await store.savePendingApproval(pending({ incidentId: 'j' }), 'token-j');

        expect(await store.approvals('i')).toEqual([pending({ step: 'a-first' }), pending({ step: 'z-last' })]);
        expect(await store.approvals('nope')).toEqual([]);
      });

      it('records the first decision only; a missing approval cannot be decided', async () => {
        await store.savePendingApproval(pending(), 'token-1');
        const first = {
          status: 'REJECTED' as const,
          decidedBy: 'ana',
          decidedAt: '2025-03-01T12:05:00Z',
          reason: 'no',
        };

        await store.decideApproval('i', 'recovery-plan', first);
        await expect(
          store.decideApproval('i', 'recovery-plan', { ...first, status: 'APPROVED', decidedBy: 'sam' }),
        ).rejects.toBeInstanceOf(ApprovalAlreadyDecidedError);
        await expect(store.decideApproval('i', 'other-step', first)).rejects.toBeInstanceOf(
          ApprovalAlreadyDecidedError,
        );

        const decided = pending({ ...first });
        expect(await store.pendingApproval('i', 'recovery-plan')).toEqual({ approval: decided, taskToken: 'token-1' });
        expect(await store.approvals('i')).toEqual([decided]);
        expect(await store.pendingApproval('i', 'other-step')).toBeUndefined();
      });

      it('notes when the workflow was resumed; the list shows the decision only', async () => {
        await store.savePendingApproval(pending(), 'token-1');
        const decision = { status: 'APPROVED' as const, decidedBy: 'ana', decidedAt: 't2', reason: 'ok' };
        await store.decideApproval('i', 'recovery-plan', decision);

        await store.markApprovalResumed('i', 'recovery-plan', '2025-03-01T12:06:00.000Z');

        expect((await store.pendingApproval('i', 'recovery-plan'))?.approval).toEqual(
          pending({ ...decision, resumedAt: '2025-03-01T12:06:00.000Z' }),
        );
        expect(await store.approvals('i')).toEqual([pending({ ...decision })]);
        await expect(store.markApprovalResumed('i', 'other-step', 't')).rejects.toBeInstanceOf(IncidentNotFoundError);
      });

      it('replaces an approval requested again, decision, resumption and token included', async () => {
        await store.savePendingApproval(pending(), 'token-1');
        await store.decideApproval('i', 'recovery-plan', {
          status: 'TIMED_OUT',
          decidedBy: 'workflow',
          decidedAt: 't2',
          reason: 'nobody answered',
        });
        await store.markApprovalResumed('i', 'recovery-plan', 't3');

        // A request carries no resumption: one given with it is not kept.
        await store.savePendingApproval(
          pending({ requestedAt: '2025-03-01T13:00:00.000Z', resumedAt: '2025-03-01T12:59:00.000Z' }),
          'token-2',
        );

        expect(await store.pendingApproval('i', 'recovery-plan')).toEqual({
          approval: pending({ requestedAt: '2025-03-01T13:00:00.000Z' }),
          taskToken: 'token-2',
        });
      });
    });

    describe('open-incident locks', () => {
      it('holds one open-incident lock per cache and releases it only for its incident', async () => {
        expect(await store.acquireOpenLock(lock('i1'))).toEqual({ acquired: true });
        expect(await store.acquireOpenLock(lock('i2'))).toEqual({ acquired: false, existing: lock('i1') });
        await store.releaseOpenLock('c', 'i2');
        expect((await store.getOpenLock('c'))?.incidentId).toBe('i1');
        await store.releaseOpenLock('c', 'i1');
        expect(await store.acquireOpenLock(lock('i2'))).toEqual({ acquired: true });
      });

      it('reads the lock as taken; each cache has its own; releasing a free lock does nothing', async () => {
        await store.acquireOpenLock(lock('i1', 'c1'));
        await store.releaseOpenLock('c2', 'i1');

        expect(await store.acquireOpenLock(lock('i2', 'c2'))).toEqual({ acquired: true });
        expect(await store.getOpenLock('c1')).toEqual(lock('i1', 'c1'));
        expect(await store.getOpenLock('c2')).toEqual(lock('i2', 'c2'));
        expect(await store.getOpenLock('c3')).toBeUndefined();
      });

      it('lets exactly one of concurrent takers win, and tells the others who holds it', async () => {
        const ids = ['i1', 'i2', 'i3', 'i4', 'i5'];

        const results = await Promise.all(ids.map((id) => store.acquireOpenLock(lock(id))));

        const holder = await store.getOpenLock('c');
        expect(results.filter((r) => r.acquired)).toHaveLength(1);
        expect(results[ids.indexOf(holder?.incidentId ?? '')]).toEqual({ acquired: true });
        for (const r of results) if (!r.acquired) expect(r.existing).toEqual(holder);
      });
    });

    describe('alarm deliveries', () => {
      it('sees a delivery once until its marker expires', async () => {
        expect(await store.markDelivery('k', 60)).toBe(true);
        expect(await store.markDelivery('k', 60)).toBe(false);
        s.clock.advance({ seconds: 61 });
        expect(await store.markDelivery('k', 60)).toBe(true);
      });

      it('counts a marker as seen through its last second, and each delivery apart', async () => {
        expect(await store.markDelivery('k', 60)).toBe(true);
        expect(await store.markDelivery('other', 60)).toBe(true);
        s.clock.advance({ seconds: 60 });
        expect(await store.markDelivery('k', 60)).toBe(false);
        s.clock.advance({ seconds: 1 });
        expect(await store.markDelivery('k', 600)).toBe(true);
        s.clock.advance({ seconds: 300 });
        expect(await store.markDelivery('k', 60)).toBe(false);
      });
    });

    describe('report notes', () => {
      const notes = (rootCause: string, by: string) => ({
        rootCause,
        actionItems: [{ text: 'Enable Multi-AZ on sessions', owner: 'ana', due: '2024-03-01' }],
        suggestions: { 'multi-az': 'KEPT' as const, 'approval-policy': 'DROPPED' as const },
        updatedBy: by,
        updatedAt: '2024-02-17T10:00:00.000Z',
      });

      it('has none before the first save, then reads back what was saved, one version up per save', async () => {
        expect(await store.reportNotes('i')).toBeUndefined();

        expect(await store.saveReportNotes('i', notes('A disk filled up.', 'ana'), 0)).toMatchObject({ version: 1 });
        expect(await store.reportNotes('i')).toEqual({ ...notes('A disk filled up.', 'ana'), version: 1 });

        await store.saveReportNotes('i', { rootCause: '', actionItems: [], suggestions: {}, updatedBy: 'bo' }, 1);
        expect(await store.reportNotes('i')).toEqual({
          rootCause: '',
          actionItems: [],
          suggestions: {},
          updatedBy: 'bo',
          version: 2,
        });
        expect(await store.reportNotes('other')).toBeUndefined();
      });

      it('refuses a save made on a stale version, keeping what the other operator saved', async () => {
        await store.saveReportNotes('i', notes('first', 'ana'), 0);

        await expect(store.saveReportNotes('i', notes('second', 'bo'), 0)).rejects.toBeInstanceOf(
          ReportNotesConflictError,
        );
        await store.saveReportNotes('i', notes('third', 'ana'), 1);
        await expect(store.saveReportNotes('i', notes('fourth', 'bo'), 1)).rejects.toBeInstanceOf(
          ReportNotesConflictError,
        );
        await expect(store.saveReportNotes('i', notes('ahead', 'bo'), 5)).rejects.toBeInstanceOf(
          ReportNotesConflictError,
        );
        expect(await store.reportNotes('i')).toMatchObject({ rootCause: 'third', updatedBy: 'ana', version: 2 });
      });

      it('of two operators saving the same version at once, exactly one wins', async () => {
        await store.saveReportNotes('i', notes('start', 'ana'), 0);
        const results = await Promise.allSettled(
          ['ana', 'bo', 'cy'].map((by) => store.saveReportNotes('i', notes(`by ${by}`, by), 1)),
        );

        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(refused.map((r) => (r.reason as Error).name)).toEqual([
          'ReportNotesConflictError',
          'ReportNotesConflictError',
        ]);
        const saved = await store.reportNotes('i');
        expect(saved?.version).toBe(2);
        expect(saved?.rootCause).toBe(`by ${saved?.updatedBy}`);
      });

      it('lives beside the incident without showing in its timeline, notices or approvals', async () => {
        await s.recordIncident(recorded('i'));
        await store.saveReportNotes('i', notes('disk', 'ana'), 0);

        expect(await store.timeline('i')).toEqual([]);
        expect(await store.sentNotices('i')).toEqual([]);
        expect(await store.approvals('i')).toEqual([]);
        expect(await store.getIncident('i')).toEqual({ ...recorded('i'), status: 'OPEN' });
      });
    });

    describe('recovery history', () => {
      it('returns the newest measured recoveries, oldest first', async () => {
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

      it('orders by time, keeps plans apart, and replaces a re-recorded recovery', async () => {
        const at = (day: number) => `2025-01-0${day}T00:00:00Z`;
        await store.recordRecovery({
          plan: 'PROVISION_FROM_BACKUP',
          seconds: 300,
          incidentId: 'c',
          at: at(3),
          backupSizeBytes: 3000,
        });
        await store.recordRecovery({
          plan: 'PROVISION_FROM_BACKUP',
          seconds: 100,
          incidentId: 'a',
          at: at(1),
          backupSizeBytes: 1000,
        });
        await store.recordRecovery({ plan: 'PROMOTE_REPLICA', seconds: 5, incidentId: 'p', at: at(2) });
        await store.recordRecovery({ plan: 'PROVISION_FROM_BACKUP', seconds: 200, incidentId: 'b', at: at(2) });
        await store.recordRecovery({ plan: 'PROVISION_FROM_BACKUP', seconds: 250, incidentId: 'b', at: at(2) });

        expect(await store.recentRecoveries('PROVISION_FROM_BACKUP', 10)).toEqual([
          { plan: 'PROVISION_FROM_BACKUP', seconds: 100, backupSizeBytes: 1000 },
          { plan: 'PROVISION_FROM_BACKUP', seconds: 250 },
          { plan: 'PROVISION_FROM_BACKUP', seconds: 300, backupSizeBytes: 3000 },
        ]);
        expect(await store.recentRecoveries('PROMOTE_REPLICA', 10)).toEqual([{ plan: 'PROMOTE_REPLICA', seconds: 5 }]);
        expect(await store.recentRecoveries('GLOBAL_FAILOVER', 10)).toEqual([]);
        expect(await store.recentRecoveries('PROVISION_FROM_BACKUP', 0)).toEqual([]);
      });
    });

    describeGroupStoreContract(() => s);
  });
}
