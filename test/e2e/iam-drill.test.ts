/**
 * The restore drill with IAM enforced: it resolves with the roles as the
 * packaged template declares them, and with one permission the path needs
 * removed it stops where AWS would, with AccessDenied naming the action and
 * resource in the operators' escalation.
 */
import { runDrill } from '../../local/drill/run';
import { childProcesses } from './processes';

const KEYS = 300;

afterAll(() => {
  expect(childProcesses()).toEqual([]);
});

describe('restore drill with IAM enforced', () => {
  it('resolves with every role as the template declares it', async () => {
    const r = await runDrill({ scenario: 'restore', keys: KEYS, changedAfterBackup: 50 });
    expect(r.ok).toBe(true);
    expect(r.incident).toMatchObject({ status: 'RESOLVED', plan: 'PROVISION_FROM_BACKUP' });
    expect(r.verification).toEqual({
      checked: KEYS,
      missing: 0,
      wrong: 0,
      withTtl: KEYS / 100,
      ttlLost: 0,
      firstProblems: [],
    });
  }, 300_000);

  it('without s3:GetObject for provision it stops at Provision Cache with AccessDenied naming the action and the backup object', async () => {
    const r = await runDrill({
      scenario: 'restore',
      keys: KEYS,
      changedAfterBackup: 50,
      stackOptions: { iam: { withoutPermission: { caller: 'provision', action: 's3:GetObject' } } },
    });
    expect(r.executionStatus).toBe('FAILED');
    expect(r.executionError).toBe('AccessDenied');
    const failed = r.timeline.find((e) => e.type === 'FAILED');
    expect(failed?.message).toMatch(/^Provision Cache: AccessDenied: /);
    const escalation = r.operatorMessages.find((m) => m.kind === 'escalation');
    expect(escalation?.subject).toBe('Cache accounts: recovery stopped at Provision Cache with AccessDenied');
    expect(escalation?.message).toMatch(
      /User: arn:aws:sts::000000000000:assumed-role\/cache-outage-workflow-local-us-east-1-provision\/cache-outage-workflow-local-provision is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::cache-outage-workflow-local-backup\/accounts\/[^ ]+\.rdb because no identity-based policy allows the s3:GetObject action/,
    );
    // Nothing was provisioned, nothing cut over.
    expect(r.timeline.map((e) => e.type)).not.toContain('RECOVERY_STARTED');
  }, 300_000);
});
