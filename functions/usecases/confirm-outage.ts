/**
 * Confirm Outage: before any customer hears of an outage, the workflow checks
 * the cache itself, as clients reach it (through the endpoint record, with the
 * cache's TLS and AUTH), several times over a confirmation window.
 *
 * - A PING that fails confirms the outage: the facts (what failed, how, from
 *   where) go on the incident and its timeline, and the recovery goes on to
 *   Notify Investigating.
 * - A cache that answers every PING of the window makes the incident a false
 *   alarm: status FALSE_ALARM, the open-incident lock released (a real outage
 *   a minute later opens a new incident), and one message to the operators
 *   naming the alarm and what the check saw. Customers are told nothing.
 *
 * Running it again after a decision repeats the decision without PINGing: a
 * retried step never turns a false alarm into an outage or back.
 */
import type { ProtectedCache } from '../domain/caches';
import { IncidentNotFoundError } from '../domain/errors';
import type { Incident } from '../domain/incident';
import type { ConfirmationFacts, ConfirmationPing, ConfirmInput, ConfirmOutput } from '../domain/steps';
import { consoleLink } from '../domain/console-link';
import { describeEndpoint } from '../domain/endpoints';
import type { NoticeTemplates } from '../domain/notices';
import type {
  CacheProbe,
  Clock,
  EndpointRecord,
  GroupNotices,
  GroupStore,
  IncidentLocks,
  IncidentRecords,
  NoticeLog,
  Notifier,
  SecretReader,
  Timeline,
} from '../ports';
import { groupOf, markGroupMember } from './shared/group';
import { settleAfterLeaving, type GroupNoticeDeps } from './shared/group-notices';
import { tellGroupAfterLeaving } from './shared/operators-resolved';
import { authTokenFor, findCache } from './shared/protected-cache';
import { addTimeline } from './shared/timeline';

export interface ConfirmationSettings {
  /** How long the cache must answer throughout for the alarm to be called false. */
  seconds: number;
  /** PINGs spread evenly over the window, the first at its start and the last at its end. */
  pings: number;
}

export interface ConfirmOutageDeps {
  store: IncidentRecords & Timeline & NoticeLog & IncidentLocks & GroupStore & GroupNotices;
  endpoints: EndpointRecord;
  probe: CacheProbe;
  secrets: SecretReader;
  notifier: Notifier;
  clock: Clock;
  /** Waits between PINGs. */
  sleep: (ms: number) => Promise<void>;
  caches: readonly ProtectedCache[];
  probeTimeoutMs: number;
  confirmation: ConfirmationSettings;
  region: string;
  /** The customer notices of the incident's group that a false alarm makes due. */
  templates: NoticeTemplates;
  notices: { serviceName: string; supportContact: string; consoleUrl?: string | undefined };
  claimLeaseSeconds?: number;
  /** The public status page, told of each group notice sent. */
  statusPage?: GroupNoticeDeps['statusPage'];
}

/** The marker that makes the operators' false-alarm message a once-per-incident message. */
export const FALSE_ALARM_MARKER = 'FALSE_ALARM';

export async function confirmOutage(deps: ConfirmOutageDeps, input: ConfirmInput): Promise<ConfirmOutput> {
  const { incidentId } = input;
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);

  // A retry after the decision was written: repeat it, finish what the earlier attempt left undone.
  if (incident.confirmation) {
    if (!incident.confirmation.confirmed) await recordFalseAlarm(deps, incident, input, incident.confirmation);
    else if (!(await deps.store.timeline(incidentId)).some((e) => e.type === 'OUTAGE_CONFIRMED')) {
      await recordConfirmed(deps, input, incident.confirmation, incident);
    }
    return incident.confirmation;
  }

  const facts = await check(deps, input, findCache(deps.caches, input.cacheId));
  // The group goes on the record with the decision, before a false alarm releases the lock that names it.
  const groupId = await groupOf(deps.store, incident);
  if (facts.confirmed) {
    await deps.store.updateIncident(incidentId, { confirmation: facts, confirmedAt: facts.at, groupId });
    await recordConfirmed(deps, input, facts, { ...incident, groupId });
    return facts;
  }
  await deps.store.updateIncident(incidentId, { confirmation: facts, groupId });
  await recordFalseAlarm(deps, { ...incident, groupId }, input, facts);
  return facts;
}

async function recordConfirmed(
  deps: ConfirmOutageDeps,
  input: ConfirmInput,
  facts: ConfirmationFacts,
  incident: Incident,
): Promise<void> {
  await markGroupMember(deps.store, incident, 'CONFIRMED');
  await addTimeline(
    deps,
    input.incidentId,
    'OUTAGE_CONFIRMED',
    `outage confirmed: ${facts.endpoint} through ${facts.through} did not answer PING ${facts.pings.length} of ${deps.confirmation.pings} from ${facts.from}: ${facts.error ?? 'no answer'}`,
    { ...factsDetail(facts), alarm: input.trigger.alarmName },
  );
}

async function check(deps: ConfirmOutageDeps, input: ConfirmInput, cache: ProtectedCache): Promise<ConfirmationFacts> {
  const recorded = await deps.endpoints.read(cache.endpointParameter);
  const endpoint = recorded ?? cache.endpoint;
  const through = recorded
    ? `the endpoint record ${cache.endpointParameter}`
    : `the configured endpoint (${cache.endpointParameter} is empty)`;
  const authToken = await authTokenFor(cache, deps.secrets);
  const { seconds, pings: count } = deps.confirmation;
  const intervalMs = count > 1 ? (seconds * 1000) / (count - 1) : 0;
  const start = deps.clock.now().getTime();
  const pings: ConfirmationPing[] = [];
  let error: string | undefined;

  // PINGs that answer slowly must not stretch the check past the window (and the function's
  // timeout): no PING starts after the window's end, so the check lasts at most the window
  // plus one PING timeout.
  const windowEnd = start + seconds * 1000;
  for (let i = 0; i < count; i++) {
    const due = start + i * intervalMs;
    const wait = due - deps.clock.now().getTime();
    if (wait > 0) await deps.sleep(wait);
    if (i > 0 && deps.clock.now().getTime() > windowEnd) break;
    const at = deps.clock.now().toISOString();
    const outcome = await deps.probe.ping(endpoint, {
      timeoutMs: deps.probeTimeoutMs,
      ...(authToken ? { authToken } : {}),
    });
    if (outcome.ok) {
      pings.push({ at, ok: true, latencyMs: outcome.latencyMs });
    } else {
      pings.push({ at, ok: false, error: outcome.error });
      error = outcome.error;
      break;
    }
  }

  const at = deps.clock.now().toISOString();
  const alarmAt = Date.parse(input.trigger.stateChangeTime);
  return {
    confirmed: error !== undefined,
    endpoint: describeEndpoint(endpoint),
    through,
    from: `the workflow's confirm-outage function in ${deps.region}`,
    auth: authToken !== undefined,
    windowSeconds: seconds,
    pings,
    ...(error !== undefined ? { error } : {}),
    at,
    ...(Number.isNaN(alarmAt)
      ? {}
      : {
          alarmAt: new Date(alarmAt).toISOString(),
          alarmToDecisionSeconds: Math.max(0, Math.round((Date.parse(at) - alarmAt) / 1000)),
        }),
  };
}

/** Status, lock, operators' message, timeline: each step idempotent, so a retry finishes what is left. */
async function recordFalseAlarm(
  deps: ConfirmOutageDeps,
  incident: Incident,
  input: ConfirmInput,
  facts: ConfirmationFacts,
): Promise<void> {
  const { incidentId, cacheId, trigger } = input;
  if (incident.status !== 'FALSE_ALARM') {
    await deps.store.updateIncident(incidentId, { status: 'FALSE_ALARM', falseAlarmAt: facts.at });
  }
  const group = await markGroupMember(deps.store, incident, 'FALSE_ALARM');
  // The other members' notices no longer wait for this cache: the ones now due go out.
  await settleAfterLeaving(deps, group, incidentId);
  // The caches of the group resolved before may have waited on this one to tell the operators.
  await tellGroupAfterLeaving(deps, group, incidentId);
  // Released so that a real outage a minute later opens a new incident.
  await deps.store.releaseOpenLock(cacheId, incidentId);

  if ((await deps.store.claimNotice(incidentId, FALSE_ALARM_MARKER)) === 'sent') {
    // The message went out; an earlier attempt may have stopped before its timeline entry.
    if (!(await deps.store.timeline(incidentId)).some((e) => e.type === 'FALSE_ALARM')) {
      await addFalseAlarmTimeline(deps, input, facts);
    }
    return;
  }
  const { subject, text } = falseAlarmMessage(input, facts, consoleLink(deps.notices.consoleUrl, incidentId));
  const { messageId } = await deps.notifier.publishOperators({
    kind: 'info',
    incidentId,
    cacheId,
    subject,
    text,
    facts: { outcome: 'FALSE_ALARM', alarm: trigger.alarmName, alarmReason: trigger.reason, ...factsDetail(facts) },
  });
  await deps.store.confirmNotice(incidentId, FALSE_ALARM_MARKER, messageId, { subject, text });
  await addFalseAlarmTimeline(deps, input, facts, messageId);
}

async function addFalseAlarmTimeline(
  deps: ConfirmOutageDeps,
  input: ConfirmInput,
  facts: ConfirmationFacts,
  messageId?: string,
): Promise<void> {
  const alarm = input.trigger.alarmName;
  await addTimeline(
    deps,
    input.incidentId,
    'FALSE_ALARM',
    `false alarm: ${facts.endpoint} through ${facts.through} answered ${facts.pings.length} of ${facts.pings.length} PINGs over ${facts.windowSeconds} s; alarm ${alarm}; no customer notice`,
    { ...factsDetail(facts), alarm, ...(messageId ? { messageId } : {}) },
  );
}

function factsDetail(facts: ConfirmationFacts): Record<string, unknown> {
  return {
    endpoint: facts.endpoint,
    through: facts.through,
    from: facts.from,
    auth: facts.auth,
    windowSeconds: facts.windowSeconds,
    pings: facts.pings.length,
    answered: facts.pings.filter((p) => p.ok).length,
    ...(facts.error !== undefined ? { error: facts.error } : {}),
    ...(facts.alarmToDecisionSeconds !== undefined ? { alarmToDecisionSeconds: facts.alarmToDecisionSeconds } : {}),
  };
}

function falseAlarmMessage(
  input: ConfirmInput,
  facts: ConfirmationFacts,
  link: string | undefined,
): { subject: string; text: string } {
  const { incidentId, cacheId, trigger } = input;
  const latencies = facts.pings.map((p) => `${p.latencyMs ?? '?'} ms`).join(', ');
  const lines = [
    `Incident ${incidentId}: alarm ${trigger.alarmName} reported cache ${cacheId} down, but the cache answered every check.`,
    `Alarm: ${trigger.alarmName} at ${trigger.stateChangeTime}${trigger.reason ? ` (${trigger.reason})` : ''}`,
    `Check: ${facts.pings.length} PINGs over ${facts.windowSeconds} s to ${facts.endpoint} through ${facts.through}${facts.auth ? ' with AUTH' : ''}, from ${facts.from}: all answered (${latencies}).`,
    'The incident is closed as a false alarm: no customer notice was sent and no recovery ran.',
    'What to do next:',
    `  - check why the alarm fired (its threshold, missing data, the probe's own network) so that it does not fire again`,
    ...(link ? [`  - open the incident: ${link}`] : []),
    `  - or from a terminal: cache-outage show ${incidentId}`,
  ];
  return { subject: `False alarm on cache ${cacheId}: ${trigger.alarmName}`.slice(0, 99), text: lines.join('\n') };
}
