/**
 * The provider-outage drill: one provider hosts N protected caches and loses
 * them all at once. Each cache has its own incident, execution and recovery;
 * the incidents join one group, customers hear once per stage and operators
 * are asked once. The drill checks every key of every cache afterwards.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { Endpoint } from '../../functions/domain/caches';
import type { IncidentGroup } from '../../functions/domain/groups';
import { durationsOf, type Incident, type TimelineEvent } from '../../functions/domain/incident';
import { DynamoDbIncidentStore, documentClient } from '../../functions/adapters/dynamodb-incident-store';
import { SfnTaskResumer } from '../../functions/adapters/sfn-workflow';
import { decideApproval, decideGroupApproval } from '../../functions/usecases/decide-approval';
import { startStack, type LocalStack, type StackOptions } from '../stack';
import { probeAlarmName } from '../stack/alarms';
import { awaitBackupRun, describeRun } from './backups';
import { detectionOf, replicationGroups, verifyKeys, type DrillReport } from './run';
import { SampleApp } from './sample-app';
import {
  SOURCE_TABLE,
  changeAfterBackup,
  interruptWith,
  prepareProtectedCache,
  sleep,
  until,
  type CacheNames,
  type PreparedCache,
} from './setup';
import { HttpSubscriber } from './subscriber';

export const PROVIDER = 'acme-redis';
export const CACHES = { default: 3, min: 2, max: 8 } as const;
/** Keys per cache by default: N caches, their N providers and 2N replacement nodes share the machine. */
export const PROVIDER_OUTAGE_KEYS = 20_000;
const STAGES = ['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED'];

export interface ProviderOutageOptions {
  caches: number;
  /** Keys per cache. */
  keys: number;
  /** Customizations written after the backup (default: 2% of the keys, at least 100). */
  changedAfterBackup?: number;
  onReport?: (report: ProviderOutageReport) => Promise<void> | void;
  log?: (line: string) => void;
  functionLog?: (fn: string, line: string) => void;
  stackOptions?: StackOptions;
  onStack?: (stack: LocalStack) => Promise<void> | void;
  /** How long the recoveries may take once the providers died. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface MemberReport {
  cacheId: string;
  incidentId?: string;
  executionArn?: string;
  executionStatus?: string;
  executionError?: string;
  incident?: Incident;
  timeline: TimelineEvent[];
  /** Broken → outage confirmed by the cache's own workflow. */
  detectionMs?: number;
  outageSeconds?: number;
  degradedSeconds?: number;
  verification?: DrillReport['verification'];
  appOutageMs?: number;
  appEndpoints: string[];
}

/** The group's timings for the closing note, in ms. */
export interface GroupTimings {
  /** First alarm to last alarm of the group's members. */
  alarmSpreadMs?: number;
  firstConfirmedToInvestigatingMs?: number;
  /** First approval request to the last decision. */
  requestToDecisionMs?: number;
  lastCutOverToPartiallyRestoredMs?: number;
  lastVerifiedToResolvedMs?: number;
  /** Providers killed → RESOLVED notice. */
  brokenToResolvedMs?: number;
}

export interface ProviderOutageReport {
  scenario: 'provider-outage';
  caches: number;
  keys: number;
  changedAfterBackup: number;
  backups: string[];
  groupIds: string[];
  group?: IncidentGroup;
  members: MemberReport[];
  notices: { stage: string; subject?: string; atMs: number }[];
  operatorMessages: { kind: string; subject?: string; atMs: number }[];
  cachesCreated: string[];
  timings: GroupTimings;
  checks: { what: string; ok: boolean; saw: string }[];
  phases: Record<string, number>;
  wallMs: number;
  ok: boolean;
  why: string;
}

export function cacheNames(i: number): CacheNames {
  const cacheId = `accounts-${i}`;
  return {
    cacheId,
    endpointParameter: `/cache-outage/${cacheId}/endpoint`,
    authParameter: `/cache-outage/${cacheId}/auth-token`,
    sourceTable: SOURCE_TABLE,
    provider: PROVIDER,
  };
}

type Approver = { store: DynamoDbIncidentStore; resumer: SfnTaskResumer };

/**
 * Decides as "drill" what an approval request on the operators' topic asks:
 * the whole group when the request is the group's, else the one incident it
 * names (a cache asked about on its own). Returns the incidents it decided.
 */
async function approveRequest(
  deps: Approver,
  request: { groupId?: string; incidentId: string; members?: string[] },
): Promise<string[]> {
  const clock = { now: () => new Date() };
  const decision = { step: 'recovery-plan', decision: 'approve', decidedBy: 'drill' } as const;
  if (request.groupId && request.groupId === request.incidentId) {
    const decided: string[] = [];
    // A cache an error kept from being decided is decided again, as an operator would retry.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const out = await decideGroupApproval(
        { ...deps, clock },
        {
          ...decision,
          groupId: request.groupId,
          reason: 'drill: automatic approval of the group',
          // What the request asked about, as an operator reading it decides: a cache it left out stays waiting.
          ...(request.members ? { only: request.members } : {}),
        },
      );
      decided.push(...out.decided.map((d) => d.incidentId));
      if (!out.undecided.length) break;
      await sleep(1000);
    }
    return decided;
  }
  const out = await decideApproval(
    { ...deps, clock },
    { ...decision, incidentId: request.incidentId, reason: 'drill: automatic approval' },
  );
  return [out.incidentId];
}

/** The incidents an approval request on the operators' topic asks about (its `facts.members`), from its JSON body. */
export function membersAsked(body: string): string[] | undefined {
  try {
    const doc = JSON.parse(body) as { facts?: { members?: { incidentId?: unknown }[] } };
    const ids = doc.facts?.members?.flatMap((m) => (typeof m.incidentId === 'string' ? [m.incidentId] : []));
    return ids?.length ? ids : undefined;
  } catch {
    return undefined;
  }
}

const last = (times: number[]) => (times.length ? Math.max(...times) : undefined);
const first = (times: number[]) => (times.length ? Math.min(...times) : undefined);
const between = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined ? to - from : undefined;
const eventTimes = (members: MemberReport[], type: TimelineEvent['type']) =>
  members.flatMap((m) => m.timeline.filter((e) => e.type === type).map((e) => Date.parse(e.at)));

function timingsOf(
  members: MemberReport[],
  group: IncidentGroup | undefined,
  notices: ProviderOutageReport['notices'],
  brokeAt: number,
): GroupTimings {
  const sent = (stage: string) => {
    const claim = group?.claims?.[stage as keyof NonNullable<IncidentGroup['claims']>];
    if (claim?.sentAt) return Date.parse(claim.sentAt);
    const n = notices.find((x) => x.stage === stage);
    return n ? brokeAt + n.atMs : undefined;
  };
  const alarms = group
    ? Object.values(group.members).map((m) => Date.parse(m.joinedAt))
    : members.flatMap((m) => (m.incident?.confirmation?.alarmAt ? [Date.parse(m.incident.confirmation.alarmAt)] : []));
  const confirmed = members.flatMap((m) => (m.incident?.confirmedAt ? [Date.parse(m.incident.confirmedAt)] : []));
  const out: GroupTimings = {};
  const put = (k: keyof GroupTimings, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  put('alarmSpreadMs', between(first(alarms), last(alarms)));
  put('firstConfirmedToInvestigatingMs', between(first(confirmed), sent('INVESTIGATING')));
  put(
    'requestToDecisionMs',
    between(first(eventTimes(members, 'APPROVAL_REQUESTED')), last(eventTimes(members, 'APPROVED'))),
  );
  put('lastCutOverToPartiallyRestoredMs', between(last(eventTimes(members, 'CUT_OVER')), sent('PARTIALLY_RESTORED')));
  put('lastVerifiedToResolvedMs', between(last(eventTimes(members, 'DATA_VERIFIED')), sent('RESOLVED')));
  put('brokenToResolvedMs', between(brokeAt, sent('RESOLVED')));
  return out;
}

export async function runProviderOutage(options: ProviderOutageOptions): Promise<ProviderOutageReport> {
  const log = options.log ?? (() => undefined);
  const { caches: n, keys } = options;
  if (!Number.isInteger(n) || n < CACHES.min || n > CACHES.max)
    throw new Error(`caches must be an integer from ${CACHES.min} to ${CACHES.max}`);
  interruptWith(options.signal);
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  const mark = (name: string) => {
    phases[name] = Date.now() - t0;
  };
  const changedCount = options.changedAfterBackup ?? Math.max(100, Math.floor(keys / 50));
  const authToken = randomBytes(24).toString('hex');
  // As the single-cache drill runs: timings scaled down, approval required for a restore.
  const stack = await startStack({
    alarmTimeScale: 1 / 30,
    ...options.stackOptions,
    environment: {
      SERVICE_NAME: 'Acme',
      SUPPORT_CONTACT: 'help@acme.example',
      POLL_INTERVAL_SECONDS: '1',
      CONFIRM_SECONDS: '2',
      CONFIRM_PINGS: '3',
      MAX_POLLS: '120',
      APPROVAL_TIMEOUT_SECONDS: '300',
      APPROVAL_HEARTBEAT_SECONDS: '120',
      APPROVAL_DEFAULT: 'abort',
      REQUIRE_APPROVAL_FOR: 'PROVISION_FROM_BACKUP,GLOBAL_FAILOVER',
      OPERATOR_TIME_ZONE: process.env.OPERATOR_TIME_ZONE || 'America/New_York',
      ...options.stackOptions?.environment,
    },
    ...(options.functionLog ? { onLog: options.functionLog } : {}),
  });
  mark('stackUp');
  log(`stack up in ${phases.stackUp} ms`);
  const subscriber = new HttpSubscriber();
  const prepared: PreparedCache[] = [];
  const apps: SampleApp[] = [];
  try {
    await options.onStack?.(stack);
    const { clients, description } = stack;
    await subscriber.start();
    await subscriber.subscribe(clients.sns, description.topics.status);
    await subscriber.subscribe(clients.sns, description.topics.operators);
    subscriber.onNotification((m) => {
      const who = m.topicArn === description.topics.status ? 'subscribers' : 'operators';
      log(`  ✉  ${who} ← [${m.attributes.stage ?? m.attributes.kind ?? ''}] ${m.subject ?? ''}`);
    });

    // N caches of one provider, one redis-server each, one source of truth holding the dataset they all cache.
    for (let i = 1; i <= n; i += 1) {
      prepared.push(
        await prepareProtectedCache(stack, {
          scenario: 'provider-outage',
          keys,
          changed: changedCount,
          authToken,
          log,
          mark: () => undefined,
          names: cacheNames(i),
          seedSource: i === 1,
        }),
      );
    }
    stack.protect(prepared.map((p) => p.cache));
    mark('seeded');
    const tlsCa = stack.elasticache.tlsCa?.pem;
    for (let i = 1; i <= n; i += 1) {
      const app = new SampleApp({
        ssm: clients.ssm,
        endpointParameter: cacheNames(i).endpointParameter,
        authToken,
        ...(tlsCa ? { tlsCa } : {}),
        keys,
      });
      app.start();
      apps.push(app);
    }

    await stack.lambda.invoke('probe', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    const monitoringFrom = Date.now();
    stack.startMonitoring();
    const alarmNames = prepared.map((p) => probeAlarmName('cache-outage-workflow', p.cache.id));
    await until('a healthy baseline', 30_000, async () =>
      alarmNames.every((a) => stack.cloudwatch.stateOf(a) === 'OK') ? true : undefined,
    );
    mark('baseline');
    log(`probe baseline: ${n} caches reachable, alarms OK`);
    const backups: string[] = [];
    for (const p of prepared) {
      const run = await awaitBackupRun(stack, p.cache.id, monitoringFrom);
      if (run.outcome !== 'ok') throw new Error(`the scheduled backup of ${p.cache.id} failed: ${describeRun(run)}`);
      backups.push(`${p.cache.id}: ${describeRun(run)}`);
      log(`💾 ${p.cache.id}: ${describeRun(run)}`);
    }
    mark('backedUp');
    const changedSet = await changeAfterBackup(stack, prepared, {
      keys,
      changed: changedCount,
      authToken,
      log,
      mark,
    });
    await until('the endpoint subscriptions', 10_000, async () => (subscriber.confirmations >= 2 ? true : undefined));

    const groupsBefore = await replicationGroups(stack);
    // Break them all in the same tick.
    const brokeAt = Date.now();
    mark('broken');
    for (const p of prepared) if (p.provider) process.kill(p.provider.pid, 'SIGKILL');
    await Promise.all(prepared.map((p) => p.provider?.exited));
    log(`💥 provider ${PROVIDER} lost all ${n} caches at once (processes killed)`);

    const store = new DynamoDbIncidentStore({
      tableName: description.tables.incidents,
      client: documentClient(clients.dynamodb),
    });
    const approver: Approver = { store, resumer: new SfnTaskResumer({ client: clients.sfn }) };
    const incidentIds: string[] = [];
    let groupId: string | undefined;
    subscriber.onNotification((m) => {
      if (m.attributes.kind !== 'approval-request') return;
      const members = membersAsked(m.message);
      const request = {
        incidentId: m.attributes.incidentId ?? '',
        ...(m.attributes.groupId ? { groupId: m.attributes.groupId } : {}),
        ...(members ? { members } : {}),
      };
      approveRequest(approver, request).then(
        (ids) => {
          for (const id of ids) log(`  ✔ ${id}: approved by drill`);
        },
        (err: Error) => log(`  ✖ decision failed: ${err.message}`),
      );
    });

    const executions = await until(`${n} executions`, 90_000, async () => {
      const out = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: description.stateMachineArn }));
      return (out.executions?.length ?? 0) >= n ? out.executions : undefined;
    });
    mark('executionsStarted');
    log(`🚨 ${executions.length} executions after ${((Date.now() - brokeAt) / 1000).toFixed(1)} s`);
    const members: MemberReport[] = [];
    for (const e of executions) {
      const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      const input = JSON.parse(d.input ?? '{}') as { incidentId?: string; cacheId?: string; groupId?: string };
      if (input.incidentId) incidentIds.push(input.incidentId);
      groupId ??= input.groupId;
      members.push({
        cacheId: input.cacheId ?? '?',
        ...(input.incidentId ? { incidentId: input.incidentId } : {}),
        ...(e.executionArn ? { executionArn: e.executionArn } : {}),
        timeline: [],
        appEndpoints: [],
      });
    }
    members.sort((a, b) => a.cacheId.localeCompare(b.cacheId, 'en', { numeric: true }));

    // Follow the executions until every one has ended (the subscriber approves what the operators are asked).
    const seen = new Map<string, number>();
    await until(
      'the executions to finish',
      options.timeoutMs ?? 300_000,
      async () => {
        let running = 0;
        for (const m of members) {
          if (m.executionStatus && m.executionStatus !== 'RUNNING') continue;
          const arn = m.executionArn as string;
          const history = await clients.sfn.send(
            new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }),
          );
          const events = history.events ?? [];
          for (const e of events.slice(seen.get(arn) ?? 0))
            if (e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name)
              log(
                `  [${((Date.now() - brokeAt) / 1000).toFixed(1).padStart(5)} s] ${m.cacheId}: ${e.stateEnteredEventDetails.name}`,
              );
          seen.set(arn, events.length);
          const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
          if (d.status) m.executionStatus = d.status;
          if (d.error) m.executionError = d.error;
          if (d.status === 'RUNNING') running += 1;
        }
        return running === 0 ? true : undefined;
      },
      1000,
    );
    mark('executionsFinished');
    await stack.sns.idle();
    await sleep(300);
    await Promise.all(apps.map((a) => a.stop()));

    for (const m of members) {
      const p = prepared.find((x) => x.cache.id === m.cacheId);
      const app = apps[prepared.findIndex((x) => x.cache.id === m.cacheId)];
      if (m.incidentId) {
        const incident = await store.getIncident(m.incidentId);
        if (incident) m.incident = incident;
        m.timeline = await store.timeline(m.incidentId);
      }
      const detection = detectionOf(m.incident, m.timeline, brokeAt);
      if (detection?.brokenToConfirmedMs !== undefined) m.detectionMs = detection.brokenToConfirmedMs;
      const { outageSeconds, degradedSeconds } = m.incident ? durationsOf(m.incident) : {};
      if (outageSeconds !== undefined) m.outageSeconds = outageSeconds;
      if (degradedSeconds !== undefined) m.degradedSeconds = degradedSeconds;
      if (app) {
        const outage = app.outageMs();
        if (outage !== undefined) m.appOutageMs = outage;
        m.appEndpoints = app.observation.endpointsSeen;
      }
      if (m.executionStatus === 'SUCCEEDED' && p) {
        const record = await clients.ssm.send(new GetParameterCommand({ Name: p.cache.endpointParameter }));
        const current = JSON.parse(record.Parameter?.Value ?? '{}') as Endpoint;
        m.verification = await verifyKeys(current, authToken, tlsCa, keys, changedSet, p.seededAt);
      }
    }
    mark('verified');
    const groupIds = [...new Set(members.flatMap((m) => (m.incident?.groupId ? [m.incident.groupId] : [])))];
    const group = groupIds.length === 1 ? await store.getGroup(groupIds[0] as string, true) : undefined;
    const notices = subscriber.received
      .filter((m) => m.topicArn === description.topics.status)
      .map((m) => ({
        stage: m.attributes.stage ?? '',
        ...(m.subject ? { subject: m.subject } : {}),
        atMs: m.receivedAt - brokeAt,
      }));
    const operatorMessages = subscriber.received
      .filter((m) => m.topicArn === description.topics.operators)
      .map((m) => ({
        kind: m.attributes.kind ?? '',
        ...(m.subject ? { subject: m.subject } : {}),
        atMs: m.receivedAt - brokeAt,
      }));
    const cachesCreated = (await replicationGroups(stack)).filter((g) => !groupsBefore.includes(g)).sort();

    const requests = operatorMessages.filter((m) => m.kind === 'approval-request').length;
    const resolvedMessages = subscriber.received
      .filter((m) => m.topicArn === description.topics.operators && m.attributes.kind === 'resolved')
      .map((m) => ({ subject: m.subject ?? '', groupId: m.attributes.groupId }));
    const asked = subscriber.received
      .filter((m) => m.topicArn === description.topics.operators && m.attributes.kind === 'approval-request')
      .flatMap((m) => membersAsked(m.message) ?? [m.attributes.incidentId ?? '']);
    const lostOf = (m: MemberReport) =>
      m.verification ? m.verification.missing + m.verification.wrong + m.verification.ttlLost : undefined;
    const checks = [
      {
        what: `all ${n} executions SUCCEEDED`,
        ok: members.length === n && members.every((m) => m.executionStatus === 'SUCCEEDED'),
        saw: members
          .map((m) => `${m.cacheId} ${m.executionStatus ?? '?'}${m.executionError ? ` (${m.executionError})` : ''}`)
          .join(', '),
      },
      {
        what: 'every incident RESOLVED, in one group',
        ok: members.every((m) => m.incident?.status === 'RESOLVED') && groupIds.length === 1,
        saw: `${members.map((m) => `${m.cacheId} ${m.incident?.status ?? 'missing'}`).join(', ')}; groups ${groupIds.join(', ') || 'none'}`,
      },
      {
        what: 'each cache lost 0 keys and 0 TTLs',
        ok: members.every((m) => lostOf(m) === 0),
        saw: members.map((m) => `${m.cacheId} ${lostOf(m) ?? 'unchecked'}`).join(', '),
      },
      {
        what: `subscribers got exactly 4 notices: ${STAGES.join(', ')}`,
        ok: notices.map((x) => x.stage).join() === STAGES.join(),
        saw: notices.map((x) => x.stage).join(', ') || 'none',
      },
      {
        what: `the operators' topic got exactly 1 approval request, asking about all ${n} caches`,
        ok: requests === 1 && members.every((m) => m.incidentId !== undefined && asked.includes(m.incidentId)),
        saw: `${requests}, asking about ${asked.length}`,
      },
      {
        what: "the operators' topic got exactly 1 resolved message, for the group, once its last cache closed",
        ok: resolvedMessages.length === 1 && resolvedMessages[0]?.groupId === groupIds[0],
        saw: `${resolvedMessages.length}${resolvedMessages.length ? ` (${resolvedMessages.map((m) => m.subject).join('; ')})` : ''}`,
      },
      {
        what: `${n} replication groups created`,
        ok: cachesCreated.length === n,
        saw: cachesCreated.join(', ') || 'none',
      },
    ];
    const failed = checks.filter((c) => !c.ok);
    const report: ProviderOutageReport = {
      scenario: 'provider-outage',
      caches: n,
      keys,
      changedAfterBackup: changedSet.size,
      backups,
      groupIds,
      ...(group ? { group } : {}),
      members,
      notices,
      operatorMessages,
      cachesCreated,
      timings: timingsOf(members, group, notices, brokeAt),
      checks,
      phases,
      wallMs: Date.now() - t0,
      ok: failed.length === 0,
      why: failed.length
        ? failed.map((c) => `expected ${c.what}, saw ${c.saw}`).join('; ')
        : `${n} caches resolved in one group, ${n * keys} keys checked, 0 lost, 4 notices, 1 approval request, 1 resolved message`,
    };
    await options.onReport?.(report);
    return report;
  } finally {
    await Promise.all(apps.map((a) => a.stop().catch(() => undefined)));
    await subscriber.stop().catch(() => undefined);
    for (const p of prepared) {
      await p.provider?.stop().catch(() => undefined);
      if (p.providerDir) await rm(p.providerDir, { recursive: true, force: true });
    }
    await stack.stop();
  }
}
