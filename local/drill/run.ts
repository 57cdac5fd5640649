/**
 * The incident drill: stack up, seed realistic data, back it up to S3, change
 * some of it after the backup, break the cache, and watch the workflow detect,
 * decide, recover, cut over, rehydrate and resolve — then check every key.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import Redis from 'ioredis';
import type { Endpoint } from '../../functions/domain/caches';
import type { Incident, TimelineEvent } from '../../functions/domain/incident';
import { DynamoDbIncidentStore, documentClient } from '../../functions/adapters/dynamodb-incident-store';
import { SfnExecutionReader } from '../../functions/adapters/sfn-execution-reader';
import { SfnExecutionRedriver, SfnTaskResumer } from '../../functions/adapters/sfn-workflow';
import { decideApproval } from '../../functions/usecases/decide-approval';
import { redriveIncident } from '../../functions/usecases/redrive-incident';
import type { RedisProcess } from '../elasticache';
import { Faults, denied } from '../faults';
import { startStack, type LocalStack, type StackOptions } from '../stack';
import { probeAlarmName } from '../stack/alarms';
import { drillRecord, type DrillRecord } from './dataset';
import { SampleApp } from './sample-app';
import { expectsResolution, type Scenario } from './scenarios';
import { backupScenarioProblem, backupStage, type CorruptingProxy, type DrillBackups } from './backups';
import {
  CACHE_ID,
  ENDPOINT_PARAMETER,
  changeAfterBackup,
  interruptWith,
  prepareProtectedCache,
  sleep,
  until,
} from './setup';
import {
  hasStandby,
  lagAtOutage,
  standbyScenarioProblem,
  standbyStage,
  standbyTimeScale,
  type DrillStandby,
} from './standby';
import { writeDrillReport } from './report-files';
import { HttpSubscriber, type ReceivedNotification } from './subscriber';

export interface DrillOptions {
  scenario: Scenario;
  keys: number;
  /** Customizations written after the backup (default: 2% of the keys, at least 100). */
  changedAfterBackup?: number;
  /**
   * Wait for a person to approve in the console or CLI instead of approving as
   * "drill", and keep the stack and the console up after the incident ends,
   * until `signal` aborts, so the page being watched shows the end.
   */
  interactive?: boolean;
  /** The report, as soon as the incident ended (before an interactive drill waits for `signal`). */
  onReport?: (report: DrillReport) => Promise<void> | void;
  /** Live progress lines. */
  log?: (line: string) => void;
  /** Function log lines (JSON). */
  functionLog?: (fn: string, line: string) => void;
  stackOptions?: StackOptions;
  /** Called once the stack is up, e.g. to write .local/stack.json. */
  onStack?: (stack: LocalStack) => Promise<void> | void;
  timeoutMs?: number;
  /** Aborting stops the drill and cleans up everything it started. */
  signal?: AbortSignal;
}

/** The console's sign-in, coming back to the incident's page: `<console>/login?next=/incidents/<id>`. */
export function signInLink(consoleUrl: string, incidentId: string): string {
  return `${consoleUrl}/login?next=${encodeURIComponent(`/incidents/${incidentId}`).replaceAll('%2F', '/')}`;
}

/** Resolves once the signal aborts. */
const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

export interface DrillReport {
  scenario: Scenario;
  keys: number;
  changedAfterBackup: number;
  /** The backups the stack made before the outage, and the freshness alarm when one fired. */
  backups: DrillBackups;
  /** The warm standby and its mirror before the outage (standby scenarios). */
  standby?: DrillStandby;
  /** Keys written back from the source of truth (the REHYDRATED event). */
  rehydrated?: number;
  incidentId?: string;
  executionArn?: string;
  executionStatus?: string;
  executionError?: string;
  incident?: Incident & { outageSeconds?: number; degradedSeconds?: number };
  timeline: TimelineEvent[];
  notices: { stage: string; subject?: string; message: string; atMs: number }[];
  operatorMessages: { kind: string; subject?: string; message: string; atMs: number }[];
  states: { name: string; atMs: number }[];
  transitions: number;
  appOutageMs?: number;
  appEndpoints: string[];
  verification?: {
    checked: number;
    missing: number;
    wrong: number;
    /** Keys seeded with a TTL, and how many of them arrived without one. */
    withTtl: number;
    ttlLost: number;
    firstProblems: string[];
  };
  /**
   * Where the time to the first customer notice went: the alarm (from the moment the cache was broken), the
   * workflow's own confirmation, the notice.
   */
  detection?: {
    brokenToAlarmMs?: number;
    alarmToConfirmedMs?: number;
    /** Broken → outage confirmed: the detection time, after which the recovery starts. */
    brokenToConfirmedMs?: number;
    confirmedToFirstNoticeMs?: number;
    confirmationWindowMs?: number;
  };
  /** Replication groups that exist at the end and did not before the cache was broken. */
  cachesCreated: string[];
  phases: Record<string, number>;
  wallMs: number;
  ok: boolean;
  why: string;
}

/** Checks every key of the dataset on the endpoint: value and, where one was seeded, TTL. */
export async function verifyKeys(
  endpoint: Endpoint,
  authToken: string | undefined,
  tlsCa: string | undefined,
  keys: number,
  changed: Set<number>,
  seededAt: number,
): Promise<NonNullable<DrillReport['verification']>> {
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    ...(authToken ? { password: authToken } : {}),
    ...(endpoint.tls ? { tls: tlsCa ? { ca: tlsCa } : {} } : {}),
    lazyConnect: true,
  });
  await client.connect();
  const result = { checked: 0, missing: 0, wrong: 0, withTtl: 0, ttlLost: 0, firstProblems: [] as string[] };
  try {
    for (let start = 0; start < keys; start += 1000) {
      const batch: DrillRecord[] = [];
      for (let i = start; i < Math.min(keys, start + 1000); i += 1)
        batch.push(drillRecord(i, changed.has(i) ? 1 : 0, seededAt));
      const values = await client.mget(...batch.map((r) => r.key));
      const expiring = batch.filter((r) => r.expiresAt !== undefined);
      const ttls = expiring.length ? ((await client.pipeline(expiring.map((r) => ['pttl', r.key])).exec()) ?? []) : [];
      expiring.forEach((r, j) => {
        result.withTtl += 1;
        const pttl = Number(ttls[j]?.[1] ?? -2);
        if (pttl <= 0) {
          result.ttlLost += 1;
          if (result.firstProblems.length < 5) result.firstProblems.push(`${r.key} lost its TTL`);
        }
      });
      batch.forEach((r, j) => {
        result.checked += 1;
        const v = values[j];
        if (v === null || v === undefined) {
          result.missing += 1;
          if (result.firstProblems.length < 5) result.firstProblems.push(`${r.key} missing`);
        } else if (v !== r.value) {
          result.wrong += 1;
          if (result.firstProblems.length < 5) result.firstProblems.push(`${r.key} has a stale or wrong value`);
        }
      });
    }
  } finally {
    client.disconnect();
  }
  return result;
}

/** One command on the provider's cache, as its administrator would run it. */
async function providerCommand(endpoint: Endpoint, authToken: string | undefined, command: string[]): Promise<unknown> {
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    ...(authToken ? { password: authToken } : {}),
    lazyConnect: true,
  });
  await client.connect();
  try {
    const [name, ...args] = command;
    return await client.call(name as string, ...args);
  } finally {
    client.disconnect();
  }
}

/** Every replication group ElastiCache knows in the stack's region. */
export async function replicationGroups(stack: LocalStack): Promise<string[]> {
  const out = await stack.clients.elasticache.send(new DescribeReplicationGroupsCommand({}));
  return (out.ReplicationGroups ?? []).map((g) => g.ReplicationGroupId ?? '').filter(Boolean);
}

/** Alarm → confirmed (the workflow's own check) and confirmed → first customer notice, from the incident's record. */
export function detectionOf(
  incident: Incident | undefined,
  timeline: TimelineEvent[],
  brokeAt: number,
): DrillReport['detection'] {
  const confirmation = incident?.confirmation;
  if (!confirmation) return undefined;
  const alarmAt = confirmation.alarmAt ? Date.parse(confirmation.alarmAt) : undefined;
  const confirmedAt = incident.confirmedAt ? Date.parse(incident.confirmedAt) : undefined;
  const firstNotice = timeline.find((e) => e.type === 'NOTICE_SENT');
  return {
    ...(alarmAt !== undefined ? { brokenToAlarmMs: alarmAt - brokeAt } : {}),
    ...(alarmAt !== undefined && confirmedAt !== undefined ? { alarmToConfirmedMs: confirmedAt - alarmAt } : {}),
    ...(confirmedAt !== undefined ? { brokenToConfirmedMs: confirmedAt - brokeAt } : {}),
    ...(confirmedAt !== undefined && firstNotice
      ? { confirmedToFirstNoticeMs: Date.parse(firstNotice.at) - confirmedAt }
      : {}),
    confirmationWindowMs: confirmation.windowSeconds * 1000,
  };
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? (() => undefined);
  interruptWith(options.signal);
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  const mark = (name: string) => {
    phases[name] = Date.now() - t0;
  };
  const { scenario, keys } = options;
  if (scenario === 'provider-outage') throw new Error('provider-outage has its own runner: runProviderOutage');
  const changedCount = options.changedAfterBackup ?? Math.max(100, Math.floor(keys / 50));
  // ElastiCache groups here run without AUTH (an AUTH token needs TLS, which the seeding client does not speak).
  const withAuth = scenario !== 'promote' && scenario !== 'global-failover';
  const authToken = withAuth ? randomBytes(24).toString('hex') : undefined;
  const resolutionExpected = expectsResolution(scenario);
  // redrive: once the cache is set up, the endpoint record refuses writes (AccessDenied) until the drill "fixes" it.
  const faults = scenario === 'redrive' ? new Faults() : undefined;
  let allowWrites: (() => void) | undefined;

  const alarmTimeScale = 1 / 30;
  const scheduleScale = standbyTimeScale(scenario);
  const stack = await startStack({
    ...(faults ? { faults } : {}),
    alarmTimeScale,
    ...(scheduleScale ? { backupTimeScale: scheduleScale } : {}),
    // promote: ElastiCache's own failover completes after the workflow has assessed (it detects in ~4 s),
    // so Promote Replica finds automatic failover enabled and waits for it rather than promoting.
    ...(scenario === 'promote' ? { cacheFailoverDelayMs: 15_000 } : {}),
    ...options.stackOptions,
    environment: {
      SERVICE_NAME: 'Acme',
      SUPPORT_CONTACT: 'help@acme.example',
      POLL_INTERVAL_SECONDS: '1',
      // The confirmation window scaled down like the other timings: 3 PINGs over 2 s.
      CONFIRM_SECONDS: '2',
      CONFIRM_PINGS: '3',
      MAX_POLLS: '120',
      APPROVAL_TIMEOUT_SECONDS: scenario === 'approval-timeout' ? '8' : options.interactive ? '3600' : '300',
      APPROVAL_HEARTBEAT_SECONDS: scenario === 'approval-timeout' ? '4' : options.interactive ? '1800' : '120',
      APPROVAL_DEFAULT: scenario === 'approval-timeout' ? 'proceed' : 'abort',
      REQUIRE_APPROVAL_FOR: 'PROVISION_FROM_BACKUP,GLOBAL_FAILOVER',
      // The times operators read, in the zone of the post-mortem's team unless the caller names one.
      OPERATOR_TIME_ZONE: process.env.OPERATOR_TIME_ZONE || 'America/New_York',
      ...options.stackOptions?.environment,
    },
    ...(options.functionLog ? { onLog: options.functionLog } : {}),
  });
  mark('stackUp');
  log(`stack up in ${phases.stackUp} ms`);
  const consoleUrl = stack.description.consoleUrl;
  if (consoleUrl)
    log(
      `operator console: ${consoleUrl}${stack.description.identity ? ` (local sign-in: ${stack.description.identity.loginUrl})` : ''}`,
    );
  const subscriber = new HttpSubscriber();
  let provider: RedisProcess | undefined;
  let providerDir: string | undefined;
  let proxy: CorruptingProxy | undefined;
  let app: SampleApp | undefined;
  try {
    await options.onStack?.(stack);
    const { clients, description } = stack;
    await subscriber.start();
    await subscriber.subscribe(clients.sns, description.topics.status);
    await subscriber.subscribe(clients.sns, description.topics.operators);
    const startedAt = Date.now();
    subscriber.onNotification((n) => {
      const kind = n.attributes.stage ?? n.attributes.kind ?? '';
      const who = n.topicArn === description.topics.status ? 'subscribers' : 'operators';
      log(`  ✉  ${who} ← [${kind}] ${n.subject ?? ''}`);
    });

    const prepared = await prepareProtectedCache(stack, {
      scenario,
      keys,
      changed: changedCount,
      authToken,
      log,
      mark,
    });
    provider = prepared.provider;
    providerDir = prepared.providerDir;
    proxy = prepared.proxy;
    const { replicationGroupId } = prepared;

    const tlsCa = stack.elasticache.tlsCa?.pem;
    app = new SampleApp({
      ssm: clients.ssm,
      endpointParameter: ENDPOINT_PARAMETER,
      ...(authToken ? { authToken } : {}),
      ...(tlsCa ? { tlsCa } : {}),
      keys,
    });
    app.start();

    // Monitoring: warm the probe, then let the alarm see a healthy baseline.
    await stack.lambda.invoke('probe', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    const monitoringFrom = Date.now();
    stack.startMonitoring();
    const alarmName = probeAlarmName('cache-outage-workflow', CACHE_ID);
    await until('a healthy baseline', 20_000, async () =>
      stack.cloudwatch.stateOf(alarmName) === 'OK' ? true : undefined,
    );
    log('probe baseline: cache reachable, alarm OK');
    const backups = await backupStage(stack, {
      scenario,
      cacheId: CACHE_ID,
      scheduleStartedAt: monitoringFrom,
      ...(prepared.proxy ? { proxy: prepared.proxy } : {}),
      testRestore: prepared.cache.backup?.testRestore.enabled ?? false,
      ...(provider ? { provider: (command) => providerCommand(prepared.endpoint, authToken, command) } : {}),
      operatorsMessage: (subject, timeoutMs) =>
        until(`an operators' message "${subject.source}"`, timeoutMs, async () => {
          const n = subscriber.received.find(
            (m) => m.topicArn === description.topics.operators && subject.test(m.subject ?? ''),
          );
          return n ? { atMs: n.receivedAt - t0, subject: n.subject ?? '' } : undefined;
        }),
      log,
    });
    mark('backedUp');
    let standby = hasStandby(scenario)
      ? await standbyStage(stack, {
          scenario,
          cacheId: CACHE_ID,
          scheduleStartedAt: monitoringFrom,
          timeScale: scheduleScale ?? alarmTimeScale,
          t0,
          operatorsMessage: (subject, timeoutMs, since) =>
            until(`an operators' message "${subject.source}"`, timeoutMs, async () => {
              const n = subscriber.received.find(
                (m) =>
                  m.topicArn === description.topics.operators && m.receivedAt >= since && subject.test(m.subject ?? ''),
              );
              return n ? { atMs: n.receivedAt - t0, subject: n.subject ?? '' } : undefined;
            }),
          log,
        })
      : undefined;
    if (standby) mark('mirrored');
    const changedSet = await changeAfterBackup(stack, prepared, {
      keys,
      changed: changedCount,
      authToken,
      log,
      mark,
    });
    await until('the endpoint subscriptions', 10_000, async () => (subscriber.confirmations >= 2 ? true : undefined));

    allowWrites = faults?.fail('ssm', 'PutParameter', denied('ssm', 'PutParameter'));
    if (faults) log('🔒 the endpoint record now refuses writes (AccessDenied)');

    const groupsBefore = await replicationGroups(stack);
    // Break it.
    const brokeAt = Date.now();
    mark('broken');
    if (standby) standby = lagAtOutage(standby, brokeAt, scheduleScale ?? alarmTimeScale);
    if (scenario === 'false-alarm') {
      // The cache stays healthy; its alarm fires anyway, as a one-off probe failure or a mis-set alarm makes it do.
      stack.cloudwatch.setAlarmState(
        alarmName,
        'ALARM',
        'Threshold Crossed: 2 out of the last 3 datapoints [0.0, 0.0, 1.0] were less than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
        JSON.stringify({ version: '1.0', statistic: 'Minimum', period: 60, recentDatapoints: [0, 0, 1], threshold: 1 }),
      );
      log('💥 the alarm fired, but the cache is fine (a one-off probe failure)');
    } else if (scenario === 'promote') {
      const primary = stack.elasticache.nodeProcesses(replicationGroupId as string).find((n) => n.role === 'primary');
      if (!primary) throw new Error('no primary node to kill');
      process.kill(primary.pid, 'SIGKILL');
      log(`💥 killed primary node ${primary.cacheClusterId} (pid ${primary.pid})`);
    } else if (scenario === 'global-failover') {
      const nodes = stack.elasticache.nodeProcesses(replicationGroupId as string);
      for (const node of nodes) process.kill(node.pid, 'SIGKILL');
      log(
        `💥 the primary region's cache died: killed every node of ${replicationGroupId as string} (${nodes.map((n) => n.cacheClusterId).join(', ')})`,
      );
    } else if (scenario === 'recovers') {
      process.kill((provider as RedisProcess).pid, 'SIGSTOP');
      log('💥 the provider stopped answering (process paused)');
    } else {
      const p = provider as RedisProcess;
      process.kill(p.pid, 'SIGKILL');
      await p.exited;
      log('💥 the provider lost the whole cache (process killed)');
    }

    // Detection → alarm → execution.
    const execution = await until('an execution', 60_000, async () => {
      const out = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: description.stateMachineArn }));
      return out.executions?.[0];
    });
    mark('executionStarted');
    log(`🚨 alarm → execution ${execution.name} after ${((Date.now() - brokeAt) / 1000).toFixed(1)} s`);
    // Approvals: the drill approves as "drill" unless a person is to decide.
    const store = new DynamoDbIncidentStore({
      tableName: description.tables.incidents,
      client: documentClient(clients.dynamodb),
    });
    if (consoleUrl) {
      // The incident's page, once its record exists: where a person follows it.
      const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
      const openedId = (JSON.parse(described.input ?? '{}') as { incidentId?: string }).incidentId;
      if (openedId)
        void until('the incident record', 60_000, async () => ((await store.getIncident(openedId)) ? true : undefined))
          .then(() => log(`  🔗 follow the incident in the console: ${signInLink(consoleUrl, openedId)}`))
          .catch(() => undefined);
    }
    if (scenario === 'recovers') {
      // The provider comes back once the workflow has seen the outage itself: customers are told.
      const started = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
      const id = (JSON.parse(started.input ?? '{}') as { incidentId?: string }).incidentId ?? '';
      await until('the outage to be confirmed', 60_000, async () =>
        (await store.getIncident(id))?.confirmedAt ? true : undefined,
      );
      process.kill((provider as RedisProcess).pid, 'SIGCONT');
      log('the provider answers again');
    }
    const resumer = new SfnTaskResumer({ client: clients.sfn });
    const decided = new Set<string>();
    subscriber.onNotification((n: ReceivedNotification) => {
      if (n.attributes.kind !== 'approval-request') return;
      const incidentId = n.attributes.incidentId ?? '';
      if (options.interactive) {
        if (consoleUrl)
          log(
            `  ⏳ waiting for an operator: sign in and approve in the console: ${signInLink(consoleUrl, incidentId)}`,
          );
        log(`  ⏳ waiting for an operator: npx cache-outage approve ${incidentId} --local --reason "…"`);
        return;
      }
      if (scenario === 'approval-timeout' || decided.has(incidentId)) return;
      decided.add(incidentId);
      const reject = scenario === 'reject';
      void decideApproval(
        { store, resumer, clock: { now: () => new Date() } },
        {
          incidentId,
          step: 'recovery-plan',
          decision: reject ? 'reject' : 'approve',
          decidedBy: 'drill',
          reason: reject ? 'drill: rejecting to exercise the escalation path' : 'drill: automatic approval',
        },
      ).then(
        (d) => log(`  ✔ ${d.status.toLowerCase()} by ${d.decidedBy}`),
        (err: Error) => log(`  ✖ decision failed: ${err.message}`),
      );
    });

    // Follow the execution live.
    const states: DrillReport['states'] = [];
    let seen = 0;
    const follow = () =>
      until(
        'the execution to finish',
        options.timeoutMs ?? 240_000,
        async () => {
          const history = await clients.sfn.send(
            new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }),
          );
          const events: HistoryEvent[] = history.events ?? [];
          for (const e of events.slice(seen)) {
            if (e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name) {
              const atMs = Date.now() - startedAt;
              states.push({ name: e.stateEnteredEventDetails.name, atMs });
              log(`  [${((Date.now() - brokeAt) / 1000).toFixed(1).padStart(5)} s] ${e.stateEnteredEventDetails.name}`);
            }
          }
          seen = events.length;
          const d: DescribeExecutionCommandOutput = await clients.sfn.send(
            new DescribeExecutionCommand({ executionArn: execution.executionArn }),
          );
          return d.status && d.status !== 'RUNNING' ? d : undefined;
        },
        250,
      );
    let finished = await follow();
    if (scenario === 'redrive' && finished.status === 'FAILED') {
      log(`  ✖ execution stopped: ${finished.error ?? ''}`);
      await until('the escalation', 30_000, async () =>
        subscriber.received.some((n) => n.attributes.kind === 'escalation') ? true : undefined,
      );
      allowWrites?.();
      log('🔧 the endpoint record accepts writes again: continuing the workflow (as `cache-outage redrive` does)');
      const redriven = await redriveIncident(
        {
          store,
          executions: new SfnExecutionReader({ client: clients.sfn }),
          redriver: new SfnExecutionRedriver({ client: clients.sfn }),
          clock: { now: () => new Date() },
        },
        {
          incidentId: (JSON.parse(finished.input ?? '{}') as { incidentId?: string }).incidentId ?? '',
          requestedBy: 'drill',
          reason: 'drill: the endpoint record accepts writes again',
        },
      );
      log(`  ↻ continues from ${redriven.continuesAt ?? '?'}`);
      finished = await follow();
    }
    mark('executionFinished');
    if (finished.status === 'FAILED') {
      // Stopped: the escalation (Escalate, or the execution's status event a moment after the execution ends).
      await until('the escalation', 30_000, async () =>
        subscriber.received.some((n) => n.attributes.kind === 'escalation') ? true : undefined,
      );
    }
    await stack.sns.idle();
    await sleep(300);
    await app.stop();

    const incidentId = (JSON.parse(finished.input ?? '{}') as { incidentId?: string }).incidentId;
    const incident = incidentId ? ((await store.getIncident(incidentId)) as DrillReport['incident']) : undefined;
    const timeline = incidentId ? await store.timeline(incidentId) : [];

    let verification: DrillReport['verification'];
    if (finished.status === 'SUCCEEDED') {
      const record = await clients.ssm.send(new GetParameterCommand({ Name: ENDPOINT_PARAMETER }));
      const current = JSON.parse(record.Parameter?.Value ?? '{}') as Endpoint;
      verification = await verifyKeys(
        current,
        authToken,
        stack.elasticache.tlsCa?.pem,
        keys,
        changedSet,
        prepared.seededAt,
      );
      mark('verified');
    }
    const notices = subscriber.received
      .filter((n) => n.topicArn === description.topics.status)
      .map((n) => ({
        stage: n.attributes.stage ?? '',
        ...(n.subject ? { subject: n.subject } : {}),
        message: n.message,
        atMs: n.receivedAt - brokeAt,
      }));
    const operatorMessages = subscriber.received
      .filter((n) => n.topicArn === description.topics.operators)
      .map((n) => ({
        kind: n.attributes.kind ?? '',
        ...(n.subject ? { subject: n.subject } : {}),
        message: n.message,
        atMs: n.receivedAt - brokeAt,
      }));
    const cachesCreated = (await replicationGroups(stack)).filter((g) => !groupsBefore.includes(g));
    const detection = detectionOf(incident, timeline, brokeAt);
    const rehydratedEvent = timeline.find((e) => e.type === 'REHYDRATED');
    const rehydrated = (rehydratedEvent?.detail as { written?: number } | undefined)?.written;
    const resolved = finished.status === 'SUCCEEDED' && incident?.status === 'RESOLVED';
    const lost = verification ? verification.missing + verification.wrong + verification.ttlLost : undefined;
    let ok: boolean;
    let why: string;
    if (scenario === 'false-alarm') {
      const told = operatorMessages.filter((m) => m.kind === 'info');
      ok =
        finished.status === 'SUCCEEDED' &&
        incident?.status === 'FALSE_ALARM' &&
        notices.length === 0 &&
        operatorMessages.length === 1 &&
        told.length === 1 &&
        cachesCreated.length === 0 &&
        lost === 0;
      why = ok
        ? `false alarm: incident FALSE_ALARM, 0 customer notices, 1 operators' message, no cache created, ${verification?.checked ?? 0} keys intact`
        : `expected a false alarm: execution ${finished.status}, incident ${incident?.status ?? 'missing'}, ${notices.length} customer notices, ${operatorMessages.length} operators' messages, caches created ${cachesCreated.join(', ') || 'none'}, keys lost ${lost ?? 'unchecked'}`;
    } else if (resolutionExpected) {
      const backupProblem =
        backupScenarioProblem(scenario, backups, timeline, notices[0]?.atMs) ??
        standbyScenarioProblem(scenario, standby, {
          timeline,
          brokeAtMs: brokeAt - t0,
          appEndpoints: app.observation.endpointsSeen,
          ...(prepared.standbyEndpoint ? { standbyEndpoint: prepared.standbyEndpoint } : {}),
        });
      // The operators hear once that the cache is back, with its report.
      const told = operatorMessages.filter((m) => m.kind === 'resolved').length;
      ok = resolved && lost === 0 && notices[0]?.stage === 'INVESTIGATING' && backupProblem === undefined && told === 1;
      why = ok
        ? `resolved, ${verification?.checked ?? 0} keys checked (${verification?.withTtl ?? 0} with a TTL), 0 lost, operators told once`
        : `expected resolution: execution ${finished.status}, incident ${incident?.status ?? 'missing'}, keys lost ${lost ?? 'unchecked'}, operators told ${told} times${backupProblem ? `, ${backupProblem}` : ''}`;
    } else {
      const escalated = operatorMessages.some((m) => m.kind === 'escalation');
      // The refusal that stopped the restore reaches the operators, in S3's own words.
      const refusalShown =
        scenario !== 'restore-external-no-acls' ||
        operatorMessages.some((m) => m.kind === 'escalation' && m.message.includes('AccessControlListNotSupported'));
      ok = finished.status === 'FAILED' && incident?.status === 'FAILED' && escalated && refusalShown;
      why = ok
        ? `ended as expected: incident failed and operators escalated (${finished.error ?? ''})`
        : `expected a failed, escalated incident: execution ${finished.status}, incident ${incident?.status ?? 'missing'}, escalated ${escalated}, refusal shown ${refusalShown}`;
    }
    const appOutageMs = app.outageMs();
    const report: DrillReport = {
      scenario,
      keys,
      changedAfterBackup: changedSet.size,
      backups,
      ...(standby ? { standby } : {}),
      ...(rehydrated !== undefined ? { rehydrated } : {}),
      ...(incidentId ? { incidentId } : {}),
      executionArn: execution.executionArn as string,
      ...(finished.status ? { executionStatus: finished.status } : {}),
      ...(finished.error ? { executionError: finished.error } : {}),
      ...(incident ? { incident } : {}),
      timeline,
      notices,
      operatorMessages,
      states,
      transitions: states.length,
      ...(appOutageMs !== undefined ? { appOutageMs } : {}),
      appEndpoints: app.observation.endpointsSeen,
      ...(verification ? { verification } : {}),
      ...(detection ? { detection } : {}),
      cachesCreated,
      phases,
      wallMs: Date.now() - t0,
      ok,
      why,
    };
    await writeDrillReport(stack, incidentId, log);
    await options.onReport?.(report);
    if (options.interactive && options.signal) {
      log(`The console stays up at ${consoleUrl ?? '(no console)'} — press Ctrl-C to stop.`);
      await aborted(options.signal);
      log('stopping…');
    }
    return report;
  } finally {
    await app?.stop().catch(() => undefined);
    await subscriber.stop().catch(() => undefined);
    if (provider) {
      try {
        process.kill(provider.pid, 'SIGCONT');
      } catch {
        // already gone
      }
      await provider.stop().catch(() => undefined);
    }
    await proxy?.stop().catch(() => undefined);
    if (providerDir) await rm(providerDir, { recursive: true, force: true });
    await stack.stop();
  }
}
