/**
 * Every drill scenario, end to end on the local stack: the real ASL, the real
 * handlers, real redis-server processes, real RDB backups in S3.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { durationText } from '../../functions/domain/time-labels';
import { runProviderOutage } from '../../local/drill/provider-outage';
import { drillReportFiles } from '../../local/drill/report-files';
import { runDrill, type DrillReport } from '../../local/drill/run';
import type { Scenario } from '../../local/drill/scenarios';
import { run, SOURCE_CLI } from '../cli/support';
import { childProcesses } from './processes';

const ROOT = path.resolve(__dirname, '..', '..');

const KEYS = 2000;

async function drill(scenario: Scenario): Promise<DrillReport> {
  const report = await runDrill({ scenario, keys: KEYS, changedAfterBackup: 150 });
  if (!report.ok) throw new Error(`${scenario}: ${report.why}\n${JSON.stringify(report.timeline, null, 1)}`);
  return report;
}

const stages = (r: DrillReport) => r.notices.map((n) => n.stage);
const types = (r: DrillReport) => r.timeline.map((e) => e.type);
const kinds = (r: DrillReport) => r.operatorMessages.map((m) => m.kind);

/**
 * The post-incident report as `cache-outage report <incident> --local` prints it after the drill (the
 * stack has stopped: the report the drill kept), the same as the .md file it wrote, and one of its sections.
 */
async function printedReport(r: DrillReport) {
  const files = drillReportFiles(r.incidentId ?? '');
  expect([existsSync(files.md), existsSync(files.html), existsSync(files.json)]).toEqual([true, true, true]);
  const printed = await run(process.execPath, [...SOURCE_CLI, 'report', r.incidentId ?? '', '--local'], ROOT);
  expect(printed.stderr).toMatch(/^cache-outage: the local stack is not running: the report the drill drafted at /);
  expect(printed.code).toBe(0);
  const md = printed.stdout;
  expect(md).toBe(readFileSync(files.md, 'utf8'));
  const section = (title: string) => {
    const from = md.indexOf(`\n## ${title}\n`);
    expect(from).toBeGreaterThan(-1);
    const to = md.indexOf('\n## ', from + 1);
    return md.slice(from, to < 0 ? undefined : to);
  };
  return { md, html: readFileSync(files.html, 'utf8'), section };
}

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

describe('incident drill on the local stack', () => {
  it('restore: replaces the dead cache from the newest backup, rehydrates what the backup lacks, loses no key', async () => {
    const r = await drill('restore');
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
    expect(types(r)).toEqual(
      expect.arrayContaining([
        'OUTAGE_CONFIRMED',
        'APPROVAL_REQUESTED',
        'APPROVED',
        'RECOVERY_STARTED',
        'CUT_OVER',
        'REHYDRATED',
        'DATA_VERIFIED',
        'RESOLVED',
      ]),
    );
    // The workflow saw the outage itself before the first notice, through the record and with AUTH.
    expect(types(r).indexOf('OUTAGE_CONFIRMED')).toBeLessThan(types(r).indexOf('NOTICE_SENT'));
    expect(r.incident?.confirmation).toMatchObject({
      confirmed: true,
      auth: true,
      through: expect.stringContaining('the endpoint record'),
    });
    expect(r.detection?.alarmToConfirmedMs).toBeGreaterThanOrEqual(0);
    expect(r.detection?.confirmedToFirstNoticeMs).toBeGreaterThanOrEqual(0);
    const approved = r.timeline.find((e) => e.type === 'APPROVED');
    expect(approved?.detail).toMatchObject({ decidedBy: 'drill' });
    const rehydrated = r.timeline.find((e) => e.type === 'REHYDRATED');
    expect(rehydrated?.detail).toMatchObject({ written: 150 });
    // The operators: asked once, then told once the cache is back, with the report's durations and where it is.
    expect(kinds(r)).toEqual(['approval-request', 'resolved']);
    const resolved = r.operatorMessages.find((m) => m.kind === 'resolved');
    expect(resolved?.subject).toBe(
      `Resolved: ${r.incident?.cacheId} - outage ${durationText(r.incident?.outageSeconds ?? -1)}, degraded ${durationText(r.incident?.degradedSeconds ?? -1)}`,
    );
    const told = JSON.parse(resolved?.message ?? '{}') as { message?: string };
    expect(told.message).toContain(`/login?next=${encodeURIComponent(`/incidents/${r.incidentId}/report`)}`);
    expect(told.message).toContain(`/reports/${r.incidentId}/`);
    // The backup the restore used was made by the stack's schedule, and test-restored before the outage.
    expect(r.backups.runs[0]).toMatchObject({ outcome: 'ok', method: 'sync' });
    expect(r.timeline.find((e) => e.type === 'ASSESSED')?.detail).toMatchObject({
      backup: { key: r.backups.runs[0]?.key },
    });
    expect(r.backups.testRestore).toMatchObject({
      ok: true,
      backup: { key: r.backups.runs[0]?.key },
      keysExpected: r.backups.runs[0]?.keys,
      keysLoaded: r.backups.runs[0]?.keys,
      mismatched: 0,
    });
    expect(r.backups.testRestore?.sampled).toBeGreaterThan(0);
    // The sample application followed the cut-over by itself.
    expect(r.appEndpoints).toHaveLength(2);
    expect(r.appOutageMs).toBeGreaterThan(0);
    expect(r.incident?.outageSeconds).toBeGreaterThanOrEqual(0);
    expect(r.incident?.degradedSeconds).toBeGreaterThanOrEqual(0);
    expect(r.transitions).toBeLessThanOrEqual(100);
    // The post-incident report: the measured impact to the second, the four notices, a replica suggested.
    const report = await printedReport(r);
    const impact = report.section('Impact');
    expect(impact).toContain(`- Outage: ${durationText(r.incident?.outageSeconds ?? -1)}, from `);
    expect(impact).toContain(`- Partially degraded: ${durationText(r.incident?.degradedSeconds ?? -1)}, from `);
    expect(report.section('Customer Communication').match(/^### .+: .+$/gm)).toEqual([
      expect.stringMatching(/: Investigating$/),
      expect.stringMatching(/: Recovery under way$/),
      expect.stringMatching(/: Partially restored$/),
      expect.stringMatching(/: Resolved$/),
    ]);
    expect(report.section('Suggested corrective measures')).toContain(
      '**Suggestion: Add a replica in another Availability Zone (Multi-AZ).**',
    );
    expect(report.html).toContain('<svg class="time-bar"');
  });

  // "Tutorial: Seeding a new node-based cluster with an externally created backup", step 4: in a default
  // Region ElastiCache reads the .rdb through a READ grant to its canonical user on the object's ACL.
  it('restore-external-bucket: restores from a backup bucket outside the stack that ElastiCache was granted read on', async () => {
    const r = await drill('restore-external-bucket');
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
    const started = r.timeline.find((e) => e.type === 'RECOVERY_STARTED');
    expect(started?.detail).toMatchObject({
      snapshotArn: expect.stringMatching(/^arn:aws:s3:::accounts-external-backups\/accounts\//),
      // The backup function granted it when it wrote the backup; Provision checks and finds it.
      elastiCacheRead: 'object ACL already granted',
    });
  });

  it("restore-external-no-acls: a bucket with ACLs disabled stops the restore at Provision Cache with S3's refusal for the operators", async () => {
    const r = await drill('restore-external-no-acls');
    expect(r.incident?.status).toBe('FAILED');
    expect(r.executionError).toBe('CacheProvisioningFailedError');
    expect(r.states.at(-1)?.name).toBe('Provision Cache');
    expect(types(r)).not.toContain('RECOVERY_STARTED');
    expect(kinds(r)).toEqual(['approval-request', 'escalation']);
    const failed = r.timeline.find((e) => e.type === 'FAILED');
    expect(failed?.message).toContain('AccessControlListNotSupported');
    expect(r.operatorMessages.find((m) => m.kind === 'escalation')?.message).toContain('AccessControlListNotSupported');
  });

  // "Promoting a read replica to primary" (ElastiCache User Guide): no promotion while Multi-AZ with automatic
  // failover is enabled; "Minimizing downtime in ElastiCache by using Multi-AZ": ElastiCache fails over by itself.
  it("promote: on a Multi-AZ group, waits for ElastiCache's own failover without approval, cuts over and keeps every key", async () => {
    const r = await drill('promote');
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROMOTE_REPLICA' });
    expect(kinds(r)).toEqual(['resolved']);
    expect(r.timeline.find((e) => e.type === 'RECOVERY_STARTED')?.detail).toMatchObject({
      awaiting: 'automatic-failover',
      alreadyDone: false,
    });
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
    expect(r.appEndpoints).toHaveLength(2);
    // A replica existed and took over: the report suggests none.
    const suggestions = (await printedReport(r)).section('Suggested corrective measures');
    expect(suggestions).not.toContain('Multi-AZ');
    expect(suggestions).not.toMatch(/Suggestion: Add a replica/);
  });

  // FailoverGlobalReplicationGroup (ElastiCache API Reference): the secondary named by PrimaryRegion and
  // PrimaryReplicationGroupId becomes the primary; it lives in its own region, whose API the workflow asks.
  it("global-failover: fails the Global Datastore over to the secondary through the secondary region's API, keeps every key", async () => {
    const r = await drill('global-failover');
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'GLOBAL_FAILOVER' });
    expect(kinds(r)).toEqual(['approval-request', 'resolved']);
    expect(r.timeline.find((e) => e.type === 'RECOVERY_STARTED')?.detail).toMatchObject({
      replicationGroupId: 'accounts-west',
      region: 'us-west-2',
      alreadyDone: false,
    });
    expect(r.timeline.find((e) => e.type === 'CACHE_AVAILABLE')?.detail).toMatchObject({
      replicationGroupId: 'accounts-west',
    });
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
    expect(r.appEndpoints).toHaveLength(2);
  });

  it('false-alarm: the alarm fires on a healthy cache; the incident ends FALSE_ALARM, operators hear once, customers never', async () => {
    const r = await drill('false-alarm');
    expect(r.executionStatus).toBe('SUCCEEDED');
    expect(r.incident).toMatchObject({ status: 'FALSE_ALARM', confirmation: { confirmed: false, auth: true } });
    expect(r.notices).toEqual([]);
    expect(kinds(r)).toEqual(['info']);
    expect(r.operatorMessages[0]?.subject).toContain('-unreachable');
    expect(r.operatorMessages[0]?.message).toContain('answered');
    expect(r.cachesCreated).toEqual([]);
    expect(r.states.map((s) => s.name)).toEqual([
      'Record Incident',
      'Confirm Outage',
      'Outage Confirmed?',
      'False Alarm',
    ]);
    expect(types(r)).toContain('FALSE_ALARM');
    expect(types(r)).not.toContain('NOTICE_SENT');
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
  });

  it('recovers: the outage is confirmed and told, then the cache comes back by itself, nothing is replaced', async () => {
    const r = await drill('recovers');
    expect(stages(r)).toEqual(['INVESTIGATING', 'RESOLVED']);
    expect(r.incident?.confirmation).toMatchObject({ confirmed: true });
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'RECOVERED' });
    expect(types(r)).not.toContain('RECOVERY_STARTED');
    expect(r.appEndpoints).toHaveLength(1);
  });

  it('no-backup: escalates to the operators and marks the incident failed', async () => {
    const r = await drill('no-backup');
    expect(stages(r)).toEqual(['INVESTIGATING']);
    expect(r.incident).toMatchObject({ status: 'FAILED' });
    expect(r.incident?.error?.error).toBe('NoRecoveryPathError');
    expect(kinds(r)).toEqual(['escalation']);
  });

  it('reject: an operator rejects the plan, nothing is provisioned, operators are escalated', async () => {
    const r = await drill('reject');
    expect(stages(r)).toEqual(['INVESTIGATING']);
    expect(r.executionError).toBe('ApprovalRejectedError');
    expect(types(r)).toContain('REJECTED');
    expect(types(r)).not.toContain('RECOVERY_STARTED');
    expect(kinds(r)).toEqual(['approval-request', 'escalation']);
  });

  it('approval-timeout: nobody answers, operators are escalated, the configured default (proceed) applies', async () => {
    const r = await drill('approval-timeout');
    expect(types(r)).toContain('APPROVAL_TIMED_OUT');
    expect(kinds(r)).toEqual(['approval-request', 'escalation', 'resolved']);
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(r.verification?.missing).toBe(0);
  });

  it('sync-refused: the provider refuses SYNC; the scheduled backup falls back to SCAN + DUMP and the restore keeps every TTL', async () => {
    const r = await drill('sync-refused');
    expect(r.backups.runs[0]).toMatchObject({ outcome: 'ok', method: 'scan-dump' });
    // Every seeded key, and the sample application's own.
    expect(r.backups.runs[0]?.keys).toBeGreaterThanOrEqual(KEYS);
    expect(r.backups.runs[0]?.attempts.map((a) => `${a.method} ${a.outcome}`)).toEqual([
      'sync refused',
      'scan-dump ok',
    ]);
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    // One customization in 50 carries a TTL: every one of them still has it on the replacement.
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
    const assessed = r.timeline.find((e) => e.type === 'ASSESSED');
    expect(assessed?.detail).toMatchObject({ backup: { key: r.backups.runs[0]?.key } });
  });

  it('stale-backup: backups start failing; the operators, and no customer, are alerted past the RPO before the outage; 0 lost', async () => {
    const r = await drill('stale-backup');
    expect(r.backups.freshnessAlarm?.subject).toMatch(/^ALARM: ".*-health-accounts-backup-age" in /);
    // Before the outage, the operators heard of the failing backups and of the stale one; customers heard nothing.
    const before = r.operatorMessages.filter((m) => m.atMs < 0);
    expect(before.map((m) => m.kind)).toContain('backup-failed');
    expect(before.some((m) => /^ALARM: ".*backup-age"/.test(m.subject ?? ''))).toBe(true);
    expect(r.notices.every((n) => n.atMs >= 0)).toBe(true);
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    expect(r.verification).toMatchObject({ checked: KEYS, missing: 0, wrong: 0, ttlLost: 0 });
    const rehydrated = r.timeline.find((e) => e.type === 'REHYDRATED');
    expect(rehydrated?.detail).toMatchObject({ written: 150 });
  });

  it('corrupt-backup: the newest backup fails its integrity check; Assess says why and restores from the one before', async () => {
    const r = await drill('corrupt-backup');
    const [good, corrupt] = r.backups.runs;
    expect(good).toMatchObject({ outcome: 'ok', method: 'sync' });
    expect(corrupt?.outcome).toBe('failed');
    expect(corrupt?.attempts[0]?.reason).toMatch(/integrity check failed: CRC-64 mismatch/);
    const assessed = r.timeline.find((e) => e.type === 'ASSESSED');
    expect(assessed?.detail).toMatchObject({
      backup: { key: good?.key },
      rejectedBackups: [
        { key: expect.stringMatching(/-sync\.rdb$/), reason: expect.stringMatching(/^failed its integrity check: /) },
      ],
    });
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    expect(r.verification).toMatchObject({ checked: KEYS, missing: 0, wrong: 0, ttlLost: 0 });
  });

  it('standby: cuts clients over to the warm standby the mirror kept, provisions nothing, writes back only what changed; 0 lost', async () => {
    const r = await drill('standby');
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROMOTE_STANDBY' });
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    // No approval and nothing created: the standby already held the data.
    expect(kinds(r)).not.toContain('approval-request');
    expect(r.cachesCreated).toEqual([]);
    expect(r.standby?.lastCycle?.keys).toBeGreaterThanOrEqual(KEYS);
    expect(r.verification).toMatchObject({ checked: KEYS, missing: 0, wrong: 0, ttlLost: 0 });
    // The application was served again soon after the outage was confirmed.
    expect(r.detection?.brokenToConfirmedMs).toBeGreaterThan(0);
    expect(r.appOutageMs).toBeGreaterThan(0);
    expect(r.rehydrated).toBeGreaterThanOrEqual(150);
  });

  it('standby-stale: the mirror stopped an hour before; operators hear of the lag before the outage; 0 lost', async () => {
    const r = await drill('standby-stale');
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROMOTE_STANDBY' });
    expect(r.standby?.lagAlarm?.subject).toMatch(/ALARM.*mirror-lag/);
    expect(r.standby?.lagAtOutageMinutes).toBeGreaterThanOrEqual(60);
    expect(r.verification).toMatchObject({ checked: KEYS, missing: 0, wrong: 0, ttlLost: 0 });
    // No customer heard of the lag: their first notice is the outage's.
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(r.rehydrated).toBeGreaterThanOrEqual(150);
  });

  it('step-fails: a corrupt backup fails the restore; the incident is failed and escalated', async () => {
    const r = await drill('step-fails');
    expect(r.incident?.status).toBe('FAILED');
    expect(r.incident?.error?.error).toBe('CacheProvisioningFailedError');
    expect(kinds(r)).toEqual(['approval-request', 'escalation']);
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA']);
  });

  it('redrive: the cut-over is refused, escalated with the step named; redriven once fixed, it resolves from Cut Over', async () => {
    const r = await drill('redrive');
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
    expect(kinds(r)).toEqual(['approval-request', 'escalation', 'resolved']);
    // The operators' HTTPS subscribers get the JSON body: the text and its facts.
    const escalation = JSON.parse(r.operatorMessages.find((m) => m.kind === 'escalation')?.message ?? '{}') as {
      message?: string;
      facts?: Record<string, unknown>;
    };
    expect(escalation.facts).toMatchObject({ failedState: 'Cut Over', executionArn: r.executionArn });
    expect(escalation.message).toContain('stopped at "Cut Over"');
    expect(escalation.message).toContain(`aws stepfunctions redrive-execution --execution-arn ${r.executionArn}`);
    // One notice per stage, one cache: nothing before Cut Over ran twice.
    expect(stages(r)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    const timelineTypes = types(r);
    expect(escalation.message).toContain(`cache-outage redrive ${r.incidentId} --reason`);
    for (const once of [
      'RECOVERY_STARTED',
      'CACHE_AVAILABLE',
      'FAILED',
      'REDRIVE_REQUESTED',
      'REDRIVEN',
      'CUT_OVER',
      'RESOLVED',
    ]) {
      expect([once, timelineTypes.filter((t) => t === once).length]).toEqual([once, 1]);
    }
    expect(r.timeline.find((e) => e.type === 'REDRIVE_REQUESTED')?.detail).toMatchObject({
      requestedBy: 'drill',
      continuesAt: 'Cut Over',
    });
    const entered = r.states.map((s) => s.name);
    expect(entered.filter((n) => n === 'Provision Cache')).toHaveLength(1);
    expect(entered.filter((n) => n === 'Cut Over')).toHaveLength(2);
  });

  it('provider-outage: three caches of one provider die together; each recovers, customers hear once per stage, operators are asked once', async () => {
    const r = await runProviderOutage({ caches: 3, keys: KEYS, changedAfterBackup: 150 });
    // Each cache has its own incident and recovery, and every one ends resolved with every key and TTL.
    expect(r.members.map((m) => m.cacheId)).toEqual(['accounts-1', 'accounts-2', 'accounts-3']);
    for (const m of r.members) {
      expect([m.cacheId, m.executionStatus, m.incident?.status]).toEqual([m.cacheId, 'SUCCEEDED', 'RESOLVED']);
      expect([m.cacheId, m.verification]).toEqual([
        m.cacheId,
        { checked: KEYS, missing: 0, wrong: 0, withTtl: KEYS / 100, ttlLost: 0, firstProblems: [] },
      ]);
      // Its clients followed it to its own replacement.
      expect(m.appEndpoints).toHaveLength(2);
    }
    expect(new Set(r.members.map((m) => m.incident?.newEndpoint?.port)).size).toBe(3);
    // One group of the provider holds them all.
    expect(r.groupIds).toHaveLength(1);
    expect(r.group).toMatchObject({ provider: 'acme-redis', status: 'RESOLVED' });
    expect(Object.keys(r.group?.members ?? {}).sort()).toEqual(r.members.map((m) => m.incidentId).sort());
    expect(r.cachesCreated).toHaveLength(3);
    // Customers: one notice per stage, in order; operators: one approval request for the group, one resolved message.
    expect(r.notices.map((n) => n.stage)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(r.operatorMessages.filter((m) => m.kind === 'approval-request')).toHaveLength(1);
    const resolved = r.operatorMessages.filter((m) => m.kind === 'resolved');
    expect(resolved.map((m) => m.subject)).toEqual(['Resolved: outage of acme-redis, 3 of 3 caches back']);
    expect(r.timings.brokenToResolvedMs).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  });
});
