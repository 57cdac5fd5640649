/**
 * `cache-outage` as a child process against the local stack: an interactive
 * restore drill waits; the CLI lists, shows, acknowledges and approves it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import { childProcesses } from '../e2e/processes';
import { startInteractiveDrill, type BackgroundDrill } from '../console/support';
import { run, SOURCE_CLI } from './support';

jest.setTimeout(240_000);

let cwd: string;

const cli = (...args: string[]) => run(process.execPath, [...SOURCE_CLI, ...args], cwd);

describe('cache-outage CLI on the local stack', () => {
  let drill: BackgroundDrill;
  let incidentId: string;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-cli-'));
    drill = await startInteractiveDrill('restore');
    await drill.stack.writeDescription(path.join(cwd, '.local', 'stack.json'));
    incidentId = await drill.pendingApproval();
  });
  afterAll(async () => {
    await drill?.stop();
    rmSync(cwd, { recursive: true, force: true });
    expect(childProcesses()).toEqual([]);
  });

  it('says where to point it when there is no target', async () => {
    const r = await cli('incidents');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--local, or --url and --token');
  });

  it('lists incidents as JSON for scripts and as a table for people', async () => {
    const json = await cli('incidents', '--local', '--json');
    expect(json.code).toBe(0);
    const incidents = JSON.parse(json.stdout) as { incidentId: string; status: string; pendingApprovals: number }[];
    expect(incidents[0]).toMatchObject({ incidentId, status: 'OPEN', pendingApprovals: 1 });

    const table = await cli('incidents', '--local');
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.split('\n');
    expect(header).toMatch(/^INCIDENT\s+CACHE\s+STATUS\s+STAGE\s+PLAN\s+STARTED\s+ELAPSED\s+APPROVALS$/);
    expect(row).toContain(incidentId);
    expect(row).toContain('1 pending');
    // Not a terminal: no progress line on stderr.
    expect(table.stderr).toBe('');
  });

  it('shows the incident with the approval facts and the timeline', async () => {
    const r = await cli('show', incidentId, '--local');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Incident ${incidentId}`);
    expect(r.stdout).toContain('Approval “Recovery plan” (recovery-plan): Waiting for a decision');
    expect(r.stdout).toMatch(/Plan\s+Restore from backup/);
    expect(r.stdout).toMatch(/Backup size\s+[\d.]+ (B|KiB|MiB)/);
    expect(r.stdout).toMatch(/Approval requested\s+approval requested/);
    // Words for people: no enum name and no raw ISO time in the human output.
    expect(r.stdout).not.toMatch(/\b[A-Z]{2,}(_[A-Z]+)+\b/);
    expect(r.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('lists false alarms apart from incidents, and shows what the check saw', async () => {
    const id = 'accounts-20250301T090000Z';
    const confirmation = {
      confirmed: false,
      endpoint: '127.0.0.1:6379',
      through: 'the endpoint record /cache-outage/accounts/endpoint',
      from: "the workflow's confirm-outage function in us-east-1",
      auth: true,
      windowSeconds: 10,
      pings: [{ at: '2025-03-01T09:00:05.000Z', ok: true, latencyMs: 1 }],
      at: '2025-03-01T09:00:15.000Z',
    };
    // As Record Incident writes it and Confirm Outage completes it.
    await drill.stack.clients.dynamodb.send(
      new PutItemCommand({
        TableName: drill.stack.description.tables.incidents,
        Item: marshall({
          ...recordedIncidentItem({
            incidentId: id,
            cacheId: 'accounts',
            openedAt: '2025-03-01T09:00:00.000Z',
            executionArn: `${drill.stack.description.stateMachineArn.replace(':stateMachine:', ':execution:')}:x`,
            executionName: 'x',
            triggerAlarm: 'cache-outage-workflow-local-accounts-unreachable',
          }),
          status: 'FALSE_ALARM',
          falseAlarmAt: '2025-03-01T09:00:15.000Z',
          confirmation,
        }),
      }),
    );

    const table = await cli('incidents', '--local');
    expect(table.code).toBe(0);
    const [incidents, falseAlarms] = table.stdout.split(/^False alarms \(1\)/m) as [string, string | undefined];
    expect(incidents).not.toContain(id);
    expect(falseAlarms).toMatch(new RegExp(`${id}\\s+accounts\\s+False alarm`));

    const shown = await cli('show', id, '--local');
    expect(shown.stdout).toContain(
      'false alarm: 127.0.0.1:6379 through the endpoint record /cache-outage/accounts/endpoint with AUTH',
    );
  });

  it('acknowledges, refuses a decision without a reason, approves once, and reports the second decision as a conflict', async () => {
    const ack = await cli('ack', incidentId, '--local', '--as', 'erin');
    expect(ack.code).toBe(0);
    expect(ack.stdout).toContain('acknowledged recovery-plan');

    const noReason = await cli('approve', incidentId, '--local');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('needs --reason');

    const approve = await cli(
      'approve',
      incidentId,
      '--local',
      '--as',
      'erin',
      '--reason',
      'restore from the newest backup',
    );
    expect(approve.stderr).toBe('');
    expect(approve.code).toBe(0);
    expect(approve.stdout).toMatch(new RegExp(`^approved recovery-plan of ${incidentId} as erin at `));

    const again = await cli('reject', incidentId, '--local', '--as', 'frank', '--reason', 'second thoughts');
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('HTTP 409');
    expect(again.stderr).toContain('already approved by erin');

    const notices = await cli('notices', incidentId, '--local', '--json');
    expect((JSON.parse(notices.stdout) as { stage: string }[]).map((n) => n.stage)).toContain('INVESTIGATING');

    const report = await drill.report;
    expect(report.ok).toBe(true);
    const types = report.timeline.map((e) => e.type);
    expect(types.indexOf('APPROVAL_ACKNOWLEDGED')).toBeGreaterThan(-1);
    expect(types.indexOf('APPROVAL_ACKNOWLEDGED')).toBeLessThan(types.indexOf('APPROVED'));
    expect(report.timeline.find((e) => e.type === 'APPROVED')?.detail).toMatchObject({
      decidedBy: 'erin',
      reason: 'restore from the newest backup',
    });
  });
});
