/**
 * What every drill and `npm run stack` start from: a protected cache (a
 * third-party provider's Redis, or an ElastiCache group with a replica) filled
 * with account flags and customizations, its source of truth in DynamoDB, an
 * RDB backup in S3, and customizations changed after that backup.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BatchWriteItemCommand, CreateTableCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { RedisWriter } from '../../functions/adapters/redis-writer';
import type { Endpoint, ProtectedCache } from '../../functions/domain/caches';
import type { SourceRecord } from '../../functions/ports';
import { startRedis, type RedisProcess } from '../elasticache';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../service';
import type { LocalStack } from '../stack';
import { backupMethodOf, CorruptingProxy, providerFlags } from './backups';
import { changedAfterBackup, drillRecord, type DrillRecord } from './dataset';
import { EXTERNAL_BACKUP_BUCKET, externalBackupOwnership, type Scenario } from './scenarios';
import { createStandby, hasStandby, standbyConfig } from './standby';

export const CACHE_ID = 'accounts';
export const ENDPOINT_PARAMETER = '/cache-outage/accounts/endpoint';
const AUTH_PARAMETER = '/cache-outage/accounts/auth-token';
export const SOURCE_TABLE = 'accounts-source';

/** What names a protected cache of the drill: its id, its SSM parameters, its source of truth and its provider. */
export interface CacheNames {
  cacheId: string;
  endpointParameter: string;
  authParameter: string;
  sourceTable: string;
  /** The provider hosting the cache: the incidents of caches of one provider join one group. */
  provider?: string;
}

/** The one cache of every single-cache scenario. */
export const ACCOUNTS: CacheNames = {
  cacheId: CACHE_ID,
  endpointParameter: ENDPOINT_PARAMETER,
  authParameter: AUTH_PARAMETER,
  sourceTable: SOURCE_TABLE,
};
/** The Global Datastore of the `global-failover` scenario: primary in the stack's region, secondary in SECONDARY_REGION. */
export const GLOBAL_DATASTORE = 'ldgnf-accounts';
export const SECONDARY_REGION = 'us-west-2';
export const SECONDARY_GROUP = 'accounts-west';
const DAY_MS = 24 * 3600 * 1000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let activeSignal: AbortSignal | undefined;

/** Makes every wait of the drill give up when the signal aborts. */
export function interruptWith(signal: AbortSignal | undefined): void {
  activeSignal = signal;
}

export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (activeSignal?.aborted) throw new Error(`interrupted while waiting for ${what}`);
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function* pages(records: Iterable<DrillRecord>, size = 5000): AsyncIterable<SourceRecord[]> {
  let page: SourceRecord[] = [];
  for (const r of records) {
    page.push({
      key: r.key,
      value: r.value,
      kind: r.kind,
      updatedAt: 0,
      ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
    });
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

function* seeded(keys: number, nowSeconds: number): Iterable<DrillRecord> {
  for (let i = 0; i < keys; i += 1) yield drillRecord(i, 0, nowSeconds);
}

async function writeSource(
  stack: LocalStack,
  table: string,
  records: Iterable<{ r: DrillRecord; updatedAt: number }>,
): Promise<number> {
  const queue = [...records];
  let next = 0;
  let written = 0;
  const worker = async () => {
    while (next < queue.length) {
      const batch = queue.slice(next, next + 25);
      next += 25;
      let items: WriteRequest[] = batch.map(({ r, updatedAt }) => ({
        PutRequest: {
          Item: {
            key: { S: r.key },
            value: { S: r.value },
            kind: { S: r.kind },
            updatedAt: { N: String(updatedAt) },
            ...(r.expiresAt ? { expiresAt: { N: String(r.expiresAt) } } : {}),
          },
        },
      }));
      for (let attempt = 0; items.length && attempt < 10; attempt += 1) {
        const out = await stack.clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
        items = out.UnprocessedItems?.[table] ?? [];
      }
      written += batch.length;
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  return written;
}

/** A Multi-AZ replication group with automatic failover, in the client's region; its primary endpoint once available. */
async function createGroup(
  client: ElastiCacheClient,
  replicationGroupId: string,
  description: string,
): Promise<Endpoint> {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: replicationGroupId,
      ReplicationGroupDescription: description,
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      CacheNodeType: 'cache.r7g.large',
      Engine: 'redis',
    }),
  );
  return until(`replication group ${replicationGroupId}`, 30_000, async () => {
    const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }));
    const g = out.ReplicationGroups?.[0];
    const p = g?.NodeGroups?.[0]?.PrimaryEndpoint;
    return g?.Status === 'available' && p?.Address && p.Port
      ? { host: p.Address, port: p.Port, tls: false }
      : undefined;
  });
}

export interface PreparedCache {
  cache: ProtectedCache;
  endpoint: Endpoint;
  replicationGroupId?: string;
  /** The provider's redis-server, when the cache is not an ElastiCache group. */
  provider?: RedisProcess;
  providerDir?: string;
  /** The path to the provider that can corrupt a transfer (corrupt-backup). */
  proxy?: CorruptingProxy;
  /** When the records were seeded (epoch seconds): their TTLs count from it. */
  seededAt: number;
  /** The warm standby's endpoint (standby scenarios). */
  standbyEndpoint?: Endpoint;
}

/**
 * Customizations made after the backup: only the source of truth and the
 * live cache have them. Returns their indices (their current version is 1).
 * Caches that share one source of truth (and hold its dataset) all get the
 * change; the source is written once.
 */
export async function changeAfterBackup(
  stack: LocalStack,
  prepared: PreparedCache | readonly PreparedCache[],
  options: Pick<PrepareOptions, 'keys' | 'changed' | 'authToken' | 'log' | 'mark'>,
): Promise<Set<number>> {
  const caches = Array.isArray(prepared) ? (prepared as readonly PreparedCache[]) : [prepared as PreparedCache];
  const first = caches[0];
  if (!first) throw new Error('no cache to change');
  await sleep(1100);
  const changed = changedAfterBackup(options.keys, options.changed);
  for (const cache of caches) {
    const writer = new RedisWriter({ connections: 2 });
    await writer.write(cache.endpoint, options.authToken, pages(changed.map((i) => drillRecord(i, 1, cache.seededAt))));
  }
  await writeSource(
    stack,
    first.cache.sourceOfTruth?.tableName ?? SOURCE_TABLE,
    changed.map((i) => ({ r: drillRecord(i, 1, first.seededAt), updatedAt: Date.now() })),
  );
  options.mark('changedAfterBackup');
  options.log(`${changed.length} customizations changed after the backup`);
  return new Set(changed);
}

export interface PrepareOptions {
  scenario: Scenario;
  keys: number;
  changed: number;
  authToken?: string;
  log: (line: string) => void;
  mark: (phase: string) => void;
  /** The cache's backup interval (default: one run at start-up for the drill, every minute for stale-backup). */
  backupIntervalMinutes?: number;
  /** The cache's names (default: ACCOUNTS). */
  names?: CacheNames;
  /**
   * Whether to create the source table and seed it (default true); false for a
   * cache sharing a source of truth another cache of the drill already seeded.
   */
  seedSource?: boolean;
}

export async function prepareProtectedCache(stack: LocalStack, options: PrepareOptions): Promise<PreparedCache> {
  const { scenario, keys, authToken, log, mark } = options;
  const { cacheId, endpointParameter, authParameter, sourceTable, provider: providerName } = options.names ?? ACCOUNTS;
  const seedSource = options.seedSource ?? true;
  const { clients, description } = stack;
  let provider: RedisProcess | undefined;
  let providerDir: string | undefined;
  let proxy: CorruptingProxy | undefined;
  if (seedSource)
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: sourceTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      }),
    );
  if (authToken) {
    await clients.ssm.send(new PutParameterCommand({ Name: authParameter, Value: authToken, Type: 'SecureString' }));
  }

  // The protected cache: a third-party provider's Redis, or an ElastiCache group with a replica.
  let endpoint: Endpoint;
  let replicationGroupId: string | undefined;
  let globalReplicationGroupId: string | undefined;
  if (scenario === 'promote' || scenario === 'global-failover') {
    // Multi-AZ with automatic failover, as production groups run (and as a Global Datastore's primary must).
    replicationGroupId = 'accounts-primary';
    endpoint = await createGroup(clients.elasticache, replicationGroupId, 'accounts cache');
    if (scenario === 'global-failover') {
      // The secondary lives in another region: only that region's ElastiCache API knows it.
      const west = new ElastiCacheClient({
        endpoint: stack.description.endpoints.elasticache,
        region: SECONDARY_REGION,
        credentials: { ...LOCAL_CREDENTIALS },
      });
      try {
        await createGroup(west, SECONDARY_GROUP, `accounts cache, ${SECONDARY_REGION} secondary`);
      } finally {
        west.destroy();
      }
      globalReplicationGroupId = GLOBAL_DATASTORE;
      await stack.elasticache.createGlobalDatastore({
        globalReplicationGroupId,
        primary: { region: LOCAL_REGION, replicationGroupId },
        secondary: { region: SECONDARY_REGION, replicationGroupId: SECONDARY_GROUP },
      });
      log(
        `Global Datastore ${globalReplicationGroupId}: ${replicationGroupId} (${LOCAL_REGION}) → ${SECONDARY_GROUP} (${SECONDARY_REGION})`,
      );
    }
  } else {
    providerDir = await mkdtemp(path.join(os.tmpdir(), 'drill-provider-'));
    provider = await startRedis({
      dir: providerDir,
      dbfilename: 'dump.rdb',
      ...(authToken ? { requirePass: authToken } : {}),
      extraArgs: providerFlags(scenario),
    });
    endpoint = { host: '127.0.0.1', port: provider.port, tls: false };
    if (scenario === 'corrupt-backup') {
      // Clients and backups reach the provider through a path that can corrupt a transfer.
      proxy = new CorruptingProxy({ host: '127.0.0.1', port: provider.port });
      await proxy.start();
      endpoint = { host: '127.0.0.1', port: proxy.port, tls: false };
    }
  }
  await clients.ssm.send(
    new PutParameterCommand({
      Name: endpointParameter,
      Value: JSON.stringify(endpoint),
      Type: 'String',
      Overwrite: true,
    }),
  );
  // A backup bucket outside the stack, as operators configure one: created here, not by the stack.
  const externalOwnership = externalBackupOwnership(scenario);
  if (externalOwnership) {
    await clients.s3.send(
      new CreateBucketCommand({ Bucket: EXTERNAL_BACKUP_BUCKET, ObjectOwnership: externalOwnership }),
    );
    log(`external backup bucket s3://${EXTERNAL_BACKUP_BUCKET} (object ownership ${externalOwnership})`);
  }
  const backupBucket = externalOwnership ? EXTERNAL_BACKUP_BUCKET : description.backupBucket;
  const standbyEndpoint = hasStandby(scenario)
    ? await createStandby(clients.elasticache, { ...(authToken ? { authToken } : {}), until })
    : undefined;
  if (standbyEndpoint)
    log(
      `warm standby ${standbyConfig(scenario).replicationGroupId} at ${standbyEndpoint.host}:${standbyEndpoint.port}`,
    );
  const cache: ProtectedCache = {
    id: cacheId,
    displayName: cacheId === CACHE_ID ? 'account settings' : `account settings (${cacheId})`,
    ...(providerName ? { provider: providerName } : {}),
    endpoint,
    endpointParameter,
    ...(authToken ? { authTokenParameter: authParameter } : {}),
    ...(replicationGroupId ? { replicationGroupId } : {}),
    ...(globalReplicationGroupId ? { globalReplicationGroupId } : {}),
    alarmNames: [],
    backup: {
      bucket: backupBucket,
      prefix: `${cacheId}/`,
      maxAgeHours: 24,
      // The stack's scheduled backup makes the backups; a long interval keeps it to the one run at start-up
      // (the drill asks for any later one itself), so no run meets the outage. stale-backup backs up every
      // (scaled) minute against a one-minute RPO: its runs keep reporting the growing age once they fail.
      method: backupMethodOf(scenario),
      intervalMinutes: options.backupIntervalMinutes ?? (scenario === 'stale-backup' ? 1 : 1440),
      ...(scenario === 'stale-backup' ? { rpoMinutes: 1 } : {}),
      // restore also test-restores the first backup, as a weekly run would, before the outage.
      testRestore: { enabled: scenario === 'restore', intervalDays: 7, nodeType: 'cache.t4g.micro', sampleKeys: 100 },
    },
    replacement: {
      nodeType: 'cache.r7g.large',
      engine: 'redis',
      numCacheClusters: 2,
      // Replacements use in-transit encryption, which ElastiCache allows only with a cache subnet group.
      cacheSubnetGroupName: 'accounts-private',
      securityGroupIds: [],
      port: 6379,
    },
    sourceOfTruth: { tableName: sourceTable, priorityKinds: ['customization', 'flag'] },
    ...(standbyEndpoint ? { standby: standbyConfig(scenario) } : {}),
  };
  stack.protect([cache]);
  log(
    `protected cache "${cacheId}" at ${endpoint.host}:${endpoint.port}${replicationGroupId ? ` (replication group ${replicationGroupId})` : ` (third-party provider${providerName ? ` ${providerName}` : ''})`}`,
  );

  // Seed the cache and its source of truth; history is old, as real data is.
  const nowSeconds = Math.floor(Date.now() / 1000);
  const writer = new RedisWriter({ connections: 2 });
  const oldTime = Date.now() - 30 * DAY_MS;
  const [written] = await Promise.all([
    writer.write(endpoint, authToken, pages(seeded(keys, nowSeconds))),
    seedSource
      ? writeSource(
          stack,
          sourceTable,
          (function* () {
            for (const r of seeded(keys, nowSeconds)) yield { r, updatedAt: oldTime };
          })(),
        )
      : 0,
  ]);
  mark('seeded');
  log(
    `seeded ${written.written} keys into ${seedSource ? 'the cache and its source of truth' : `${cacheId} (its source of truth already holds them)`}`,
  );

  return {
    cache,
    endpoint,
    ...(replicationGroupId ? { replicationGroupId } : {}),
    ...(provider ? { provider } : {}),
    ...(providerDir ? { providerDir } : {}),
    ...(proxy ? { proxy } : {}),
    seededAt: nowSeconds,
    ...(standbyEndpoint ? { standbyEndpoint } : {}),
  };
}
