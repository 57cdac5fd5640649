import {
  groupEtaOf,
  groupNoticeDue,
  groupNoticeSkipped,
  nextGroupNotice,
  type GroupMember,
  type GroupNoticeClaim,
  type IncidentGroup,
  type MemberState,
} from '../../functions/domain/groups';
import type { NoticeStage } from '../../functions/domain/incident';

const AT = '2025-03-01T12:00:00.000Z';
const STALE_BEFORE = '2025-03-01T11:58:00.000Z';

/** A member that reached the given stages (and had the given ETA). */
const m = (state: MemberState, stages: NoticeStage[] = [], etaMinutes?: number): GroupMember => ({
  cacheId: 'c',
  joinedAt: AT,
  state,
  at: AT,
  reached: Object.fromEntries(stages.map((s) => [s, AT])),
  ...(etaMinutes !== undefined ? { etaMinutes } : {}),
});

const group = (members: GroupMember[], claims: Partial<Record<NoticeStage, GroupNoticeClaim>> = {}): IncidentGroup => ({
  groupId: 'g',
  provider: 'p',
  status: 'OPEN',
  openedAt: AT,
  windowEndsAt: AT,
  openCount: members.length,
  version: members.length,
  members: Object.fromEntries(members.map((member, n) => [`i${n}`, member])),
  claims,
});

const sent = (by = 'i0'): GroupNoticeClaim => ({ status: 'SENT', by, at: AT });
const INV: NoticeStage[] = ['INVESTIGATING'];
const ETA: NoticeStage[] = ['INVESTIGATING', 'ETA'];
const PR: NoticeStage[] = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED'];
const ALL: NoticeStage[] = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED'];

describe('groupNoticeDue', () => {
  it.each<[string, NoticeStage, GroupMember[], boolean]>([
    [
      'INVESTIGATING when the first member is confirmed down',
      'INVESTIGATING',
      [m('CONFIRMED', INV), m('OPENED'), m('OPENED')],
      true,
    ],
    ['not INVESTIGATING before any member is confirmed', 'INVESTIGATING', [m('OPENED'), m('OPENED')], false],
    [
      'not the ETA while a live member is still being assessed',
      'ETA',
      [m('CONFIRMED', ETA), m('CONFIRMED', INV)],
      false,
    ],
    ['the ETA once every live member was assessed', 'ETA', [m('CONFIRMED', ETA), m('CONFIRMED', ETA)], true],
    [
      'the ETA when the others failed or were found recovered',
      'ETA',
      [m('CONFIRMED', ETA), m('FAILED', INV), m('CONFIRMED', ['INVESTIGATING', 'RESOLVED'])],
      true,
    ],
    ['the ETA without waiting for a false alarm', 'ETA', [m('CONFIRMED', ETA), m('FALSE_ALARM')], true],
    [
      'not the ETA when no member has one',
      'ETA',
      [m('FAILED', INV), m('CONFIRMED', ['INVESTIGATING', 'RESOLVED'])],
      false,
    ],
    [
      'not PARTIALLY_RESTORED while one cache is still down',
      'PARTIALLY_RESTORED',
      [m('CONFIRMED', PR), m('CONFIRMED', PR), m('CONFIRMED', ETA)],
      false,
    ],
    [
      'PARTIALLY_RESTORED when every cache serves again',
      'PARTIALLY_RESTORED',
      [m('CONFIRMED', PR), m('CONFIRMED', ALL), m('CONFIRMED', PR)],
      true,
    ],
    [
      'not PARTIALLY_RESTORED while a member is FAILED before its cut-over',
      'PARTIALLY_RESTORED',
      [m('CONFIRMED', PR), m('FAILED', ETA)],
      false,
    ],
    [
      'PARTIALLY_RESTORED without a rejected member',
      'PARTIALLY_RESTORED',
      [m('CONFIRMED', PR), m('REJECTED', ETA)],
      true,
    ],
    [
      'PARTIALLY_RESTORED when a member failed after its cut-over',
      'PARTIALLY_RESTORED',
      [m('CONFIRMED', PR), m('FAILED', PR)],
      true,
    ],
    ['not RESOLVED while a member failed after its cut-over', 'RESOLVED', [m('RESOLVED', ALL), m('FAILED', PR)], false],
    [
      'RESOLVED when the last live member is',
      'RESOLVED',
      [m('RESOLVED', ALL), m('CONFIRMED', ALL), m('RELEASED', ETA)],
      true,
    ],
    ['nothing for a group of false alarms', 'INVESTIGATING', [m('FALSE_ALARM'), m('FALSE_ALARM')], false],
  ])('%s', (_name, stage, members, due) => {
    expect(groupNoticeDue(stage, members)).toBe(due);
  });
});

describe('groupNoticeSkipped', () => {
  it('skips the stages every live member went past without them, as a single incident does', () => {
    const recovered = m('CONFIRMED', ['INVESTIGATING', 'RESOLVED']);
    expect(groupNoticeSkipped('ETA', [recovered, recovered])).toBe(true);
    expect(groupNoticeSkipped('PARTIALLY_RESTORED', [recovered, recovered])).toBe(true);
    expect(groupNoticeSkipped('ETA', [recovered, m('CONFIRMED', INV)])).toBe(false);
    expect(groupNoticeSkipped('PARTIALLY_RESTORED', [recovered, m('CONFIRMED', PR)])).toBe(false);
  });
});

describe('groupEtaOf', () => {
  it('is the slowest plan of the live members', () => {
    expect(
      groupEtaOf([m('CONFIRMED', ETA, 12), m('CONFIRMED', ETA, 40), m('REJECTED', ETA, 90), m('CONFIRMED', INV)]),
    ).toBe(40);
    expect(groupEtaOf([m('CONFIRMED', INV)])).toBeUndefined();
  });
});

describe('nextGroupNotice', () => {
  it('takes the stages in order and stops at the first one not due', () => {
    expect(nextGroupNotice(group([m('CONFIRMED', ETA, 5), m('CONFIRMED', INV)]), 'i0', STALE_BEFORE)).toEqual({
      stage: 'INVESTIGATING',
    });
    expect(
      nextGroupNotice(
        group([m('CONFIRMED', ETA, 5), m('CONFIRMED', INV)], { INVESTIGATING: sent() }),
        'i0',
        STALE_BEFORE,
      ),
    ).toBeUndefined();
    expect(
      nextGroupNotice(
        group([m('CONFIRMED', ETA, 5), m('CONFIRMED', ETA, 25)], { INVESTIGATING: sent() }),
        'i1',
        STALE_BEFORE,
      ),
    ).toEqual({ stage: 'ETA', etaMinutes: 25 });
  });

  it('leaves a fresh claim of another member alone, and takes over one whose lease ran out', () => {
    const members = [m('CONFIRMED', ETA, 5), m('CONFIRMED', ETA, 25)];
    const fresh: GroupNoticeClaim = { status: 'CLAIMED', by: 'i0', at: AT, etaMinutes: 25 };
    const stale: GroupNoticeClaim = { ...fresh, at: '2025-03-01T11:50:00.000Z' };

    expect(nextGroupNotice(group(members, { INVESTIGATING: sent(), ETA: fresh }), 'i1', STALE_BEFORE)).toBeUndefined();
    expect(nextGroupNotice(group(members, { INVESTIGATING: sent(), ETA: stale }), 'i1', STALE_BEFORE)).toEqual({
      stage: 'ETA',
      etaMinutes: 25,
    });
  });

  it('gives its owner back a claim whose publish failed, with the ETA the claim decided', () => {
    const members = [m('CONFIRMED', ETA, 5), m('CONFIRMED', ETA, 99)];
    const mine: GroupNoticeClaim = { status: 'CLAIMED', by: 'i0', at: AT, etaMinutes: 25 };

    expect(nextGroupNotice(group(members, { INVESTIGATING: sent(), ETA: mine }), 'i0', STALE_BEFORE)).toEqual({
      stage: 'ETA',
      etaMinutes: 25,
    });
  });

  it('skips stages every member went past, and never sends a stage after a later one', () => {
    const recovered = m('CONFIRMED', ['INVESTIGATING', 'RESOLVED']);
    expect(nextGroupNotice(group([recovered, recovered], { INVESTIGATING: sent() }), 'i0', STALE_BEFORE)).toEqual({
      stage: 'RESOLVED',
    });
    // A member that arrives at PARTIALLY_RESTORED after RESOLVED went out does not bring it back.
    expect(
      nextGroupNotice(
        group([m('CONFIRMED', PR), recovered], { INVESTIGATING: sent(), RESOLVED: sent() }),
        'i0',
        STALE_BEFORE,
      ),
    ).toBeUndefined();
  });

  it('nothing once every stage was sent', () => {
    const claims = { INVESTIGATING: sent(), ETA: sent(), PARTIALLY_RESTORED: sent(), RESOLVED: sent() };
    expect(nextGroupNotice(group([m('RESOLVED', ALL)], claims), 'i0', STALE_BEFORE)).toBeUndefined();
  });
});
