/**
 * Request Approval: keeps the task token server-side with the pending
 * approval and asks the operators to decide in the console or the CLI. The
 * state resumes when the decision is sent with SendTaskSuccess / Failure.
 */
import type { RecoveryPlan } from '../domain/incident';
import { describeLag, type Assessment } from '../domain/recovery';
import type { RequestApprovalInput } from '../domain/steps';
import { consoleLink } from '../domain/console-link';
import { describeEndpoint } from '../domain/endpoints';
import { formatBytes } from '../domain/format';
import type { Approvals, Clock, NoticeLog, Notifier, Timeline } from '../ports';

export interface RequestApprovalDeps {
  store: Timeline & NoticeLog & Approvals;
  notifier: Notifier;
  clock: Clock;
  notices: { consoleUrl?: string | undefined };
}

export interface RequestApprovalOutput {
  step: string;
  requestedAt: string;
  /** false when the operators were already asked for this step (a retry). */
  published: boolean;
}

const PLAN_ACTIONS: Record<RecoveryPlan, string> = {
  RECOVERED: 'close the incident',
  PROMOTE_REPLICA: 'promote a replica to primary',
  PROMOTE_STANDBY: 'cut clients over to the warm standby',
  GLOBAL_FAILOVER: 'fail over the Global Datastore to its secondary region',
  PROVISION_FROM_BACKUP: 'provision a replacement cache from a backup',
  ESCALATE: 'escalate',
};

export async function requestApproval(
  deps: RequestApprovalDeps,
  input: RequestApprovalInput,
): Promise<RequestApprovalOutput> {
  const { incidentId, cacheId, step, assessment } = input;
  const requestedAt = deps.clock.now().toISOString();
  const facts = approvalFacts(assessment);
  await deps.store.savePendingApproval({ incidentId, step, status: 'PENDING', requestedAt, facts }, input.taskToken);

  const marker = `APPROVAL#${step}`;
  if ((await deps.store.claimNotice(incidentId, marker)) === 'sent') return { step, requestedAt, published: false };
  const subject = `Approval needed: ${PLAN_ACTIONS[assessment.plan]} for ${cacheId}`.slice(0, 100);
  const text = approvalText(incidentId, cacheId, assessment, consoleLink(deps.notices.consoleUrl, incidentId));
  const { messageId } = await deps.notifier.publishOperators({
    kind: 'approval-request',
    incidentId,
    cacheId,
    subject,
    text,
    facts,
  });
  await deps.store.confirmNotice(incidentId, marker, messageId, { subject, text });
  // Dated when the request was made, so it precedes any decision on the timeline.
  await deps.store.appendTimeline(incidentId, {
    at: requestedAt,
    type: 'APPROVAL_REQUESTED',
    message: `approval requested: ${PLAN_ACTIONS[assessment.plan]}`,
    detail: { step, ...facts },
  });
  return { step, requestedAt, published: true };
}

function approvalFacts(a: Assessment): Record<string, unknown> {
  return {
    plan: a.plan,
    reason: a.reason,
    etaMinutes: a.etaMinutes,
    ...(a.backup
      ? {
          backupKey: a.backup.key,
          backupAgeMinutes: a.backup.ageMinutes,
          backupSizeBytes: a.backup.sizeBytes,
          rdbVersion: a.backup.rdbVersion,
        }
      : {}),
    ...(a.replica
      ? {
          replica: a.replica.cacheClusterId,
          replicaEndpoint: describeEndpoint(a.replica.endpoint),
          // Only when the fleet reported it: ElastiCache's DescribeReplicationGroups has no lag.
          ...(a.replica.lagSeconds !== undefined ? { replicaLagSeconds: a.replica.lagSeconds } : {}),
        }
      : {}),
    ...(a.standby
      ? {
          standby: a.standby.replicationGroupId,
          standbyEndpoint: describeEndpoint(a.standby.endpoint),
          standbyMirroredUpTo: a.standby.watermark,
          standbyLagSeconds: a.standby.lagSeconds,
        }
      : {}),
    ...(a.rejectedStandby
      ? { standbyNotUsed: `${a.rejectedStandby.replicationGroupId}: ${a.rejectedStandby.reason}` }
      : {}),
    ...(a.globalSecondary
      ? { globalSecondaryRegion: a.globalSecondary.region, globalSecondaryGroup: a.globalSecondary.replicationGroupId }
      : {}),
    ...(a.rejectedBackups.length ? { rejectedBackups: a.rejectedBackups } : {}),
  };
}

function approvalText(incidentId: string, cacheId: string, a: Assessment, link: string | undefined): string {
  const lines = [
    `Incident ${incidentId}: cache ${cacheId} is down.`,
    `Approve to ${PLAN_ACTIONS[a.plan]} (plan ${a.plan}).`,
    '',
    `Why: ${a.reason}.`,
    `Estimated time until clients are served again: about ${a.etaMinutes} minutes.`,
  ];
  if (a.backup) {
    lines.push(
      `Backup: s3://${a.backup.bucket}/${a.backup.key}, ${a.backup.ageMinutes} min old, ${formatBytes(a.backup.sizeBytes)}.`,
    );
    lines.push('Data written after the backup is written back from the source of truth after the cut-over.');
  }
  if (a.replica) {
    const lag = a.replica.lagSeconds !== undefined ? `${a.replica.lagSeconds} s` : 'not reported';
    lines.push(
      `Replica: ${a.replica.cacheClusterId} at ${describeEndpoint(a.replica.endpoint)}, replication lag ${lag}.`,
    );
  }
  if (a.standby) {
    lines.push(
      `Standby: ${a.standby.replicationGroupId} at ${describeEndpoint(a.standby.endpoint)}, mirrored up to ${a.standby.watermark} (${describeLag(a.standby.lagSeconds)} behind).`,
    );
    lines.push(
      'Nothing is provisioned: the endpoint record clients follow is pointed at the standby, then what changed since its last mirror cycle is written back from the source of truth.',
    );
  }
  if (a.rejectedStandby)
    lines.push(`Standby not used: ${a.rejectedStandby.replicationGroupId} (${a.rejectedStandby.reason}).`);
  if (a.globalSecondary)
    lines.push(`Secondary: ${a.globalSecondary.replicationGroupId} in ${a.globalSecondary.region}.`);
  for (const r of a.rejectedBackups) lines.push(`Not used: ${r.key} (${r.reason}).`);
  lines.push('', 'Decide:');
  if (link) lines.push(`  console: ${link}`);
  lines.push(`  CLI:     cache-outage approve ${incidentId} --reason "…"`);
  lines.push(`           cache-outage reject ${incidentId} --reason "…"`);
  return lines.join('\n');
}
