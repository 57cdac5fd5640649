import { buildReport } from '../../../functions/domain/report/build';
import { timeZoneOf, UTC } from '../../../functions/domain/time-labels';
import type { ReportInput } from '../../../functions/domain/report/types';
import { APPROVALS, NOTICES, OPENED, RESOLVED, restoredIncident, restoreTimeline } from './fixtures';

const ET = timeZoneOf('America/New_York');
const NOW = new Date('2024-02-17T09:00:00Z');

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    incident: restoredIncident(),
    timeline: restoreTimeline(),
    notices: NOTICES,
    approvals: APPROVALS,
    zone: ET,
    now: NOW,
    ...over,
  };
}

describe('buildReport: the post-mortem rebuilt from its own times', () => {
  const r = buildReport(input());

  it('measures 46 min of outage and 70 min degraded, 4:24 pm → 5:10 pm → 6:20 pm ET', () => {
    expect(r.impact.outage).toMatchObject({ seconds: 46 * 60, duration: '46 min' });
    expect(r.impact.outage?.from.clock).toBe('16:24 ET');
    expect(r.impact.outage?.to.clock).toBe('17:10 ET');
    expect(r.impact.degraded).toMatchObject({ seconds: 70 * 60, duration: '1 h 10 min' });
    expect(r.impact.degraded?.to.clock).toBe('18:20 ET');
    expect(r.impact.lines).toEqual([
      'Outage: 46 min, from 16:24 ET to 17:10 ET.',
      'Partially degraded: 1 h 10 min, from 17:10 ET to 18:20 ET.',
    ]);
    expect(r.day).toBe('Friday, February 16, 2024');
  });

  it('writes a summary a customer can read: times, what happened, no enum names', () => {
    expect(r.summary).toContain('from 16:24 ET to 17:10 ET on Friday, February 16, 2024, about 46 min');
    expect(r.summary).toContain('replacement cache built from a backup');
    expect(r.summary).toContain('until 18:20 ET');
    expect(r.summary).not.toMatch(/[A-Z]{2,}_[A-Z]+/);
  });

  it('says the synthetic probe detected it, how soon the workflow started, and how long the approval waited', () => {
    expect(r.detection.detectedBy).toBe('probe');
    expect(r.detection.firstAlarm).toMatchObject({ alarmName: 'cache-outage-accounts-unreachable', clock: '16:24 ET' });
    expect(r.detection.secondsToWorkflow).toBe(15);
    expect(r.detection.approvals[0]).toMatchObject({ decidedBy: 'dana', waitedSeconds: 12 * 60, waited: '12 min' });
    expect(r.detection.lines.join('\n')).toContain('approved by dana at 16:38 ET, after waiting 12 min');
  });

  it('reports the backup used and its age when the outage began', () => {
    // 95.5 min old when assessed 1.5 min after the outage began: 94 min at the outage.
    expect(r.rootCause.backup).toEqual({ key: 'backups/accounts/2024-02-16T19-50.rdb', ageMinutesAtOutage: 94 });
    expect(r.rootCause.primaryReachable).toBe(false);
    expect(r.rootCause.lines).toContain('No healthy replica was found.');
  });

  it('counts the rehydration by kind and lists the four notices as sent, in order', () => {
    expect(r.recovery.rehydration).toEqual({
      written: 1200,
      byKind: { customization: 200, session: 1000 },
      seconds: 4140,
    });
    expect(r.recovery.lines.join('\n')).toContain(
      '1200 keys written back from the source of truth in 1 h 9 min (200 customization, 1000 session)',
    );
    expect(r.communication.notices.map((n) => [n.time.clock, n.stageLabel, n.subject])).toEqual([
      ['16:25 ET', 'Investigating', 'We are investigating'],
      ['16:39 ET', 'Recovery under way', 'Back in about 20 minutes'],
      ['17:10 ET', 'Partially restored', 'The system is back online'],
      ['18:20 ET', 'Resolved', 'The issue is resolved'],
    ]);
  });

  it('suggests a replica, a cross-region secondary, a backup interval, the approval policy and priority kinds', () => {
    expect(r.suggestions.items.map((s) => s.id)).toEqual([
      'multi-az',
      'global-datastore',
      'backup-interval',
      'approval-policy',
      'priority-kinds',
    ]);
    const byId = Object.fromEntries(r.suggestions.items.map((s) => [s.id, s.because]));
    expect(byId['backup-interval']).toBe('The backup used was 94 min old when the outage began.');
    expect(byId['approval-policy']).toContain('waited 12 min of the 46 min outage');
    expect(byId['priority-kinds']).toBe('Writing back 1200 keys took 1 h 9 min while service was degraded.');
  });

  it('leaves the operators their sections empty and draws the bar: outage, degraded, resolved', () => {
    expect(r.operatorSections.map((s) => s.title)).toEqual(['Root cause beyond what was observed', 'Action items']);
    expect(r.bar.segments.map((s) => [s.kind, s.from, s.to])).toEqual([
      ['outage', OPENED, '2024-02-16T22:10:00.000Z'],
      ['degraded', '2024-02-16T22:10:00.000Z', RESOLVED],
      ['resolved', RESOLVED, expect.any(String)],
    ]);
    expect(r.bar.marks.filter((m) => m.kind === 'notice')).toHaveLength(4);
    expect(r.bar.clocks[OPENED]).toBe('16:24 ET');
  });

  it('writes the times in the configured zone', () => {
    const utc = buildReport(input({ zone: UTC }));
    expect(utc.impact.outage?.from.clock).toBe('21:24 UTC');
    expect(utc.impact.degraded?.to.clock).toBe('23:20 UTC');
  });
});

describe('buildReport: suggestions follow from the facts', () => {
  it('a promoted replica suggests neither a replica nor a backup interval', () => {
    const r = buildReport(
      input({
        incident: restoredIncident('PROMOTE_REPLICA'),
        timeline: restoreTimeline('PROMOTE_REPLICA'),
        approvals: [],
      }),
    );
    const ids = r.suggestions.items.map((s) => s.id);
    expect(ids).not.toContain('multi-az');
    expect(ids).not.toContain('global-datastore');
    expect(ids).not.toContain('backup-interval');
    expect(ids).not.toContain('approval-policy');
    expect(r.summary).toContain('switching to a replica');
  });

  it('a quick approval suggests no change to the approval policy', () => {
    const quick = [{ ...APPROVALS[0]!, decidedAt: '2024-02-16T21:26:30.000Z' }];
    const r = buildReport(input({ approvals: quick }));
    expect(r.suggestions.items.map((s) => s.id)).not.toContain('approval-policy');
  });
});

describe('buildReport: a failed incident', () => {
  it('says what was tried, where it stopped and who was escalated', () => {
    const timeline = restoreTimeline().slice(0, 8);
    timeline.push(
      {
        at: '2024-02-16T22:00:00.000Z',
        type: 'FAILED',
        message: 'Check Cache: CacheNotReadyError: co-accounts-1 still creating',
        detail: { error: 'CacheNotReadyError', cause: 'co-accounts-1 still creating', failedState: 'Check Cache' },
      },
      {
        at: '2024-02-16T22:00:05.000Z',
        type: 'ESCALATED',
        message: 'operators escalated: the recovery failed',
        detail: { kind: 'failed' },
      },
    );
    const incident = {
      ...restoredIncident(),
      status: 'FAILED' as const,
      failedAt: '2024-02-16T22:00:00.000Z',
      restoredAt: undefined,
      resolvedAt: undefined,
    };
    const r = buildReport(input({ incident, timeline }));
    expect(r.failure?.lines).toEqual([
      'Tried: restore from backup; provisioning replacement co-accounts-1 from backups/accounts/2024-02-16T19-50.rdb.',
      'Stopped at Check Cache at 17:00 ET: CacheNotReadyError: co-accounts-1 still creating.',
      '17:00 ET: Operators escalated: the recovery failed.',
    ]);
    expect(r.impact.lines[0]).toBe(
      'Outage: 36 min, from 16:24 ET to 17:00 ET (when the recovery stopped; the cache was still down).',
    );
    expect(r.summary).toContain('the automated recovery stopped at 17:00 ET');
    expect(r.bar.segments.map((s) => s.kind)).toEqual(['outage', 'failed']);
  });
});

describe('buildReport: a provider outage', () => {
  it('names the other caches of the group and where each stands', () => {
    const member = (cacheId: string, state: 'RESOLVED' | 'FAILED') => ({
      cacheId,
      joinedAt: OPENED,
      state,
      at: RESOLVED,
    });
    const r = buildReport(
      input({
        group: {
          groupId: 'acme-20240216T212400Z',
          provider: 'acme',
          members: {
            'accounts-20240216T212400Z': member('accounts', 'RESOLVED'),
            'flags-x': member('flags', 'FAILED'),
          },
        },
      }),
    );
    expect(r.group?.lines).toEqual([
      '2 caches of acme failed together (incident group acme-20240216T212400Z).',
      'accounts (this report): Resolved.',
      'flags: Failed.',
    ]);
    expect(r.summary).toContain('one of 2 caches of acme');
  });
});

describe('buildReport: without notice texts in the log', () => {
  it('lists the notices from the timeline', () => {
    const r = buildReport(input({ notices: [] }));
    expect(r.communication.notices.map((n) => n.subject)).toEqual([
      'We are investigating',
      'Back in about 20 minutes',
      'The system is back online',
      'The issue is resolved',
    ]);
  });
});
