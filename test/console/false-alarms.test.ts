/**
 * The operators' view of false alarms: listed apart from incidents, and the
 * confirmation's facts (what failed or answered, how, from where) on the
 * incident page, for false alarms and confirmed outages alike.
 */
import type { ConfirmationFacts } from '../../functions/domain/steps';
import { incidentPage, listPage } from '../../functions/console/html';
import { listIncidents, viewIncident } from '../../functions/usecases/incident-view';
import { fakeWorld } from '../fakes';

const checked = (confirmed: boolean): ConfirmationFacts => ({
  confirmed,
  endpoint: 'sessions.abc123.use1.cache.amazonaws.com:6379 (TLS)',
  through: 'the endpoint record /cache/sessions/endpoint',
  from: "the workflow's confirm-outage function in us-east-1",
  auth: true,
  windowSeconds: 10,
  pings: confirmed
    ? [{ at: '2025-03-01T11:55:31.000Z', ok: false, error: 'ETIMEDOUT' }]
    : [0, 5, 10].map((s) => ({ at: `2025-03-01T11:55:${30 + s}.000Z`, ok: true, latencyMs: 2 })),
  ...(confirmed ? { error: 'ETIMEDOUT' } : {}),
  at: confirmed ? '2025-03-01T11:55:31.000Z' : '2025-03-01T11:55:40.000Z',
  alarmToDecisionSeconds: confirmed ? 1 : 10,
});

function world() {
  const w = fakeWorld({ now: '2025-03-01T12:00:00.000Z' });
  w.store.seedIncident({
    incidentId: 'sessions-20250301T115500Z',
    cacheId: 'sessions',
    openedAt: '2025-03-01T11:55:00.000Z',
    status: 'OPEN',
    confirmation: checked(true),
    confirmedAt: '2025-03-01T11:55:31.000Z',
  });
  w.store.seedIncident({
    incidentId: 'sessions-20250301T115000Z',
    cacheId: 'sessions',
    openedAt: '2025-03-01T11:50:00.000Z',
    status: 'FALSE_ALARM',
    confirmation: checked(false),
    falseAlarmAt: '2025-03-01T11:50:10.000Z',
  });
  w.store.seedIncident({
    incidentId: 'sessions-20250301T090000Z',
    cacheId: 'sessions',
    openedAt: '2025-03-01T09:00:00.000Z',
    status: 'RESOLVED',
    resolvedAt: '2025-03-01T09:20:00.000Z',
  });
  return w;
}

describe('false alarms in the console', () => {
  it('lists false alarms last, after the incidents, their elapsed time ending with the check', async () => {
    const w = world();
    const list = (await listIncidents(w)).incidents;
    expect(list.map((i) => i.status)).toEqual(['OPEN', 'RESOLVED', 'FALSE_ALARM']);
    expect(list[2]).toMatchObject({ stage: 'FALSE_ALARM', elapsedSeconds: 10 });
  });

  it('shows false alarms in their own section, not among the incidents', async () => {
    const w = world();
    const html = listPage(await listIncidents(w), 'alice');
    const [incidents, falseAlarms] = html.split('<h2>False alarms</h2>') as [string, string | undefined];
    expect(incidents).toContain('sessions-20250301T115500Z');
    expect(incidents).toContain('sessions-20250301T090000Z');
    expect(incidents).not.toContain('sessions-20250301T115000Z');
    expect(falseAlarms).toContain('sessions-20250301T115000Z');
    expect(falseAlarms).toContain('False alarm');
    expect(falseAlarms).toContain('no customer was told');
  });

  it('no false alarm, no section', async () => {
    const w = fakeWorld();
    w.store.seedIncident({ incidentId: 'a-1', cacheId: 'sessions', status: 'OPEN' });
    expect(listPage(await listIncidents(w), 'alice')).not.toContain('False alarms');
  });

  it("puts the confirmation's facts on the incident page: what failed, how, from where", async () => {
    const w = world();
    const page = incidentPage(await viewIncident(w, 'sessions-20250301T115500Z'), 'alice', undefined, 'n');
    expect(page).toContain('<dt>Outage confirmed</dt>');
    expect(page).toContain(
      'sessions.abc123.use1.cache.amazonaws.com:6379 (TLS) through the endpoint record /cache/sessions/endpoint with AUTH, from the workflow&#39;s confirm-outage function in us-east-1: PING 1 failed: ETIMEDOUT; 1 s after the alarm',
    );
  });

  it('and what the check saw for a false alarm', async () => {
    const w = world();
    const view = await viewIncident(w, 'sessions-20250301T115000Z');
    expect(view.incident).toMatchObject({ status: 'FALSE_ALARM', falseAlarmAt: '2025-03-01T11:50:10.000Z' });
    const page = incidentPage(view, 'alice', undefined, 'n');
    expect(page).toContain('<dt>False alarm</dt>');
    expect(page).toContain('3 of 3 PINGs answered over 10 s');
    expect(page).toContain('>False alarm</dd>');
  });
});
