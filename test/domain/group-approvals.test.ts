import {
  groupApprovalDue,
  requestTurn,
  unaskedMembers,
  type ApprovalGroup,
  type GroupApprovalRequest,
} from '../../functions/domain/group-approvals';
import type { GroupMember } from '../../functions/domain/groups';

const STEP = 'recovery-plan';
const T0 = '2025-03-01T12:00:00.000Z';
const STALE = '2025-03-01T11:58:00.000Z';

type Member = GroupMember & { approval?: ApprovalGroup['members'][string]['approval'] };
const member = (cacheId: string, over: Partial<Member> = {}): Member => ({
  cacheId,
  joinedAt: T0,
  state: 'CONFIRMED',
  at: T0,
  ...over,
});
const waiting = (cacheId: string, over: Partial<Member> = {}) =>
  member(cacheId, { approval: { step: STEP, status: 'PENDING', at: T0, facts: {} }, ...over });

function group(members: Record<string, Member>, request?: GroupApprovalRequest): ApprovalGroup {
  return {
    groupId: 'cloud-east-20250301T120000Z',
    provider: 'cloud-east',
    status: 'OPEN',
    openedAt: T0,
    windowEndsAt: T0,
    openCount: Object.keys(members).length,
    version: Object.keys(members).length,
    members,
    ...(request ? { approvals: { [STEP]: request } } : {}),
  };
}

describe('one approval request per group', () => {
  it.each([
    ['every cache waits', { a: waiting('a'), b: waiting('b') }, true],
    ['one cache is still being assessed', { a: waiting('a'), b: member('b') }, false],
    ['the other went on without an approval', { a: waiting('a'), b: member('b', { reached: { ETA: T0 } }) }, true],
    ['the other failed', { a: waiting('a'), b: member('b', { state: 'FAILED' }) }, true],
    ['the other was a false alarm', { a: waiting('a'), b: member('b', { state: 'FALSE_ALARM' }) }, true],
    ['nobody waits', { a: member('a', { reached: { ETA: T0 } }) }, false],
  ] as const)('whether it is due when %s', (_, members, due) => {
    expect(groupApprovalDue(group({ ...members }), STEP, false)).toBe(due);
  });

  it('stops waiting for a cache still being assessed once the gather time is over', () => {
    expect(groupApprovalDue(group({ a: waiting('a'), b: member('b') }), STEP, true)).toBe(true);
    expect(unaskedMembers(group({ a: waiting('a'), b: member('b') }), STEP)).toEqual(['a']);
  });

  it('a claimed request: its members wait for it, the owner and a takeover of a stale claim send it', () => {
    const claimed = (by: string, at = T0): GroupApprovalRequest => ({ status: 'CLAIMED', by, at, members: ['a', 'b'] });
    const g = (r: GroupApprovalRequest) => group({ a: waiting('a'), b: waiting('b'), c: waiting('c') }, r);
    const o = { gatherOver: false, graceOver: false, staleBefore: STALE };

    expect(requestTurn(g(claimed('a')), 'b', STEP, o)).toEqual({ kind: 'wait' });
    expect(requestTurn(g(claimed('a')), 'a', STEP, o)).toEqual({ kind: 'claim', members: ['a', 'b'] });
    expect(requestTurn(g(claimed('a', '2025-03-01T11:50:00.000Z')), 'b', STEP, o)).toEqual({
      kind: 'claim',
      members: ['a', 'b'],
    });
    // A cache the claim does not name waits for it to go out, then asks on its own.
    expect(requestTurn(g(claimed('a')), 'c', STEP, o)).toEqual({ kind: 'wait' });
    expect(requestTurn(g(claimed('a')), 'c', STEP, { ...o, gatherOver: true, graceOver: true })).toEqual({
      kind: 'addendum',
    });
  });

  it('a sent request: its members are done, a cache it missed asks on its own', () => {
    const sent: GroupApprovalRequest = { status: 'SENT', by: 'a', at: T0, members: ['a', 'b'], messageId: 'm' };
    const g = group({ a: waiting('a'), b: waiting('b'), c: waiting('c') }, sent);
    const o = { gatherOver: false, graceOver: false, staleBefore: STALE };

    expect(requestTurn(g, 'b', STEP, o)).toEqual({ kind: 'asked', request: sent });
    expect(requestTurn(g, 'c', STEP, o)).toEqual({ kind: 'addendum' });
  });
});
