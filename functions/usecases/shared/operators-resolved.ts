/**
 * Tells the operators that a cache is back, with its post-incident report:
 * once per incident, or, for a provider outage, once for the group when its
 * last member closes (listing every cache with its outcome and its report).
 * Once only as every operator message is: a claim on the notice log (the
 * incident's, or the group's for a provider outage) before publishing,
 * confirmed after. A message that cannot be sent is noted on the timeline
 * and never fails the close.
 */
import { consoleLink } from '../../domain/console-link';
import type { IncidentGroup } from '../../domain/groups';
import type { Incident } from '../../domain/incident';
import {
  groupResolvedMessage,
  resolvedMessage,
  type ClosedCache,
  type GroupOutcome,
  type OperatorText,
  type ReportStorage,
} from '../../domain/report-messages';
import type { Clock, IncidentRecords, NoticeLog, Notifier, Timeline } from '../../ports';
import type { Drafted } from './report';
import { addTimeline } from './timeline';

/** The notice log's marker of the resolved message. */
export const RESOLVED_MARKER = 'OPERATORS#RESOLVED';

export interface OperatorsResolvedDeps {
  store: Pick<IncidentRecords, 'getIncident'> & Pick<NoticeLog, 'claimNotice' | 'confirmNotice'> & Timeline;
  notifier: Notifier;
  clock: Clock;
  notices: { consoleUrl?: string | undefined };
}

/** Whether the message went out now (false: already sent, or the group waits for another member). */
export async function tellOperatorsResolved(
  deps: OperatorsResolvedDeps,
  closed: Omit<ClosedCache, 'reportLink' | 'storage' | 'report'> & { drafted: Drafted },
  group: IncidentGroup | undefined,
): Promise<boolean> {
  const me = closed.incidentId;
  // Several caches down together (a false alarm is listed, not counted): one message for the group.
  const down = group ? Object.values(group.members).filter((m) => m.state !== 'FALSE_ALARM').length : 0;
  const shared = down > 1 ? group : undefined;
  // A provider outage: the last member to leave tells, for all of them.
  if (shared && shared.status === 'OPEN') return false;
  const mine: ClosedCache = {
    ...closed,
    ...(closed.drafted.report ? { report: closed.drafted.report } : {}),
    reportLink: consoleLink(deps.notices.consoleUrl, me, 'incidents', 'report'),
    storage: closed.drafted.storage,
  };
  return send(deps, me, shared ? { group: shared, mine } : { mine });
}

/**
 * After `me` left its group's outage (false alarm, rejected, failed): when
 * that closed the group and some of its caches were resolved before, their
 * close found the group still open and told nobody, so the operators hear it
 * now, once for the group.
 */
export async function tellGroupAfterLeaving(
  deps: OperatorsResolvedDeps,
  group: IncidentGroup | undefined,
  me: string,
): Promise<boolean> {
  if (!group || Object.keys(group.members).length < 2 || group.status === 'OPEN') return false;
  if (!Object.values(group.members).some((m) => m.state === 'RESOLVED')) return false;
  return send(deps, me, { group });
}

/** Claims, publishes, confirms and records the message; never throws. */
async function send(
  deps: OperatorsResolvedDeps,
  me: string,
  about: { group: IncidentGroup; mine?: ClosedCache } | { mine: ClosedCache },
): Promise<boolean> {
  const shared = 'group' in about ? about.group : undefined;
  const key = shared?.groupId ?? me;
  let message: OperatorText;
  let messageId: string;
  try {
    // Built before the claim: a read that fails leaves nothing claimed.
    message = shared
      ? groupResolvedMessage(shared, await outcomes(deps, shared, about.mine))
      : resolvedMessage(about.mine as ClosedCache);
    if ((await deps.store.claimNotice(key, RESOLVED_MARKER)) === 'sent') return false;
    ({ messageId } = await deps.notifier.publishOperators({
      kind: 'resolved',
      incidentId: key,
      cacheId: about.mine?.cacheId ?? shared?.members[me]?.cacheId ?? me,
      subject: message.subject,
      text: message.text,
      facts: shared ? { groupId: shared.groupId } : { storage: about.mine?.storage ?? { stored: false } },
      ...(shared ? { groupId: shared.groupId } : {}),
    }));
  } catch (err) {
    await note(deps, me, 'operators could not be told the cache is back', err);
    return false;
  }
  try {
    await deps.store.confirmNotice(key, RESOLVED_MARKER, messageId, message);
    const told = shared
      ? Object.entries(shared.members)
          .filter(([, m]) => m.state === 'RESOLVED')
          .map(([id]) => id)
      : [me];
    for (const id of told) await record(deps, id, message, messageId, shared?.groupId);
  } catch (err) {
    // The message went out: only its record is missing.
    await note(deps, me, `operators told (${messageId}), but not recorded`, err, messageId);
  }
  return true;
}

async function note(
  deps: OperatorsResolvedDeps,
  incidentId: string,
  what: string,
  err: unknown,
  messageId?: string,
): Promise<void> {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  await addTimeline(deps, incidentId, 'OPERATORS_TOLD', `${what}: ${error}`, {
    published: messageId !== undefined,
    ...(messageId ? { messageId } : {}),
    error,
  }).catch(() => undefined);
}

async function record(
  deps: OperatorsResolvedDeps,
  incidentId: string,
  message: OperatorText,
  messageId: string,
  groupId: string | undefined,
): Promise<void> {
  await addTimeline(deps, incidentId, 'OPERATORS_TOLD', `operators told: ${message.subject}`, {
    published: true,
    messageId,
    ...(groupId ? { groupId } : {}),
  });
}

/** Every member of the group, in the order they joined: the closing one with its report, the others as recorded. */
async function outcomes(
  deps: OperatorsResolvedDeps,
  group: IncidentGroup,
  mine: ClosedCache | undefined,
): Promise<GroupOutcome[]> {
  const members = Object.entries(group.members).sort(([, a], [, b]) => (a.joinedAt < b.joinedAt ? -1 : 1));
  const out: GroupOutcome[] = [];
  for (const [incidentId, m] of members) {
    const base = { cacheId: m.cacheId, incidentId, state: m.state };
    if (m.state !== 'RESOLVED') out.push(base);
    else if (mine && incidentId === mine.incidentId) out.push({ ...base, closed: mine });
    else out.push({ ...base, closed: await recorded(deps, incidentId, m.cacheId, mine?.storage !== undefined) });
  }
  return out;
}

/** Another resolved member as its own close recorded it: its durations and where its report went. */
async function recorded(
  deps: OperatorsResolvedDeps,
  incidentId: string,
  cacheId: string,
  archived: boolean,
): Promise<ClosedCache> {
  const incident = (await deps.store.getIncident(incidentId)) as
    (Incident & { outageSeconds?: unknown; degradedSeconds?: unknown }) | undefined;
  const drafted = [...(await deps.store.timeline(incidentId))].reverse().find((e) => e.type === 'REPORT_DRAFTED');
  const d = drafted?.detail;
  const storage: ReportStorage =
    d?.stored === true && typeof d.location === 'string'
      ? { stored: true, location: d.location }
      : d?.stored === false
        ? { stored: false, error: String(d.error ?? 'unknown error') }
        : archived
          ? { stored: false, error: 'not drafted yet when this message was sent' }
          : undefined;
  return {
    incidentId,
    cacheId,
    ...(typeof incident?.outageSeconds === 'number' ? { outageSeconds: incident.outageSeconds } : {}),
    ...(typeof incident?.degradedSeconds === 'number' ? { degradedSeconds: incident.degradedSeconds } : {}),
    reportLink: consoleLink(deps.notices.consoleUrl, incidentId, 'incidents', 'report'),
    storage,
  };
}
