/**
 * A provider outage as the incidents list reads it, for the console's tests
 * with and without a browser.
 */
import type { ExecutionInput, TimelineEvent } from '../../functions/domain/incident';
import { fakeWorld } from '../fakes';

export const NOW = '2025-12-06T23:24:00.000Z';
export const GROUP = 'acme-redis-20251206T231400Z';

const notice = (at: string, stage: string): TimelineEvent => ({
  at: `2025-12-06T${at}.000Z`,
  type: 'NOTICE_SENT',
  message: `notice ${stage}`,
  detail: { stage, groupId: GROUP },
});

/**
 * accounts-1: restoring from backup, its approval waiting; accounts-2: promoting a replica, its group still
 * only on its lock (Confirm Outage has not copied it yet); accounts-3: resolved. And sessions, a cache
 * without provider, resolved earlier.
 */
export async function providerOutageWorld() {
  const w = fakeWorld({ now: NOW });
  const opened = (s: string) => `2025-12-06T23:14:0${s}.000Z`;
  expect(await w.store.resolveGroup('acme-redis', opened('0'), 300)).toBe(GROUP);
  for (const n of ['1', '2', '3']) {
    await w.store.joinGroup(GROUP, `accounts-${n}-20251206T23140${n}Z`, {
      cacheId: `accounts-${n}`,
      joinedAt: opened(n),
    });
  }
  w.store.seedIncident({
    incidentId: 'accounts-1-20251206T231401Z',
    cacheId: 'accounts-1',
    openedAt: opened('1'),
    status: 'OPEN',
    plan: 'PROVISION_FROM_BACKUP',
    groupId: GROUP,
  });
  await w.store.savePendingApproval(
    {
      incidentId: 'accounts-1-20251206T231401Z',
      step: 'recovery-plan',
      status: 'PENDING',
      requestedAt: '2025-12-06T23:15:00.000Z',
      facts: { plan: 'PROVISION_FROM_BACKUP' },
    },
    'token',
  );
  w.store.seedIncident({
    incidentId: 'accounts-2-20251206T231402Z',
    cacheId: 'accounts-2',
    openedAt: opened('2'),
    status: 'OPEN',
    plan: 'PROMOTE_REPLICA',
  });
  await w.store.acquireOpenLock({
    cacheId: 'accounts-2',
    incidentId: 'accounts-2-20251206T231402Z',
    executionName: 'e-2',
    executionInput: {
      incidentId: 'accounts-2-20251206T231402Z',
      cacheId: 'accounts-2',
      groupId: GROUP,
    } as ExecutionInput,
    openedAt: opened('2'),
  });
  w.store.seedIncident({
    incidentId: 'accounts-3-20251206T231403Z',
    cacheId: 'accounts-3',
    openedAt: opened('3'),
    status: 'RESOLVED',
    plan: 'PROMOTE_REPLICA',
    groupId: GROUP,
    restoredAt: '2025-12-06T23:17:03.000Z',
    resolvedAt: '2025-12-06T23:19:03.000Z',
  });
  for (const id of ['accounts-1-20251206T231401Z', 'accounts-2-20251206T231402Z', 'accounts-3-20251206T231403Z']) {
    await w.store.appendTimeline(id, notice('23:14:30', 'INVESTIGATING'));
    await w.store.appendTimeline(id, notice('23:16:00', 'ETA'));
  }
  w.store.seedIncident({
    incidentId: 'sessions-20251206T220000Z',
    cacheId: 'sessions',
    openedAt: '2025-12-06T22:00:00.000Z',
    status: 'RESOLVED',
    resolvedAt: '2025-12-06T22:10:00.000Z',
  });
  return w;
}
