/**
 * What the reliability tests share: a local stack with a protected cache
 * (seeded, backed up to S3), alarm deliveries in every shape AWS sends them,
 * automatic approval, and read-outs of incidents, executions, notices and
 * caches.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { INCIDENT_LIST } from '../../functions/adapters/dynamodb/layout';
import { DynamoDbIncidentStore, documentClient } from '../../functions/adapters/dynamodb-incident-store';
import { SfnTaskResumer } from '../../functions/adapters/sfn-workflow';
import type { ProtectedCache } from '../../functions/domain/caches';
import type { Incident, TimelineEvent } from '../../functions/domain/incident';
import { ApprovalAlreadyDecidedError } from '../../functions/domain/errors';
import { decideApproval, decideGroupApproval } from '../../functions/usecases/decide-approval';
import { cacheNames, membersAsked } from '../../local/drill/provider-outage';
import { backUpNow, backupMethodOf, describeRun } from '../../local/drill/backups';
import { changeAfterBackup, prepareProtectedCache, sleep, type PreparedCache } from '../../local/drill/setup';
import type { Scenario } from '../../local/drill/scenarios';
import type { FaultInjector } from '../../local/faults';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/service';
import type { ExecutionDescription } from '../../local/sfn';
import { startStack, type LocalStack } from '../../local/stack';

export const FULL = process.env.RELIABILITY_FULL === '1';

/** One measured figure, in a format the lead collects: `FIGURE <name>: <value>`. */
export function figure(name: string, value: string | number): void {
  console.log(`FIGURE ${name}: ${value}`);
}

export interface Harness {
  stack: LocalStack;
  prepared: PreparedCache;
  /** Every protected cache prepared: the drill's alone, or the caches of one provider (`providerCaches`). */
  caches: PreparedCache[];
  authToken: string;
  store: DynamoDbIncidentStore;
  logs: { fn: string; line: string }[];
  /** Errors thrown by on-alarm invocations and approval attempts, as text. */
  errors: string[];
  /** Runs when the harness stops, before the stack stops. */
  onStop(cleanup: () => Promise<void>): void;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  scenario?: Scenario;
  keys?: number;
  faults?: FaultInjector;
  environment?: Record<string, string>;
  /** More protected caches beside the drill's (no data, no backup). */
  extraCaches?: ProtectedCache[];
  /**
   * Instead of the drill's one cache, this many caches of one provider (`accounts-1…`, provider `acme-redis`,
   * as the provider-outage drill makes them): each seeded from one shared source table and backed up.
   */
  providerCaches?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logs: Harness['logs'] = [];
  const authToken = randomBytes(24).toString('hex');
  const stack = await startStack({
    waitScale: 0.05,
    onLog: (fn, line) => logs.push({ fn, line }),
    ...(options.faults ? { faults: options.faults } : {}),
    environment: {
      SERVICE_NAME: 'Acme',
      SUPPORT_CONTACT: 'help@acme.example',
      POLL_INTERVAL_SECONDS: '1',
      MAX_POLLS: '120',
      APPROVAL_TIMEOUT_SECONDS: '600',
      APPROVAL_HEARTBEAT_SECONDS: '300',
      APPROVAL_DEFAULT: 'abort',
      REQUIRE_APPROVAL_FOR: 'PROVISION_FROM_BACKUP,GLOBAL_FAILOVER',
      ALARM_MAX_AGE_SECONDS: '900',
      ...options.environment,
    },
  });
  const caches: PreparedCache[] = [];
  try {
    const keys = options.keys ?? 300;
    const changed = Math.max(10, Math.floor(keys / 10));
    const quiet = { keys, changed, authToken, log: () => undefined, mark: () => undefined };
    const count = options.providerCaches ?? 1;
    for (let i = 1; i <= count; i += 1) {
      caches.push(
        await prepareProtectedCache(stack, {
          ...quiet,
          scenario: options.providerCaches ? 'provider-outage' : (options.scenario ?? 'restore'),
          ...(options.providerCaches ? { names: cacheNames(i), seedSource: i === 1 } : {}),
        }),
      );
    }
    if (options.providerCaches || options.extraCaches?.length)
      stack.protect([...caches.map((c) => c.cache), ...(options.extraCaches ?? [])]);
    // The backup a restore seeds from, made by the stack's backup function, then changes it lacks.
    if (options.providerCaches || backupMethodOf(options.scenario ?? 'restore') !== 'none') {
      for (const c of caches) {
        const run = await backUpNow(stack, c.cache.id);
        if (run.outcome !== 'ok') throw new Error(`the backup of ${c.cache.id} failed: ${describeRun(run)}`);
      }
      await changeAfterBackup(stack, options.providerCaches ? caches : (caches[0] as PreparedCache), quiet);
    }
  } catch (error) {
    await stopCaches(caches);
    await stack.stop();
    throw error;
  }
  const prepared = caches[0] as PreparedCache;
  const ready = prepared;
  const cleanups: (() => Promise<void>)[] = [];
  const store = new DynamoDbIncidentStore({
    tableName: stack.description.tables.incidents,
    client: documentClient(stack.clients.dynamodb),
  });
  return {
    stack,
    prepared: ready,
    caches,
    authToken,
    store,
    logs,
    errors: [],
    onStop: (cleanup) => cleanups.push(cleanup),
    async stop() {
      try {
        for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
        await stopCaches(caches);
      } finally {
        await stack.stop();
      }
    },
  };
}

async function stopCaches(caches: PreparedCache[]): Promise<void> {
  for (const c of caches) {
    if (c.provider) {
      try {
        process.kill(c.provider.pid, 'SIGCONT');
      } catch {
        // already gone
      }
      await c.provider.stop().catch(() => undefined);
    }
    if (c.providerDir) await rm(c.providerDir, { recursive: true, force: true });
  }
}

/**
 * Kills the protected cache (the provider's redis-server): its data is gone.
 * Its port stays taken by a listener that drops every connection, so no
 * replacement node started later can answer there in its place.
 */
export async function breakCache(h: Harness, cache: PreparedCache = h.prepared): Promise<void> {
  const p = cache.provider;
  if (!p) throw new Error(`cache ${cache.cache.id} has no provider process`);
  process.kill(p.pid, 'SIGKILL');
  await p.exited;
  const dead = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    dead.once('error', reject);
    dead.listen(cache.endpoint.port, '127.0.0.1', () => resolve());
  });
  h.onStop(() => new Promise<void>((resolve) => dead.close(() => resolve())));
}

/** Kills every cache of the provider at once. */
export async function breakProvider(h: Harness): Promise<void> {
  await Promise.all(h.caches.map((c) => breakCache(h, c)));
}

/** The messages on the operators' topic of one kind (approval-request, escalation…), as published. */
export function operatorMessages(
  h: Harness,
  kind: string,
): { incidentId: string; groupId?: string; members?: string[] }[] {
  return h.stack.sns
    .published(h.stack.description.topics.operators)
    .filter((m) => m.messageAttributes?.kind?.Value === kind)
    .map((m) => {
      const members = membersAsked((JSON.parse(m.message) as { sqs?: string }).sqs ?? '');
      return {
        incidentId: m.messageAttributes?.incidentId?.Value ?? '',
        ...(m.messageAttributes?.groupId?.Value ? { groupId: m.messageAttributes.groupId.Value } : {}),
        ...(members ? { members } : {}),
      };
    });
}

/**
 * Decides as "reliability" what the operators are asked, as they would: each approval request on the operators'
 * topic once, for its whole group when it is the group's request, else for the incident it names. A decision
 * that fails (a faulty endpoint) is tried again; one found decided is done.
 */
export function approveWhatOperatorsAsk(h: Harness): () => Promise<void> {
  let stopped = false;
  const resumer = new SfnTaskResumer({ client: h.stack.clients.sfn });
  const deps = { store: h.store, resumer, clock: { now: () => new Date() } };
  const done = new Set<number>();
  const decide = { step: 'recovery-plan', decision: 'approve', decidedBy: 'reliability' } as const;
  const loop = (async () => {
    while (!stopped) {
      for (const [n, request] of operatorMessages(h, 'approval-request').entries()) {
        if (done.has(n)) continue;
        try {
          if (request.groupId && request.groupId === request.incidentId) {
            // What the request asked about, as an operator reading it decides: a cache it left out stays waiting.
            const out = await decideGroupApproval(deps, {
              ...decide,
              groupId: request.groupId,
              reason: 'reliability: the group',
              ...(request.members ? { only: request.members } : {}),
            });
            // A cache an error kept from being decided: the next round decides it (the others are skipped).
            if (out.undecided.length) continue;
          } else {
            await decideApproval(deps, { ...decide, incidentId: request.incidentId, reason: 'reliability: one cache' });
          }
          done.add(n);
        } catch (error) {
          if (error instanceof ApprovalAlreadyDecidedError) done.add(n);
          else h.errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        }
      }
      await sleep(150);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

const EVENTS = path.join(__dirname, '..', 'fixtures', 'events');
/** A free-form JSON document (AWS event fixtures, DynamoDB keys), edited in place. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;
const fixture = (file: string): Doc => JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8')) as Doc;

export type AlarmShape = 'eventbridge' | 'sns' | 'lambda-action';
export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export interface AlarmSpec {
  alarmName: string;
  cacheId: string;
  state: AlarmStateValue;
  /** When the alarm changed state. */
  at: Date;
}

/** CloudWatch writes alarm timestamps as `2024-05-14T09:31:07.412+0000`. */
function cloudwatchTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

/** One delivery of an alarm transition about `cacheId` (probe metric dimension), in the given shape. */
export function alarmDelivery(shape: AlarmShape, spec: AlarmSpec): Doc {
  const arn = `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:alarm:${spec.alarmName}`;
  const timestamp = cloudwatchTime(spec.at);
  const previous = spec.state === 'ALARM' ? 'OK' : 'ALARM';
  if (shape === 'sns') {
    const event = fixture('sns-alarm.json');
    const record = event.Records[0];
    const message = JSON.parse(record.Sns.Message as string) as Doc;
    Object.assign(message, {
      AlarmName: spec.alarmName,
      AWSAccountId: LOCAL_ACCOUNT_ID,
      NewStateValue: spec.state,
      OldStateValue: previous,
      StateChangeTime: timestamp,
      Region: 'US East (N. Virginia)',
      AlarmArn: arn,
      // The probe alarm's own reason: 2 failed probes of 3 (SNS carries no reason data, only this text).
      NewStateReason:
        'Threshold Crossed: 2 out of the last 3 datapoints [0.0 (14/05/24 09:30:00), 0.0 (14/05/24 09:29:00), 1.0 (14/05/24 09:28:00)] were less than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
    });
    message.Trigger.Namespace = 'CacheOutageWorkflow';
    message.Trigger.MetricName = 'CacheReachable';
    message.Trigger.Dimensions = [{ name: 'CacheId', value: spec.cacheId }];
    record.Sns.Message = JSON.stringify(message);
    record.Sns.Subject = `${spec.state}: "${spec.alarmName}" in US East (N. Virginia)`;
    record.Sns.TopicArn = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:cache-alarms`;
    record.Sns.Timestamp = spec.at.toISOString();
    return event;
  }
  const base = shape === 'eventbridge' ? fixture('eventbridge-probe-alarm.json') : fixture('lambda-action-alarm.json');
  const data = shape === 'eventbridge' ? base.detail : base.alarmData;
  data.alarmName = spec.alarmName;
  data.state.value = spec.state;
  data.state.timestamp = timestamp;
  data.previousState.value = previous;
  data.configuration.metrics[0].metricStat.metric.dimensions = { CacheId: spec.cacheId };
  if (shape === 'eventbridge') {
    Object.assign(base, {
      account: LOCAL_ACCOUNT_ID,
      region: LOCAL_REGION,
      time: spec.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: [arn],
    });
  } else {
    Object.assign(base, { accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, time: timestamp, alarmArn: arn });
  }
  return base;
}

export const SHAPES: readonly AlarmShape[] = ['eventbridge', 'sns', 'lambda-action'];

/** Delivers through the local Lambda runtime as the service would (one invocation); failures are recorded, not thrown. */
export async function deliver(h: Harness, event: unknown): Promise<{ ok: boolean; payload?: unknown; error?: string }> {
  const out = await h.stack.lambda.invoke('on-alarm', event);
  if (out.ok) return { ok: true, payload: out.payload };
  const error = `${out.error.errorType}: ${out.error.errorMessage}`;
  h.errors.push(error);
  return { ok: false, error };
}

/** Approves every pending recovery plan as "reliability" until stopped; returns the stopper. */
export function autoApprove(h: Harness): () => Promise<void> {
  let stopped = false;
  const resumer = new SfnTaskResumer({ client: h.stack.clients.sfn });
  const decided = new Set<string>();
  const loop = (async () => {
    while (!stopped) {
      if (h.stack.sfn.pendingTaskTokens() > 0) {
        for (const e of h.stack.sfn.executions().filter((x) => x.status === 'RUNNING')) {
          const incidentId = (JSON.parse(e.input ?? '{}') as { incidentId?: string }).incidentId;
          if (!incidentId || decided.has(incidentId)) continue;
          try {
            const pending = await h.store.pendingApproval(incidentId, 'recovery-plan');
            if (!pending || pending.approval.status !== 'PENDING') continue;
            await decideApproval(
              { store: h.store, resumer, clock: { now: () => new Date() } },
              {
                incidentId,
                step: 'recovery-plan',
                decision: 'approve',
                decidedBy: 'reliability',
                reason: 'reliability test: automatic approval',
              },
            );
            decided.add(incidentId);
          } catch (error) {
            h.errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          }
        }
      }
      await sleep(150);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

export function executions(h: Harness): ExecutionDescription[] {
  return h.stack.sfn.executions().filter((e) => e.stateMachineArn === h.stack.description.stateMachineArn);
}

export function incidentIdOf(e: ExecutionDescription): string {
  return (JSON.parse(e.input ?? '{}') as { incidentId?: string }).incidentId ?? '';
}

/** Waits until the execution is no longer RUNNING (programmatic: never goes through an endpoint with faults). */
export async function settle(h: Harness, executionArn: string, timeoutMs = 150_000): Promise<ExecutionDescription> {
  return h.stack.sfn.waitForExecution(executionArn, timeoutMs);
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Every incident record in the incidents table (Scan: sees all, whatever the index). */
export async function incidents(h: Harness): Promise<Incident[]> {
  const out: Incident[] = [];
  let start: Doc | undefined;
  do {
    const page = await h.stack.clients.dynamodb.send(
      new ScanCommand({
        TableName: h.stack.description.tables.incidents,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      // Incident records are the items listed on the incidents index.
      if (item[INCIDENT_LIST.partition]?.S === INCIDENT_LIST.value && item.incidentId?.S) {
        const incident = await h.store.getIncident(item.incidentId.S);
        if (incident) out.push(incident);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

export async function timeline(h: Harness, incidentId: string): Promise<TimelineEvent[]> {
  return h.store.timeline(incidentId);
}

/** Status notices published on the status topic, by stage. */
export function noticesByStage(h: Harness): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of h.stack.sns.published(h.stack.description.topics.status)) {
    const stage = m.messageAttributes?.stage?.Value ?? 'unknown';
    counts[stage] = (counts[stage] ?? 0) + 1;
  }
  return counts;
}

/** Replication groups ElastiCache knows, besides the protected one. */
export async function replacementCaches(h: Harness): Promise<{ id: string; status: string }[]> {
  const out = await h.stack.clients.elasticache.send(new DescribeReplicationGroupsCommand({}));
  return (out.ReplicationGroups ?? [])
    .filter((g) => !h.caches.some((c) => c.replicationGroupId === g.ReplicationGroupId))
    .map((g) => ({ id: g.ReplicationGroupId ?? '', status: g.Status ?? '' }));
}
