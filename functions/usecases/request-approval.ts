/**
 * Request Approval: keeps the task token server-side with the pending
 * approval and asks the operators to decide in the console or the CLI. The
 * state resumes when the decision is sent with SendTaskSuccess / Failure.
 */
import type { ProtectedCache } from '../domain/caches';
import { ON_TIMEOUT_LABELS, PLAN_LABELS } from '../domain/labels';
import { describeLag, type Assessment } from '../domain/recovery';
import type { RequestApprovalInput } from '../domain/steps';
import { consoleLink } from '../domain/console-link';
import { describeEndpoint } from '../domain/endpoints';
import { formatBytes } from '../domain/format';
import { clockTime, readableTimes, relativeTime, UTC, type TimeZone } from '../domain/time-labels';
import type {
  ApprovalDeadline,
  Approvals,
  Clock,
  GroupApprovals,
  IncidentLocks,
  NoticeLog,
  Notifier,
  Timeline,
} from '../ports';
import { GROUP_GATHER_SECONDS } from '../domain/group-approvals';
import { requestForGroup, type GroupRequestDeps } from './group-approval-request';
import { groupOf } from './shared/group';

export interface RequestApprovalDeps extends Pick<GroupRequestDeps, 'sleep' | 'gatherSeconds'> {
  store: Timeline & NoticeLog & Approvals & GroupApprovals & Pick<IncidentLocks, 'getOpenLock'>;
  notifier: Notifier;
  clock: Clock;
  notices: { consoleUrl?: string | undefined };
  /** The zone the operators read times in; UTC when absent. */
  timeZone?: TimeZone;
  /** The protected caches, for the size of a replacement; left out of the facts when absent. */
  caches?: readonly ProtectedCache[];
}

export interface RequestApprovalOutput {
  step: string;
  requestedAt: string;
  /** false when the operators were already asked for this step (a retry). */
  published: boolean;
}

const action = (a: Assessment): string => PLAN_LABELS[a.plan].action;

export async function requestApproval(
  deps: RequestApprovalDeps,
  input: RequestApprovalInput,
): Promise<RequestApprovalOutput> {
  const { incidentId, cacheId, step, assessment } = input;
  const requestedAt = deps.clock.now().toISOString();
  const replacement = assessment.plan === 'PROVISION_FROM_BACKUP' ? replacementOf(deps.caches, cacheId) : undefined;
  const facts = { ...approvalFacts(assessment), ...(replacement ? { replacement } : {}) };
  const settings = input.settings;
  const deadline = settings ? deadlineOf(requestedAt, settings) : undefined;
  await deps.store.savePendingApproval(
    { incidentId, step, status: 'PENDING', requestedAt, facts, ...(deadline ? { deadline } : {}) },
    input.taskToken,
  );

  const zone = deps.timeZone ?? UTC;
  const single = (groupId?: string) => {
    const subject = `Approval needed: ${action(assessment)} for ${cacheId}`.slice(0, 100);
    const text = approvalText(incidentId, cacheId, assessment, consoleLink(deps.notices.consoleUrl, incidentId), {
      zone,
      now: new Date(requestedAt),
      ...(deadline ? { deadline } : {}),
      ...(replacement ? { replacement } : {}),
      ...(groupId ? { groupId } : {}),
    });
    return { subject, text };
  };

  // Several caches of one provider waiting together: one request for the group.
  const groupId = await groupOf(deps.store, { incidentId, cacheId });
  let addendumTo: string | undefined;
  if (groupId !== incidentId) {
    // The gather never outlasts half the wait's heartbeat: nobody is asked to decide before it escalates.
    const gatherSeconds = Math.min(
      deps.gatherSeconds ?? GROUP_GATHER_SECONDS,
      settings ? settings.approvalHeartbeatSeconds / 2 : Infinity,
    );
    const outcome = await requestForGroup(
      { ...deps, gatherSeconds },
      {
        groupId,
        incidentId,
        approval: { step, status: 'PENDING', at: requestedAt, facts: { cacheId, ...facts } },
        ...(settings ? { deadline: (from: string) => deadlineOf(from, settings) } : {}),
        single: () => single(),
      },
    );
    if (outcome === 'published' || outcome === 'asked')
      return { step, requestedAt, published: outcome === 'published' };
    if (outcome === 'alone') addendumTo = groupId;
  }

  const marker = `APPROVAL#${step}`;
  if ((await deps.store.claimNotice(incidentId, marker)) === 'sent') return { step, requestedAt, published: false };
  const { subject, text } = single(addendumTo);
  const { messageId } = await deps.notifier.publishOperators({
    kind: 'approval-request',
    incidentId,
    ...(addendumTo ? { groupId: addendumTo } : {}),
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
    message: `approval requested: ${action(assessment)}`,
    detail: { step, ...facts, ...(addendumTo ? { groupId: addendumTo } : {}) },
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
          backupTakenAt: a.backup.watermark ?? a.backup.lastModified,
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

/** When the wait escalates (unless someone acknowledges it) and when it ends, from the execution's settings. */
export function deadlineOf(
  requestedAt: string,
  settings: NonNullable<RequestApprovalInput['settings']>,
): ApprovalDeadline {
  const at = (seconds: number) => new Date(Date.parse(requestedAt) + seconds * 1000).toISOString();
  return {
    escalatesAt: at(settings.approvalHeartbeatSeconds),
    expiresAt: at(settings.approvalTimeoutSeconds),
    onTimeout: settings.approvalDefault,
  };
}

/** What a replacement is made of: "2 × cache.r7g.large, valkey". */
function replacementOf(caches: readonly ProtectedCache[] | undefined, cacheId: string): string | undefined {
  const r = caches?.find((c) => c.id === cacheId)?.replacement;
  if (!r) return undefined;
  return `${r.numCacheClusters} × ${r.nodeType}, ${r.engine}`;
}

/** What happens if nobody decides, as one sentence for operators. */
export function onTimeoutText(deadline: ApprovalDeadline, zone: TimeZone, now: Date): string {
  const by = clockTime(deadline.escalatesAt, zone, now);
  const wait = relativeTime(deadline.escalatesAt, now);
  return `If nobody decides or acknowledges by ${by} (${wait}), ${ON_TIMEOUT_LABELS[deadline.onTimeout]}.`;
}

interface ApprovalTextOptions {
  zone: TimeZone;
  now: Date;
  deadline?: ApprovalDeadline;
  replacement?: string;
  /** The group whose request went out before this cache waited too. */
  groupId?: string;
}

function approvalText(
  incidentId: string,
  cacheId: string,
  a: Assessment,
  link: string | undefined,
  o: ApprovalTextOptions,
): string {
  const lines = [
    `Incident ${incidentId}: cache ${cacheId} is down.`,
    ...(o.groupId ? [`One more cache of provider outage ${o.groupId} needs a decision.`] : []),
    `Approve to ${action(a)}: ${PLAN_LABELS[a.plan].onApprove}.`,
    'Reject: nothing is changed on the cache, the incident is marked failed and the operators are escalated to.',
    ...(o.deadline ? [onTimeoutText(o.deadline, o.zone, o.now)] : []),
    '',
    `Why: ${readableTimes(a.reason, o.zone, o.now)}.`,
    `Estimated time until clients are served again: about ${a.etaMinutes} minute${a.etaMinutes === 1 ? '' : 's'}.`,
    ...(o.replacement ? [`Replacement: ${o.replacement}.`] : []),
  ];
  if (a.backup) {
    lines.push(
      `Backup: s3://${a.backup.bucket}/${a.backup.key}, taken ${clockTime(a.backup.watermark ?? a.backup.lastModified, o.zone, o.now)}, ${a.backup.ageMinutes} min old, ${formatBytes(a.backup.sizeBytes)}.`,
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
      `Standby: ${a.standby.replicationGroupId} at ${describeEndpoint(a.standby.endpoint)}, mirrored up to ${clockTime(a.standby.watermark, o.zone, o.now, { seconds: true })} (${describeLag(a.standby.lagSeconds)} behind).`,
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
