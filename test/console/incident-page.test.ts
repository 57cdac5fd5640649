/**
 * The incident page as an operator reads it, without a browser: the decision
 * first and in words, times in the operator's zone, the progress picture and
 * the durations that count while they run, the confirmation after a decision.
 */
import { incidentPage, listPage } from '../../functions/console/html';
import type { TimelineEvent, TimelineEventType } from '../../functions/domain/incident';
import { liveDurations, plainWords, progressOf } from '../../functions/domain/progress';
import { timeZoneOf } from '../../functions/domain/time-labels';
import { listIncidents, viewIncident } from '../../functions/usecases/incident-view';
import { fakeWorld } from '../fakes';

const ET = timeZoneOf('America/New_York');
const ID = 'accounts-20251206T231400Z';
const ENUM_NAME = /\b[A-Z]{2,}(_[A-Z]+)+\b/;
/** What a reader sees of a page: its text, without markup, style or script. */
const visibleText = (html: string) => html.replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, '').replace(/<[^>]+>/g, '');

const event = (
  at: string,
  type: TimelineEventType,
  message: string,
  detail?: Record<string, unknown>,
): TimelineEvent => ({
  at: `2025-12-06T${at}.000Z`,
  type,
  message,
  ...(detail ? { detail } : {}),
});

async function world(now: string, events: TimelineEvent[], status: 'PENDING' | 'APPROVED' = 'PENDING') {
  const w = fakeWorld({ now });
  w.store.seedIncident({
    incidentId: ID,
    cacheId: 'accounts',
    openedAt: '2025-12-06T23:14:00.000Z',
    status: 'OPEN',
    plan: 'PROVISION_FROM_BACKUP',
  });
  for (const e of events) await w.store.appendTimeline(ID, e);
  await w.store.savePendingApproval(
    {
      incidentId: ID,
      step: 'recovery-plan',
      status: 'PENDING',
      requestedAt: '2025-12-06T23:15:00.000Z',
      facts: {
        plan: 'PROVISION_FROM_BACKUP',
        reason: 'no replica',
        etaMinutes: 6,
        backupAgeMinutes: 3,
        replacement: '2 × cache.r7g.large, valkey',
        rejectedBackups: [{ key: 'old.rdb', reason: 'too old' }],
      },
      deadline: { escalatesAt: '2025-12-06T23:45:00.000Z', expiresAt: '2025-12-07T00:15:00.000Z', onTimeout: 'abort' },
    },
    'token',
  );
  if (status === 'APPROVED')
    await w.store.decideApproval(ID, 'recovery-plan', {
      status: 'APPROVED',
      decidedBy: 'dana@example.com',
      decidedAt: '2025-12-06T23:17:00.000Z',
      reason: 'go',
    });
  return { ...w, timeZone: ET };
}

const opened = [
  event('23:14:00', 'INCIDENT_OPENED', 'incident opened'),
  event('23:14:20', 'OUTAGE_CONFIRMED', 'outage confirmed at 2025-12-06T23:14:20.000Z'),
  event('23:14:30', 'NOTICE_SENT', 'INVESTIGATING notice sent: accounts is down', { stage: 'INVESTIGATING' }),
  event('23:14:50', 'ASSESSED', 'plan PROVISION_FROM_BACKUP: no replica', { etaMinutes: 6 }),
  event('23:15:00', 'APPROVAL_REQUESTED', 'approval requested'),
];

describe('the incident page', () => {
  it('leads with the decision: what is broken, what is proposed, what each answer does, in the operator’s zone', async () => {
    const w = await world('2025-12-06T23:17:00.000Z', opened);
    const view = await viewIncident(w, ID);
    const html = incidentPage(view, 'dana', 'csrf', 'nonce');
    expect(view.headline).toBe('accounts is down — approval needed');
    const text = visibleText(html);
    expect(text).toContain(
      'accounts is unreachable since 18:14 ET (3 min). Restore it from the backup taken 18:12 ET (2 min before the outage) — clients served again in about 6 min.',
    );
    expect(text).toContain('Approve: a replacement cache is created from the backup');
    expect(text).toContain('Reject: nothing is changed on the cache');
    expect(text).toContain(
      'No answer? If nobody decides or acknowledges by 18:45 ET (in 28 min), the operators are escalated to and the recovery stops',
    );
    expect(text).toContain('Replacement: 2 × cache.r7g.large, valkey.');
    expect(text).toContain(
      'Customers so far: outage running 3 min; 1 notice sent to subscribers (last: Investigating).',
    );
    // The decision comes before the facts, the progress and the timeline.
    expect(html.indexOf('name="decision" value="approve"')).toBeLessThan(html.indexOf('id="progress"'));
    // Words everywhere: enum names only in attributes (the raw key on hover), never in the text.
    expect(text.match(ENUM_NAME)?.[0]).toBeUndefined();
    expect(text).toContain('PlanRestore from backup');
    expect(text).toContain('Backups not usedold.rdb: too old');
    expect(text).toContain('outage confirmed at 18:14:20 ET');
    expect(text).toContain('Recovery plan: Waiting for a decision');
    expect(html).toContain('title="Dec 6, 2025, 18:14:00 ET (23:14:00 UTC)"');
  });

  it('confirms a decision with who and when, the card settled and no buttons', async () => {
    const w = await world(
      '2025-12-06T23:18:00.000Z',
      [...opened, event('23:17:00', 'APPROVED', 'dana approved')],
      'APPROVED',
    );
    const html = incidentPage(await viewIncident(w, ID), 'dana', 'csrf', 'nonce');
    expect(html.replace(/<[^>]+>/g, '')).toContain(
      'Approved by dana@example.com at 18:17 ET (1 min ago) — the workflow continues. Reason: “go”',
    );
    expect(html).toContain('class="approval settled"');
    expect(html).not.toContain('<button class="approve"');
  });

  it('lists incidents in words with short times', async () => {
    const w = await world('2025-12-06T23:17:00.000Z', opened);
    const html = listPage(await listIncidents(w), 'dana', 'csrf', {
      zone: ET,
      now: new Date('2025-12-06T23:17:00.000Z'),
    });
    const text = visibleText(html);
    expect(text).toContain('Restore from backup');
    expect(text).toContain('18:14 ET');
    expect(text).toContain('Started (ET)');
    expect(text.match(ENUM_NAME)?.[0]).toBeUndefined();
  });
});

describe('the progress picture', () => {
  const now = new Date('2025-12-06T23:20:00.000Z');
  it('marks the steps done with their times, the current one running, the rest to come', () => {
    const steps = progressOf(
      {
        status: 'OPEN',
        openedAt: '2025-12-06T23:14:00.000Z',
        plan: 'PROVISION_FROM_BACKUP',
        timeline: [...opened, event('23:17:00', 'APPROVED', 'ok'), event('23:17:05', 'RECOVERY_STARTED', 'go')],
      },
      now,
    );
    expect(steps.map((s) => [s.label, s.state, s.seconds])).toEqual([
      ['Confirm outage', 'done', 20],
      ['Assess', 'done', 30],
      ['Approval', 'done', 120],
      ['Restore from backup', 'done', 5],
      ['Cache ready', 'current', 175],
      ['Cut over', 'todo', undefined],
      ['Verify', 'todo', undefined],
      ['Write back data', 'todo', undefined],
      ['Verify data', 'todo', undefined],
      ['Resolved', 'todo', undefined],
    ]);
  });

  it('ends resolved when read between Close Incident setting the status and writing its timeline entry', () => {
    const steps = progressOf(
      {
        status: 'RESOLVED',
        openedAt: '2025-12-06T23:14:00.000Z',
        plan: 'PROVISION_FROM_BACKUP',
        resolvedAt: '2025-12-06T23:19:00.000Z',
        timeline: [...opened, event('23:17:00', 'APPROVED', 'ok'), event('23:18:00', 'DATA_VERIFIED', 'all there')],
      },
      now,
    );
    expect(steps[steps.length - 1]).toMatchObject({ label: 'Resolved', state: 'done', seconds: 60 });
    expect(steps.map((s) => s.state)).not.toContain('current');
  });

  it('leaves out an approval nobody asked for, and marks where a failed recovery stopped', () => {
    const timeline = [
      event('23:14:20', 'OUTAGE_CONFIRMED', ''),
      event('23:14:50', 'ASSESSED', ''),
      event('23:15:00', 'RECOVERY_STARTED', ''),
    ];
    const steps = progressOf(
      { status: 'FAILED', openedAt: '2025-12-06T23:14:00.000Z', plan: 'PROMOTE_REPLICA', timeline },
      now,
    );
    expect(steps.map((s) => s.id)).not.toContain('approval');
    expect(steps.find((s) => s.state === 'failed')?.label).toBe('Cache ready');
    expect(steps.filter((s) => s.state === 'todo')).toEqual([]);
  });

  it('counts the outage while it runs and the degraded time after restoration', () => {
    const openedAt = '2025-12-06T23:14:00.000Z';
    expect(liveDurations({ openedAt, status: 'OPEN' }, now)).toEqual({ elapsedSeconds: 360, outageSeconds: 360 });
    expect(liveDurations({ openedAt, status: 'OPEN', restoredAt: '2025-12-06T23:18:00.000Z' }, now)).toEqual({
      elapsedSeconds: 360,
      outageSeconds: 240,
      degradedSeconds: 120,
    });
    expect(
      liveDurations(
        {
          openedAt,
          status: 'RESOLVED',
          restoredAt: '2025-12-06T23:18:00.000Z',
          resolvedAt: '2025-12-06T23:19:00.000Z',
        },
        now,
      ),
    ).toEqual({ elapsedSeconds: 300, outageSeconds: 240, degradedSeconds: 60 });
  });

  it('says enum names inside messages in words', () => {
    expect(plainWords('plan PROVISION_FROM_BACKUP: ok')).toBe('plan Restore from backup: ok');
    expect(plainWords('PARTIALLY_RESTORED notice sent')).toBe('Partially restored notice sent');
    expect(plainWords('SOME_NEW_THING happened')).toBe('Some new thing happened');
    expect(plainWords('dana approved recovery-plan: go')).toBe('dana approved the recovery plan: go');
  });

  it('moves the escalation to a heartbeat after the last acknowledgement, and keeps its relative time ticking', async () => {
    const acked = [...opened, event('23:40:00', 'APPROVAL_ACKNOWLEDGED', 'dana is looking', { step: 'recovery-plan' })];
    const w = await world('2025-12-06T23:41:00.000Z', acked);
    const view = await viewIncident(w, ID);
    // Requested 23:15 with escalation at 23:45 (a 30-minute heartbeat); looked at 23:40 → 00:10, before the end at 00:15.
    expect(view.approvals[0]?.deadline?.escalatesAt).toBe('2025-12-07T00:10:00.000Z');
    const html = incidentPage(view, 'dana', 'csrf', 'nonce');
    expect(visibleText(html)).toContain('by 19:10 ET (in 29 min)');
    expect(html).toContain('data-ago="2025-12-07T00:10:00.000Z"');
  });

  it('dates the backup by the time its data was taken, as the request recorded it', async () => {
    const w = await world('2025-12-06T23:17:00.000Z', opened);
    const [pending] = await w.store.approvals(ID);
    await w.store.savePendingApproval(
      { ...pending!, facts: { ...pending!.facts, backupTakenAt: '2025-12-06T23:10:30.000Z' } },
      'token',
    );
    const text = visibleText(incidentPage(await viewIncident(w, ID), 'dana', 'csrf', 'nonce'));
    expect(text).toContain('Restore it from the backup taken 18:10 ET (3 min 30 s before the outage)');
  });

  it('keeps following a stopped workflow an operator may continue', async () => {
    const w = await world('2025-12-06T23:30:00.000Z', opened);
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:recovery:accounts';
    const failed = {
      incidentId: ID,
      cacheId: 'accounts',
      openedAt: '2025-12-06T23:14:00.000Z',
      status: 'FAILED' as const,
      failedAt: '2025-12-06T23:29:00.000Z',
      plan: 'PROVISION_FROM_BACKUP' as const,
      executionArn,
    };
    w.store.seedIncident(failed);
    w.executions.set(executionArn, { status: 'FAILED', currentState: 'Provision Cache', error: 'QuotaExceededError' });
    // Nobody may continue it (a newer incident holds the cache): the page is final.
    expect((await viewIncident(w, ID)).finished).toBe(true);
    // Its cache still held by it: an operator may continue it, so the page keeps following.
    w.store.seedLock('accounts', ID);
    const view = await viewIncident(w, ID);
    expect(view.redrivable).toEqual({ state: 'Provision Cache' });
    expect(view.finished).toBe(false);
  });
});
