/**
 * `approve`, `reject` and `ack` of an incident group: one decision for the
 * caches of a provider outage. The id names a group when the console has a
 * group of that id with a provider (a cache without provider is a group of
 * one whose id is its incident id: it is decided as an incident, exactly as
 * before groups). A console without groups answers 404, and the id is then
 * taken for an incident.
 */
import type { GroupDecisionResult } from '../functions/usecases/decide-approval';
import type { GroupView } from '../functions/usecases/group-view';
import { out, tableLines, whenText } from './human';
import { CliError, type CommandOptions } from './operator-args';

interface Target {
  url: string;
  token: string;
}

type Call = <T>(target: Target, method: 'GET' | 'POST', pathname: string, body?: unknown) => Promise<T>;

const groupPath = (groupId: string) => `/groups/${encodeURIComponent(groupId)}`;

/**
 * The group `id` names, or undefined when it names an incident. `only`: the command decides some caches of a
 * group, so the id must name one.
 */
export async function groupNamed(
  call: Call,
  target: Target,
  id: string,
  only: boolean,
): Promise<GroupView | undefined> {
  let view: GroupView;
  try {
    view = await call<GroupView>(target, 'GET', groupPath(id));
  } catch (err) {
    if (!(err instanceof CliError) || err.status !== 404) throw err;
    if (only) throw new CliError(`--only needs an incident group, and ${id} names none`, 2);
    return undefined;
  }
  const solo = view.group.provider === undefined && view.members.every((m) => m.incidentId === id);
  return solo && !only ? undefined : view;
}

/** What happened to each cache: decided (approved / rejected) or skipped, and why. */
export function groupDecisionLines(result: GroupDecisionResult, group: GroupView): string[] {
  const cacheOf = new Map(group.members.map((m) => [m.incidentId, m.cacheId]));
  const rows = [
    ...result.decided.map((d) => [
      cacheOf.get(d.incidentId) ?? d.incidentId,
      d.incidentId,
      d.status === 'APPROVED' ? 'approved' : 'rejected',
    ]),
    ...result.skipped.map((s) => [s.cacheId, s.incidentId, `skipped: ${s.reason}`]),
  ];
  return tableLines(['CACHE', 'INCIDENT', 'OUTCOME'], rows).map((l) => `  ${l}`);
}

export async function groupDecision(
  call: Call,
  target: Target,
  group: GroupView,
  command: { name: 'approve' | 'reject'; reason: string; only?: string[]; options: CommandOptions },
  step: string,
): Promise<number> {
  const { groupId } = group.group;
  // Without --only, "every cache" is every cache this command saw waiting: one that starts waiting later is not
  // decided unseen.
  const seen = group.members
    .filter((m) => m.approval?.step === step && m.approval.status === 'PENDING')
    .map((m) => m.incidentId);
  const only = command.only ?? (seen.length ? seen : undefined);
  const result = await call<GroupDecisionResult>(
    target,
    'POST',
    `${groupPath(groupId)}/approvals/${encodeURIComponent(step)}`,
    { decision: command.name, reason: command.reason, ...(only ? { only } : {}) },
  );
  if (command.options.json) return (out(JSON.stringify(result)), 0);
  const [first] = result.decided;
  const n = result.decided.length;
  out(
    `decided ${step} of ${n} cache${n === 1 ? '' : 's'} of group ${groupId}` +
      (first ? ` as ${first.decidedBy} at ${whenText(first.decidedAt)}` : ''),
  );
  for (const line of groupDecisionLines(result, group)) out(line);
  return 0;
}

export async function groupAck(
  call: Call,
  target: Target,
  group: GroupView,
  options: CommandOptions,
  step: string,
): Promise<number> {
  const { groupId } = group.group;
  const acked = await call<{ acknowledgedBy: string; acknowledged: string[] }>(
    target,
    'POST',
    `${groupPath(groupId)}/approvals/${encodeURIComponent(step)}/ack`,
    {},
  );
  if (options.json) return (out(JSON.stringify(acked)), 0);
  const cache = new Map(group.members.map((m) => [m.incidentId, m.cacheId]));
  const n = acked.acknowledged.length;
  out(
    `acknowledged ${step} of ${n} cache${n === 1 ? '' : 's'} of group ${groupId} as ${acked.acknowledgedBy}: escalation is delayed`,
  );
  for (const id of acked.acknowledged) out(`  ${cache.get(id) ?? id}  ${id}`);
  return 0;
}
