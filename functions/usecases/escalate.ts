/**
 * Record Failure / Record Rejection / Approval Timed Out, and an execution
 * that stopped at a failed step (see ./execution-status.ts): writes the
 * outcome on the incident and its timeline and tells the operators what
 * happened and what to do next, once per incident, kind and redrive. The
 * open-incident lock stays until the cache's next ALARM, which finds the
 * incident failed and opens a new one. When the incident record itself could
 * not be written, the operators are still told.
 */
import type { EscalateInput } from '../domain/steps';
import { consoleLink } from '../domain/console-link';
import { escalationMessage, withGroup } from '../domain/escalation-message';
import { failedReportLines } from '../domain/report-messages';
import type { NoticeTemplates } from '../domain/notices';
import type { Approvals, Clock, ExecutionReader, IncidentRecords, NoticeLog, Notifier, Timeline } from '../ports';
import type { ReportArchive } from '../ports';
import type { TimeZone } from '../domain/time-labels';
import type { GroupNotices, GroupStore, IncidentLocks } from '../ports';
import { groupOf, markGroupMember } from './shared/group';
import type { IncidentGroup } from '../domain/groups';
import type { Incident } from '../domain/incident';
import { settleAfterLeaving, type GroupNoticeDeps } from './shared/group-notices';
import { tellGroupAfterLeaving } from './shared/operators-resolved';
import { draftReport } from './shared/report';
import { addTimeline } from './shared/timeline';

export interface EscalateDeps {
  store: IncidentRecords &
    Timeline &
    NoticeLog &
    IncidentLocks &
    GroupStore &
    GroupNotices &
    Pick<Approvals, 'approvals'>;
  notifier: Notifier;
  clock: Clock;
  /** The customer notices of the incident's group that its failure or rejection makes due. */
  templates: NoticeTemplates;
  notices: { serviceName: string; supportContact: string; consoleUrl?: string | undefined };
  claimLeaseSeconds?: number;
  /** The public status page, told of each group notice sent. */
  statusPage?: GroupNoticeDeps['statusPage'];
  /** Tells which attempt of the workflow (0, then one more per redrive) is escalating. */
  executions: ExecutionReader;
  /** Where a failed incident's post-incident report is stored (none: not drafted), and the zone it is written in. */
  reports?: ReportArchive;
  timeZone?: TimeZone;
}

export interface EscalateOutput {
  kind: EscalateInput['kind'];
  /** false when the operators were already told (a retry or a second call), or the escalation is stale. */
  published: boolean;
  messageId?: string;
}

export const MAX_CAUSE_CHARS = 1000;

export async function escalate(deps: EscalateDeps, input: EscalateInput): Promise<EscalateOutput> {
  const { incidentId, cacheId, kind } = input;
  const incident = await deps.store.getIncident(incidentId);
  // A resolved incident or a false alarm has nothing left to escalate: this is a late delivery.
  if (incident?.status === 'RESOLVED' || incident?.status === 'FALSE_ALARM') return { kind, published: false };
  const now = deps.clock.now().toISOString();
  const errorName = kind === 'rejected' ? 'ApprovalRejectedError' : (input.error?.Error ?? 'UnknownError');
  const cause = truncate(readableCause(input.error?.Cause), MAX_CAUSE_CHARS);
  const attempt = input.redriveCount ?? (await attemptOf(deps.executions, input.executionArn));

  // Once per incident, kind and attempt: a retry or a duplicate delivery finds it sent and changes nothing.
  const marker = `ESCALATION#${kind}${attempt ? `#${attempt}` : ''}`;
  if ((await deps.store.claimNotice(incidentId, marker)) === 'sent') return { kind, published: false };
  if (kind !== 'approval-timeout' && incident) {
    const current = await deps.store.markAttempt(incidentId, {
      status: 'FAILED',
      attempt,
      fields: { failedAt: now, error: { error: errorName, cause } },
    });
    // A redrive after this attempt already reopened the incident: what failed is no longer running.
    if (!current) return { kind, published: false };
    const group = await markGroupMember(deps.store, incident, kind === 'rejected' ? 'REJECTED' : 'FAILED');
    // The group's notices may have waited on this member (its ETA, or the last notices of a rejected one).
    await settleAfterLeaving(deps, group, incidentId);
    // The caches of the group resolved before it may have waited on this one to tell the operators.
    await tellGroupAfterLeaving(deps, group, incidentId);
  }
  const group = incident ? await groupNamed(deps, incident) : undefined;
  const message = escalationMessage(input, errorName, cause, consoleLink(deps.notices.consoleUrl, incidentId));
  if (kind === 'failed') {
    // The report drafted below, once the operators were told: where to read it.
    const reportLink = consoleLink(deps.notices.consoleUrl, incidentId, 'incidents', 'report');
    const lines = failedReportLines({ incidentId, reportLink }, deps.reports?.locationOf(incidentId));
    message.text = `${message.text}\n${lines.join('\n')}`;
  }
  const { subject, text, what } = group ? withGroup(message, group, incidentId, cacheId) : message;
  const { messageId } = await deps.notifier.publishOperators({
    kind: 'escalation',
    incidentId,
    cacheId,
    subject,
    text,
    facts: {
      kind,
      error: errorName,
      cause,
      ...(input.approvalDefault ? { approvalDefault: input.approvalDefault } : {}),
      ...(input.stopped?.state ? { failedState: input.stopped.state } : {}),
      ...(input.stopped ? { executionArn: input.stopped.executionArn } : {}),
      ...(attempt ? { attempt } : {}),
      ...(group ? { groupId: group.groupId } : {}),
    },
    ...(group ? { groupId: group.groupId } : {}),
  });
  await deps.store.confirmNotice(incidentId, marker, messageId, { subject, text });

  if (kind === 'failed') {
    const at = input.stopped?.state ? `${input.stopped.state}: ` : '';
    // Dated when the incident was marked failed (its failedAt), not after the message went out:
    // a redrive may start from that moment, and its steps come after the failure on the timeline.
    await deps.store.appendTimeline(incidentId, {
      at: now,
      type: 'FAILED',
      message: `${at}${errorName}: ${cause}`,
      detail: {
        error: errorName,
        cause,
        ...(input.stopped?.state ? { failedState: input.stopped.state } : {}),
      },
    });
  }
  if (kind === 'approval-timeout') {
    await addTimeline(
      deps,
      incidentId,
      'APPROVAL_TIMED_OUT',
      `nobody decided in time; default: ${input.approvalDefault ?? 'abort'}`,
      {
        approvalDefault: input.approvalDefault ?? 'abort',
      },
    );
  }
  await addTimeline(deps, incidentId, 'ESCALATED', `operators escalated: ${what}`, { kind, messageId });
  // A failed incident's report (what was tried, where it stopped, who was told), once the operators were; it never throws.
  if (kind === 'failed') await draftReport(deps, incidentId);
  return { kind, published: true, messageId };
}

/** The incident's group when it has other members: the escalation names it. */
async function groupNamed(
  deps: EscalateDeps,
  incident: Pick<Incident, 'incidentId' | 'cacheId' | 'groupId'>,
): Promise<IncidentGroup | undefined> {
  const groupId = await groupOf(deps.store, incident);
  if (groupId === incident.incidentId) return undefined;
  const group = await deps.store.getGroup(groupId, true);
  const down = group ? Object.values(group.members).filter((m) => m.state !== 'FALSE_ALARM').length : 0;
  return down > 1 ? group : undefined;
}

/** Step Functions wraps a Lambda error's cause as JSON `{errorType, errorMessage, trace}`; keep the message. */
function readableCause(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as unknown;
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      return (parsed as { errorMessage: string }).errorMessage;
    }
  } catch {
    // not JSON: use it as it is
  }
  return cause;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The execution's redrive count (0 when it cannot be read: the escalation still goes out). */
async function attemptOf(executions: ExecutionReader, executionArn: string | undefined): Promise<number> {
  if (!executionArn) return 0;
  try {
    return (await executions.describe(executionArn))?.redriveCount ?? 0;
  } catch {
    return 0;
  }
}
