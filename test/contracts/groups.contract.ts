/**
 * What every GroupStore promises (run inside the incident store contract, so
 * against the fake and the DynamoDB adapter on the local DynamoDB): alarms of
 * one provider handled at once form one group, a redelivered join changes
 * nothing, and a group takes its members' outcome once none holds it open.
 */
import { GROUP_MEMBERS_MAX } from '../../functions/domain/groups';
import type { IncidentStore } from '../../functions/ports';
import type { FakeClock } from '../fakes/clock';

const T0 = '2025-03-01T12:00:00.000Z';
const WINDOW = 300;
const after = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

export function describeGroupStoreContract(subject: () => { store: IncidentStore; clock: FakeClock }): void {
  describe('incident groups', () => {
    let store: IncidentStore;
    beforeEach(() => {
      store = subject().store;
    });

    /** What on-alarm does for one alarm: resolve the provider's group, then join it. */
    const alarm = async (provider: string, cacheId: string, at: string): Promise<string> => {
      const groupId = await store.resolveGroup(provider, at, WINDOW);
      expect(await store.joinGroup(groupId, `${cacheId}-${at}`, { cacheId, joinedAt: at })).toBe('joined');
      return groupId;
    };

    it('three alarms of one provider handled at once form one group of three', async () => {
      const ids = await Promise.all([
        alarm('cloud-east', 'sessions', T0),
        alarm('cloud-east', 'profiles', after(1)),
        alarm('cloud-east', 'carts', after(2)),
      ]);

      expect(new Set(ids).size).toBe(1);
      const group = await store.getGroup(ids[0] as string);
      expect(group).toMatchObject({ provider: 'cloud-east', status: 'OPEN', openCount: 3, version: 3 });
      expect(group?.groupId).toMatch(/^cloud-east-20250301T12000[012]Z$/);
      expect(Object.values(group?.members ?? {}).map((m) => [m.cacheId, m.state])).toEqual(
        expect.arrayContaining([
          ['sessions', 'OPENED'],
          ['profiles', 'OPENED'],
          ['carts', 'OPENED'],
        ]),
      );
    });

    it('a full group takes nobody more: the next alarm of the provider opens a new group', async () => {
      const first = await store.resolveGroup('cloud-east', T0, WINDOW);
      for (let n = 0; n < GROUP_MEMBERS_MAX; n++) {
        expect(await store.joinGroup(first, `cache${n}-x`, { cacheId: `cache${n}`, joinedAt: T0 })).toBe('joined');
      }
      expect(await store.joinGroup(first, 'late-x', { cacheId: 'late', joinedAt: after(1) })).toBe('refused');

      const next = await store.resolveGroup('cloud-east', after(1), WINDOW);

      expect(next).not.toBe(first);
      expect(await store.joinGroup(next, 'late-x', { cacheId: 'late', joinedAt: after(1) })).toBe('joined');
      expect((await store.getGroup(first))?.openCount).toBe(GROUP_MEMBERS_MAX);
    });

    it('a redelivered join changes nothing', async () => {
      const groupId = await alarm('cloud-east', 'sessions', T0);

      expect(await store.resolveGroup('cloud-east', T0, WINDOW)).toBe(groupId);
      expect(await store.joinGroup(groupId, `sessions-${T0}`, { cacheId: 'sessions', joinedAt: T0 })).toBe('member');
      expect(await store.getGroup(groupId)).toMatchObject({ openCount: 1, version: 1 });
    });

    it('providers do not share groups', async () => {
      const east = await alarm('cloud-east', 'sessions', T0);
      const west = await alarm('cloud-west', 'profiles', T0);

      expect(east).toBe('cloud-east-20250301T120000Z');
      expect(west).toBe('cloud-west-20250301T120000Z');
    });

    it('after the window, an alarm joins while a member is open and opens a new group once none is', async () => {
      const first = await alarm('cloud-east', 'sessions', T0);
      expect(await alarm('cloud-east', 'profiles', after(WINDOW + 60))).toBe(first);

      await store.markMember(first, `sessions-${T0}`, 'RESOLVED');
      await store.markMember(first, `profiles-${after(WINDOW + 60)}`, 'FALSE_ALARM');
      const next = await alarm('cloud-east', 'carts', after(WINDOW + 120));

      expect(next).toBe('cloud-east-20250301T120700Z');
      expect(await store.getGroup(first)).toMatchObject({ status: 'RESOLVED', openCount: 0 });
      expect(await store.getGroup(next)).toMatchObject({ status: 'OPEN', openCount: 1 });
    });

    it('within the window, an alarm joins even when no member is open any more', async () => {
      const first = await alarm('cloud-east', 'sessions', T0);
      await store.markMember(first, `sessions-${T0}`, 'FAILED');

      expect(await alarm('cloud-east', 'profiles', after(WINDOW))).toBe(first);
    });

    it('members move forward only; a failed member holds the group open, the last one to leave closes it', async () => {
      const groupId = await alarm('cloud-east', 'sessions', T0);
      await alarm('cloud-east', 'profiles', after(1));

      await store.markMember(groupId, `sessions-${T0}`, 'CONFIRMED');
      await store.markMember(groupId, `sessions-${T0}`, 'FAILED');
      await store.markMember(groupId, `profiles-${after(1)}`, 'RESOLVED');
      expect(await store.getGroup(groupId)).toMatchObject({ status: 'OPEN', openCount: 1 });

      const resolved = await store.markMember(groupId, `sessions-${T0}`, 'RESOLVED');
      expect(resolved).toMatchObject({ status: 'RESOLVED', openCount: 0 });
      expect(resolved?.closedAt).toEqual(expect.any(String));
      // A late retry of an earlier step moves nothing back, and counts nothing twice.
      const again = await store.markMember(groupId, `sessions-${T0}`, 'FAILED');
      expect(again).toMatchObject({ status: 'RESOLVED', openCount: 0 });
      expect(again?.members[`sessions-${T0}`]?.state).toBe('RESOLVED');
      expect(await store.markMember('no-such-group', 'x', 'RESOLVED')).toBeUndefined();
    });

    it('a group that is over refuses a join, unless the incident already belongs to it', async () => {
      const groupId = await alarm('cloud-east', 'sessions', T0);
      await store.markMember(groupId, `sessions-${T0}`, 'RESOLVED');

      const late = { cacheId: 'profiles', joinedAt: after(2) };
      expect(await store.joinGroup(groupId, 'profiles-1', late)).toBe('refused');
      expect(await store.joinGroup('no-such-group', 'profiles-1', late)).toBe('refused');
      expect(await store.joinGroup(groupId, 'profiles-1', late, { force: true })).toBe('joined');
      expect(await store.getGroup(groupId)).toMatchObject({ status: 'OPEN', openCount: 1 });
      expect((await store.getGroup(groupId))?.closedAt).toBeUndefined();
    });

    it('a new group opening in the same second as one that is over takes the next free id', async () => {
      const first = await alarm('cloud-east', 'sessions', T0);
      await store.markMember(first, `sessions-${T0}`, 'RESOLVED');

      // Two alarms of that same second handled at once, after the group closed: one new group.
      const ids = await Promise.all([alarm('cloud-east', 'profiles', T0), alarm('cloud-east', 'carts', T0)]);

      expect(ids).toEqual(['cloud-east-20250301T120000Z-2', 'cloud-east-20250301T120000Z-2']);
      expect(await store.getGroup(ids[0] as string)).toMatchObject({ status: 'OPEN', openCount: 2 });
      expect(await store.getGroup(first)).toMatchObject({ status: 'RESOLVED', openCount: 0, version: 1 });

      // Once the provider's current group moved on, a late alarm of that second still finds a free id.
      for (const cacheId of ['profiles', 'carts'])
        await store.markMember(ids[0] as string, `${cacheId}-${T0}`, 'RESOLVED');
      await store.markMember(await alarm('cloud-east', 'ledger', after(900)), `ledger-${after(900)}`, 'RESOLVED');
      expect(await alarm('cloud-east', 'search', T0)).toBe('cloud-east-20250301T120000Z-3');
    });

    it('a cache without provider is a group of one named after its incident, which nothing else joins', async () => {
      await store.openSoloGroup('sessions-20250301T120000Z', { cacheId: 'sessions', joinedAt: T0 });
      await store.openSoloGroup('sessions-20250301T120000Z', { cacheId: 'sessions', joinedAt: T0 });

      const group = await store.getGroup('sessions-20250301T120000Z');
      expect(group).toMatchObject({ status: 'OPEN', openCount: 1, windowEndsAt: T0 });
      expect(group?.provider).toBeUndefined();
      expect(Object.keys(group?.members ?? {})).toEqual(['sessions-20250301T120000Z']);
      await store.markMember('sessions-20250301T120000Z', 'sessions-20250301T120000Z', 'FALSE_ALARM');
      expect(await store.getGroup('sessions-20250301T120000Z')).toMatchObject({ status: 'FALSE_ALARM' });
    });
  });

  describe('group notices', () => {
    let store: IncidentStore;
    let clock: FakeClock;
    let group: string;
    const STALE = 120;
    const staleBefore = (): string => new Date(clock.now().getTime() - STALE * 1000).toISOString();

    beforeEach(async () => {
      ({ store, clock } = subject());
      clock.set(T0);
      group = await store.resolveGroup('cloud-east', T0, WINDOW);
      for (const cache of ['sessions', 'profiles', 'carts']) {
        await store.joinGroup(group, cache, { cacheId: cache, joinedAt: T0 });
      }
    });

    it('records each arrival once, with the ETA, and returns the group as it then is', async () => {
      await store.arriveAtStage(group, 'sessions', 'INVESTIGATING');
      clock.advance({ seconds: 5 });
      const at5 = after(5);
      await store.arriveAtStage(group, 'sessions', 'INVESTIGATING');
      const now = await store.arriveAtStage(group, 'profiles', 'ETA', 25);

      expect(now?.members.sessions?.reached).toEqual({ INVESTIGATING: T0 });
      expect(now?.members.profiles).toMatchObject({ reached: { ETA: at5 }, etaMinutes: 25 });
      expect(await store.arriveAtStage(group, 'stranger', 'ETA', 5)).toBeUndefined();
      expect((await store.getGroup(group))?.members.stranger).toBeUndefined();
    });

    it('one claim per stage: the owner takes it again after a failed publish, others only once its lease ran out', async () => {
      const seen = { version: 3, staleBefore: staleBefore() };
      expect(await store.claimGroupNotice(group, 'INVESTIGATING', { by: 'sessions' }, seen)).toBe(true);
      expect(await store.claimGroupNotice(group, 'INVESTIGATING', { by: 'profiles' }, seen)).toBe(false);
      expect(await store.claimGroupNotice(group, 'INVESTIGATING', { by: 'sessions' }, seen)).toBe(true);

      clock.advance({ seconds: STALE + 1 });
      expect(
        await store.claimGroupNotice(
          group,
          'INVESTIGATING',
          { by: 'profiles' },
          { version: 3, staleBefore: staleBefore() },
        ),
      ).toBe(true);
      await store.confirmGroupNotice(group, 'INVESTIGATING', 'sessions', {
        messageId: 'late',
        subject: 's',
        text: 't',
      });
      await store.confirmGroupNotice(group, 'INVESTIGATING', 'profiles', { messageId: 'm-1', subject: 's', text: 't' });

      expect((await store.getGroup(group))?.claims?.INVESTIGATING).toMatchObject({
        status: 'SENT',
        by: 'profiles',
        messageId: 'm-1',
      });
      clock.advance({ seconds: STALE + 1 });
      expect(
        await store.claimGroupNotice(
          group,
          'INVESTIGATING',
          { by: 'profiles' },
          { version: 3, staleBefore: staleBefore() },
        ),
      ).toBe(false);
    });

    it('a claim taken on a snapshot older than a join, or after a later stage, is refused', async () => {
      await store.joinGroup(group, 'orders', { cacheId: 'orders', joinedAt: T0 });
      expect(
        await store.claimGroupNotice(
          group,
          'ETA',
          { by: 'sessions', etaMinutes: 9 },
          { version: 3, staleBefore: staleBefore() },
        ),
      ).toBe(false);
      expect(
        await store.claimGroupNotice(group, 'RESOLVED', { by: 'sessions' }, { version: 4, staleBefore: staleBefore() }),
      ).toBe(true);
      expect(
        await store.claimGroupNotice(
          group,
          'ETA',
          { by: 'sessions', etaMinutes: 9 },
          { version: 4, staleBefore: staleBefore() },
        ),
      ).toBe(false);
      expect((await store.getGroup(group))?.claims?.ETA).toBeUndefined();
    });

    it('claiming PARTIALLY_RESTORED seals the group: a later alarm of the provider opens a new one', async () => {
      const seen = { version: 3, staleBefore: staleBefore() };
      expect(await store.claimGroupNotice(group, 'PARTIALLY_RESTORED', { by: 'carts' }, seen)).toBe(true);

      expect((await store.getGroup(group))?.sealedAt).toBe(T0);
      expect(await store.joinGroup(group, 'orders', { cacheId: 'orders', joinedAt: after(10) })).toBe('refused');
      expect(await store.resolveGroup('cloud-east', after(10), WINDOW)).toBe('cloud-east-20250301T120010Z');
    });

    it('concurrent claims of one stage: exactly one wins', async () => {
      const seen = { version: 3, staleBefore: staleBefore() };
      const won = await Promise.all(
        ['sessions', 'profiles', 'carts'].map((by) =>
          store.claimGroupNotice(group, 'ETA', { by, etaMinutes: 30 }, seen),
        ),
      );

      expect(won.filter(Boolean)).toHaveLength(1);
      const claim = (await store.getGroup(group))?.claims?.ETA;
      expect(claim).toMatchObject({ status: 'CLAIMED', etaMinutes: 30 });
      await store.markGroupNoticeRecorded(group, 'ETA');
      expect((await store.getGroup(group))?.claims?.ETA?.recordedAt).toBe(T0);
    });
  });

  describe('group approval requests', () => {
    let store: IncidentStore;
    let clock: FakeClock;
    let group: string;
    const STEP = 'recovery-plan';
    const pending = (at: string) => ({
      step: STEP,
      status: 'PENDING' as const,
      at,
      facts: { plan: 'PROVISION_FROM_BACKUP' },
    });
    const staleBefore = (): string => new Date(clock.now().getTime() - 120_000).toISOString();

    beforeEach(async () => {
      ({ store, clock } = subject());
      clock.set(T0);
      group = await store.resolveGroup('cloud-east', T0, WINDOW);
      for (const cache of ['sessions', 'profiles', 'carts']) {
        await store.joinGroup(group, cache, { cacheId: cache, joinedAt: T0 });
      }
    });

    it('records each member waiting for a decision; a decided member keeps its decision', async () => {
      const now = await store.arriveForApproval(group, 'sessions', pending(T0));
      expect(now?.members.sessions?.approval).toEqual(pending(T0));
      expect(await store.arriveForApproval(group, 'stranger', pending(T0))).toBeUndefined();

      await store.markMemberApproval(group, 'sessions', STEP, 'APPROVED');
      const again = await store.arriveForApproval(group, 'sessions', pending(after(5)));

      expect(again?.members.sessions?.approval).toMatchObject({ status: 'APPROVED', at: T0 });
      await store.markMemberApproval(group, 'profiles', STEP, 'APPROVED');
      expect((await store.approvalGroup(group))?.members.profiles?.approval).toBeUndefined();
    });

    it('concurrent claims of the request: exactly one wins; the owner takes it again, others once it is stale', async () => {
      const won = await Promise.all(
        ['sessions', 'profiles', 'carts'].map((by) =>
          store.claimGroupApproval(group, STEP, { by, members: ['sessions', 'profiles', 'carts'] }, staleBefore()),
        ),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
      const owner = (await store.approvalGroup(group))?.approvals?.[STEP]?.by ?? '';
      const other = ['sessions', 'profiles', 'carts'].find((m) => m !== owner) ?? '';

      expect(await store.claimGroupApproval(group, STEP, { by: owner, members: ['sessions'] }, staleBefore())).toBe(
        true,
      );
      expect(await store.claimGroupApproval(group, STEP, { by: other, members: ['sessions'] }, staleBefore())).toBe(
        false,
      );
      clock.advance({ seconds: 121 });
      expect(await store.claimGroupApproval(group, STEP, { by: other, members: ['sessions'] }, staleBefore())).toBe(
        true,
      );

      await store.confirmGroupApproval(group, STEP, owner, { messageId: 'm-1', subject: 's', text: 't' });
      expect((await store.approvalGroup(group))?.approvals?.[STEP]?.status).toBe('CLAIMED');
      await store.confirmGroupApproval(group, STEP, other, { messageId: 'm-2', subject: 's', text: 't' });
      await store.markGroupApprovalRecorded(group, STEP);
      expect((await store.approvalGroup(group))?.approvals?.[STEP]).toMatchObject({
        status: 'SENT',
        by: other,
        members: ['sessions'],
        messageId: 'm-2',
        recordedAt: after(121),
      });
      expect(await store.claimGroupApproval(group, STEP, { by: other, members: ['carts'] }, staleBefore())).toBe(false);
    });
  });
}
