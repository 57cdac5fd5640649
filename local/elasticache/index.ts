import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FaultInjector } from '../faults';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../service';
import type { LocalService } from '../service';
import { nodeMemoryBytes } from '../../functions/domain/recovery';
import type { ElastiCacheQuotas, NodeProcessInfo } from './fleet';
import type { ApiRate } from './server';
import type { GlobalMemberRef } from './global';
import { Regions } from './regions';
import { startQueryServer } from './server';
import { SnapshotFetcher } from './snapshot';
import type { S3ConnectionConfig } from './snapshot';
import { createLocalCertificate } from './tls';
import type { TlsMaterial } from './tls';

export { freePort, startRedis, RedisStartError } from './redis-process';
export type { RedisProcess, RedisExit, StartRedisOptions } from './redis-process';
export type { ElastiCacheQuotas, NodeProcessInfo } from './fleet';
export type { ApiRate } from './server';
export type { GlobalMemberRef } from './global';
export type { S3ConnectionConfig } from './snapshot';

export interface ElastiCacheOptions {
  /** Where CreateReplicationGroup downloads `SnapshotArns` from. */
  readonly s3: S3ConnectionConfig;
  /** The region of unsigned requests; signed requests are served by the region of their credential scope. */
  readonly region?: string;
  readonly accountId?: string;
  /** HTTP port for the API; 0 or omitted picks a free one. */
  readonly port?: number;
  /** Extra time a new group spends in `creating` before its nodes start. Default 0. */
  readonly creationDelayMs?: number;
  /** Extra time a snapshot spends in `creating`, and an export to S3 in `copying`. Default 0. */
  readonly snapshotDelayMs?: number;
  /** Delay between a primary dying and the automatic failover (groups with AutomaticFailoverEnabled). Default 1000. */
  readonly failoverDelayMs?: number;
  /** Parent directory for node data; a temporary directory (removed on stop) when omitted. */
  readonly dataDir?: string;
  /**
   * How groups created with TransitEncryptionEnabled are served: 'tls' (default) serves TLS only, with a
   * self-signed certificate whose CA is `LocalElastiCache.tlsCa`; 'plaintext' serves them without TLS.
   */
  readonly transitEncryption?: 'tls' | 'plaintext';
  /** Consulted per API request, before handling: answers with an AWS error instead. */
  readonly faults?: FaultInjector;
  /**
   * Node memory by node type, over the product's table of ElastiCache node types: a restore whose
   * data takes more ends in `restore-failed`.
   */
  readonly nodeMemoryBytes?: Readonly<Record<string, number>>;
  /**
   * Account quotas per region, counted before a group is created; over one, CreateReplicationGroup is
   * refused with AWS's code (`NodeQuotaForCustomerExceeded`, `ClusterQuotaForCustomerExceeded`).
   * Unlimited when omitted.
   */
  readonly quotas?: ElastiCacheQuotas;
  /**
   * The account's API rate for mutating actions (Create*, Modify*, Delete*, …), a token bucket of `burst`
   * tokens refilled at `perSecond`: an action without a token is refused `400 Throttling` "Rate exceeded".
   * Unlimited when omitted.
   */
  readonly apiRate?: ApiRate;
}

export interface LocalElastiCache extends LocalService {
  /** CA certificate (PEM file path and contents) to trust for groups with transit encryption; undefined in plaintext mode. */
  readonly tlsCa: { readonly file: string; readonly pem: string } | undefined;
  /** The redis-server processes behind a replication group (of `region`, default the default region), e.g. to SIGKILL one in a drill. */
  nodeProcesses(replicationGroupId: string, region?: string): NodeProcessInfo[];
  /**
   * Makes `primary` and `secondary`, existing available groups of their regions, a Global Datastore,
   * as CreateGlobalReplicationGroup and CreateReplicationGroup with GlobalReplicationGroupId do.
   */
  createGlobalDatastore(input: {
    globalReplicationGroupId: string;
    primary: GlobalMemberRef;
    secondary: GlobalMemberRef;
  }): Promise<void>;
}

async function prepareDataDir(dataDir: string | undefined): Promise<{ dir: string; owned: boolean }> {
  if (dataDir !== undefined) {
    await fs.mkdir(dataDir, { recursive: true });
    return { dir: dataDir, owned: false };
  }
  return { dir: await fs.mkdtemp(path.join(os.tmpdir(), 'local-elasticache-')), owned: true };
}

async function certificateFor(mode: 'tls' | 'plaintext', dataDir: string): Promise<TlsMaterial | undefined> {
  if (mode === 'plaintext') return undefined;
  try {
    return await createLocalCertificate(path.join(dataDir, 'tls'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not create the local TLS certificate with openssl (${reason}); use transitEncryption: 'plaintext'.`,
      { cause: error },
    );
  }
}

/** Starts the ElastiCache control-plane emulator; every replication group is backed by real redis-server processes. */
export async function startElastiCache(options: ElastiCacheOptions): Promise<LocalElastiCache> {
  const data = await prepareDataDir(options.dataDir);
  const tls = await certificateFor(options.transitEncryption ?? 'tls', data.dir);
  const snapshots = new SnapshotFetcher(options.s3);
  const regions = new Regions({
    region: options.region ?? LOCAL_REGION,
    accountId: options.accountId ?? LOCAL_ACCOUNT_ID,
    dataDir: data.dir,
    snapshots,
    creationDelayMs: options.creationDelayMs ?? 0,
    failoverDelayMs: options.failoverDelayMs ?? 1000,
    snapshotDelayMs: options.snapshotDelayMs ?? 0,
    tls,
    nodeMemoryBytes: (nodeType) => options.nodeMemoryBytes?.[nodeType] ?? nodeMemoryBytes(nodeType),
    quotas: options.quotas ?? {},
  });
  const server = await startQueryServer(regions, options.port ?? 0, options.faults, options.apiRate);
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await server.close();
    await regions.stop();
    snapshots.destroy();
    if (data.owned) await fs.rm(data.dir, { recursive: true, force: true });
  };
  return {
    endpoint: server.endpoint,
    tlsCa: tls ? { file: tls.caFile, pem: tls.caPem } : undefined,
    nodeProcesses: (replicationGroupId, region) => regions.fleet(region).nodeProcesses(replicationGroupId),
    createGlobalDatastore: ({ globalReplicationGroupId, primary, secondary }) =>
      regions.globals.create({ globalReplicationGroupId, primary, secondaries: [secondary] }),
    stop: () => (stopping ??= stop()),
  };
}
