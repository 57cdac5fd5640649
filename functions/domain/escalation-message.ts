/**
 * The escalation to the operators: what happened to the incident's recovery
 * and what to do next, in words; for one member of a provider outage, the
 * group's caches too.
 */
import type { IncidentGroup } from './groups';
import { MEMBER_STATE_LABELS } from './labels';
import { quotaRefusalOf } from './quotas';
import type { EscalateInput } from './steps';

export interface EscalationText {
  subject: string;
  text: string;
  /** What happened, in a few words (the subject's end, the timeline's entry). */
  what: string;
}

/** How the automatic recovery runs again: a new ALARM finds this incident failed and opens a new one. */
const RETRY_HINT =
  "  - to run the automatic recovery again once the cause is fixed, reset the cache's alarm (`aws cloudwatch set-alarm-state --state-value OK …`): its next ALARM opens a new incident.";

const STOPPED_BECAUSE: Record<NonNullable<EscalateInput['stopped']>['status'], string> = {
  FAILED: 'The step failed after all its retries, and the workflow stopped there.',
  TIMED_OUT: 'The workflow ran out of time and stopped there.',
  ABORTED: 'Somebody stopped the workflow there.',
};

export function escalationMessage(
  input: EscalateInput,
  errorName: string,
  cause: string,
  link: string | undefined,
): EscalationText {
  const { incidentId, cacheId } = input;
  const next = [
    'What to do next:',
    ...(link ? [`  - open the incident: ${link}`] : []),
    `  - or from a terminal: cache-outage show ${incidentId}`,
  ];
  let what: string;
  let lines: string[];
  if (input.kind === 'approval-timeout') {
    const proceed = input.approvalDefault === 'proceed';
    what = proceed ? 'approval timed out; proceeding with the plan' : 'approval timed out; recovery stopped';
    lines = [
      `Incident ${incidentId}: nobody approved or rejected the recovery plan for cache ${cacheId} in time.`,
      proceed
        ? 'The configured default is "proceed": the plan runs now without an approval.'
        : 'The configured default is "abort": the workflow stops and the incident is marked failed. Recover the cache manually.',
      ...next,
    ];
  } else if (input.kind === 'rejected') {
    what = 'recovery plan rejected';
    lines = [
      `Incident ${incidentId}: an operator rejected the recovery plan for cache ${cacheId}.`,
      ...(cause ? [`Reason: ${cause}`] : []),
      'The incident is marked failed; nothing was changed on the cache. Recover it by hand, or:',
      ...next,
      RETRY_HINT,
    ];
  } else if (input.stopped) {
    const { state, executionArn, status } = input.stopped;
    const step = state ? `"${state}"` : 'the step it was in';
    const quota = errorName === 'QuotaExceededError' ? quotaRefusalOf(cause) : undefined;
    what = quota
      ? `ElastiCache quota "${quota.quota}" reached; recovery stopped at ${state ?? 'a step'}`
      : `recovery stopped at ${state ?? 'a step'} with ${errorName}`;
    lines = [
      `Incident ${incidentId}: the automatic recovery of cache ${cacheId} stopped at ${step}.`,
      ...(quota ? quotaLines(quota) : []),
      `Error: ${errorName}`,
      ...(cause ? [`Cause: ${cause}`] : []),
      STOPPED_BECAUSE[status],
      'The incident is marked failed and clients may still be affected.',
      `Steps that finished keep their results and do not run again. Once the cause is fixed, continue from ${step}:`,
      ...(link ? [`  - in the console: ${link} ("Continue from ${state ?? 'the step'}")`] : []),
      `  - or from a terminal: cache-outage redrive ${incidentId} --reason "what was fixed"`,
      `  - or with the AWS CLI: aws stepfunctions redrive-execution --execution-arn ${executionArn}`,
      ...next,
      'If it cannot be fixed where it stopped (the plan itself is wrong, or the redrive is refused):',
      RETRY_HINT,
    ];
  } else {
    what = `recovery failed with ${errorName}`;
    lines = [
      `Incident ${incidentId}: the automatic recovery of cache ${cacheId} failed.`,
      `Error: ${errorName}`,
      ...(cause ? [`Cause: ${cause}`] : []),
      'The incident is marked failed and clients may still be affected.',
      ...next,
      RETRY_HINT,
    ];
  }
  return { subject: `Cache ${cacheId}: ${what}`.slice(0, 100), text: lines.join('\n'), what };
}

/** What a quota refusal means and what frees the way, in words; the redrive lines follow. */
function quotaLines(quota: NonNullable<ReturnType<typeof quotaRefusalOf>>): string[] {
  const nodes = `${quota.nodesRequested} node${quota.nodesRequested === 1 ? '' : 's'}`;
  return [
    `ElastiCache refused to create its replacement: the account's quota "${quota.quota}" is reached (${quota.awsError}). This replacement needs ${nodes}.`,
    'Nothing was created, and no retry helps until there is room. To make room:',
    `  - raise "${quota.quota}" in the Service Quotas console (AWS services › Amazon ElastiCache), in the region the replacement is created in,`,
    `  - or delete ElastiCache nodes no longer needed, to free at least ${nodes};`,
    '  then continue the recovery (below).',
  ];
}

/** The escalation of one member of a provider outage: the subject names the group, the text lists every cache. */
export function withGroup(
  message: { subject: string; text: string; what: string },
  group: IncidentGroup,
  incidentId: string,
  cacheId: string,
): { subject: string; text: string; what: string } {
  const members = Object.entries(group.members).sort(([, a], [, b]) => (a.joinedAt < b.joinedAt ? -1 : 1));
  // The caches that were down: a false alarm is listed, but not counted.
  const n = members.filter(([, m]) => m.state !== 'FALSE_ALARM').length;
  const of = group.provider ? `outage of ${group.provider}` : 'provider outage';
  const subject = `Cache ${cacheId} (${of}, ${n} caches): ${message.what}`.slice(0, 100);
  const lines = [
    '',
    `This cache is one of ${n} caches of ${group.provider ?? 'one provider'} down together (group ${group.groupId}):`,
    ...members.map(
      ([id, m]) => `  - ${m.cacheId}${id === incidentId ? ' (this one)' : ''}: ${MEMBER_STATE_LABELS[m.state]}`,
    ),
    '  - every cache of the outage, in one row: cache-outage incidents',
  ];
  return { subject, text: `${message.text}\n${lines.join('\n')}`, what: message.what };
}
