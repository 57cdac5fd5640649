/**
 * A provider outage in the incidents list, without a browser: the three
 * caches of one provider as one row (the provider, how many caches and how
 * many resolved, the status, what customers last heard, the slowest plan)
 * with its caches beneath, a cache of its own as a row of its own, and the
 * JSON's `incidents` as they were before groups.
 */
import { timeZoneOf } from '../../functions/domain/time-labels';
import { listPage } from '../../functions/console/html';
import { listRows } from '../../functions/usecases/incident-summary';
import { listIncidents } from '../../functions/usecases/incident-view';
import { fakeWorld } from '../fakes';
import { GROUP, NOW, providerOutageWorld as world } from './group-world';

const ET = timeZoneOf('America/New_York');
const ENUM_NAME = /\b[A-Z]{2,}(_[A-Z]+)+\b/;
const visibleText = (html: string) =>
  html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');

describe('a provider outage in the incidents list', () => {
  it('gathers the caches of one group into one entry, and keeps every incident in the flat list', async () => {
    const list = await listIncidents(await world());

    expect(list.incidents.map((i) => [i.cacheId, i.groupId])).toEqual([
      ['accounts-2', GROUP],
      ['accounts-1', GROUP],
      ['accounts-3', GROUP],
      ['sessions', 'sessions-20251206T220000Z'],
    ]);
    expect(list.groups).toHaveLength(1);
    expect(list.groups[0]).toMatchObject({
      groupId: GROUP,
      provider: 'acme-redis',
      status: 'OPEN',
      stage: 'ETA',
      stageLabel: 'Recovery under way',
      plan: 'PROVISION_FROM_BACKUP',
      planLabel: 'Restore from backup',
      caches: 3,
      resolved: 1,
      countsLabel: '3 caches · 1 resolved',
      openedAt: '2025-12-06T23:14:01.000Z',
      elapsedSeconds: 599,
      pendingApprovals: 1,
    });
    expect(list.groups[0]?.outageSeconds).toBeUndefined();
    expect(list.groups[0]?.members.map((m) => m.cacheId)).toEqual(['accounts-1', 'accounts-2', 'accounts-3']);
    expect(listRows(list).map((r) => r.group?.groupId ?? r.incident?.incidentId)).toEqual([
      GROUP,
      'sessions-20251206T220000Z',
    ]);
  });

  it('once every cache serves again, the outage runs from the first alarm to the last cache back', async () => {
    const w = await world();
    await w.store.updateIncident('accounts-1-20251206T231401Z', { restoredAt: '2025-12-06T23:22:01.000Z' });
    await w.store.updateIncident('accounts-2-20251206T231402Z', { restoredAt: '2025-12-06T23:16:02.000Z' });
    const [group] = (await listIncidents(w)).groups;
    expect(group).toMatchObject({ status: 'OPEN', outageSeconds: 480 });
  });

  it('shows the group as one row with its caches beneath, in words', async () => {
    const list = await listIncidents(await world());
    const html = listPage(list, 'dana', 'csrf', { zone: ET, now: new Date(NOW) });

    const groupBody = /<tbody class="group"[^>]*>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
    const [head, ...members] = groupBody.split('</tr>').filter((r) => r.includes('<tr'));
    expect(visibleText(head ?? '')).toMatch(
      /acme-redis provider outage\s*1 approval waiting\s*3 caches · 1 resolved\s*Open\s*Recovery under way\s*Restore from backup\s*18:14 ET/,
    );
    expect(head).toContain('class="status-OPEN"');
    // The group's name opens the group page, where the operators decide for its caches.
    expect(head).toContain(`<a href="/groups/${GROUP}"`);
    expect(members.map((m) => /<tr class="member">/.test(m))).toEqual([true, true, true]);
    expect(members.map((m) => /href="\/incidents\/([^"]+)"/.exec(m)?.[1])).toEqual([
      'accounts-1-20251206T231401Z',
      'accounts-2-20251206T231402Z',
      'accounts-3-20251206T231403Z',
    ]);
    expect(visibleText(members[2] ?? '')).toContain('Resolved');
    // The cache of its own stays a plain row, after the open group.
    const single = html.indexOf('sessions-20251206T220000Z');
    expect(single).toBeGreaterThan(html.indexOf('</tbody>', html.indexOf('class="group"')));
    expect(html.slice(html.lastIndexOf('<tr', single), single)).not.toContain('member');
    expect(visibleText(html).match(ENUM_NAME)?.[0]).toBeUndefined();
  });

  it('lists a group of false alarms among the false alarms, and a provider group of one as a plain row', async () => {
    const w = fakeWorld({ now: NOW });
    const group = await w.store.resolveGroup('acme-redis', '2025-12-06T23:14:00.000Z', 300);
    for (const cacheId of ['accounts-1', 'accounts-2'])
      w.store.seedIncident({
        incidentId: `${cacheId}-20251206T231400Z`,
        cacheId,
        openedAt: '2025-12-06T23:14:00.000Z',
        status: 'FALSE_ALARM',
        falseAlarmAt: '2025-12-06T23:14:10.000Z',
        groupId: group,
      });
    w.store.seedIncident({
      incidentId: 'billing-20251206T231500Z',
      cacheId: 'billing',
      openedAt: '2025-12-06T23:15:00.000Z',
      status: 'OPEN',
      groupId: 'other-20251206T231500Z',
    });
    const list = await listIncidents(w);
    expect(list.groups.map((g) => [g.status, g.countsLabel])).toEqual([
      ['FALSE_ALARM', '2 caches · 0 resolved · 2 false alarms'],
    ]);
    const [incidents, falseAlarms] = listPage(list, 'dana').split('<h2>False alarms</h2>') as [string, string];
    expect(incidents).toContain('billing-20251206T231500Z');
    expect(incidents).not.toContain('class="group"');
    expect(falseAlarms).toContain('class="group"');
    expect(visibleText(falseAlarms)).toContain('2 caches · 0 resolved · 2 false alarms');
  });
});
