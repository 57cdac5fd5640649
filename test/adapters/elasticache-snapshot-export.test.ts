/**
 * The elasticache-export method against the local ElastiCache and S3: a replication group's data set
 * lands in the bucket as the RDB file ElastiCache writes, and the snapshot made on the way is deleted.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  CreateReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import {
  ElastiCacheSnapshotExport,
  EXPORT_SNAPSHOT_PREFIX,
} from '../../functions/adapters/elasticache-snapshot-export';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { BackupFailedError, CacheWaitTimeoutError } from '../../functions/domain/errors';
import { startElastiCache, type LocalElastiCache } from '../../local/elasticache';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const run = promisify(execFile);
const GROUP = 'orders-cache';
const GRANTED = 'exports';
const NOT_GRANTED = 'exports-without-grant';
const ELASTICACHE = `id="${ELASTICACHE_CANONICAL_IDS.default}"`;

let workDir: string;
let localS3: LocalS3;
let s3: S3Client;
let elastiCache: LocalElastiCache;
let client: ElastiCacheClient;

async function waitAvailable(c: ElastiCacheClient, id: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    const { ReplicationGroups } = await c.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    if (ReplicationGroups?.[0]?.Status === 'available') return;
    await sleep(100);
  }
  throw new Error(`${id} did not become available`);
}

async function createGroup(c: ElastiCacheClient, local: LocalElastiCache, id: string): Promise<Redis> {
  await c.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'exported by the backup function',
      CacheNodeType: 'cache.r7g.large',
      Engine: 'redis',
      EngineVersion: '7.0',
      NumCacheClusters: 2,
    }),
  );
  await waitAvailable(c, id);
  const primary = local.nodeProcesses(id).find((n) => n.role === 'primary');
  if (!primary) throw new Error('no primary');
  return new Redis({ host: '127.0.0.1', port: primary.port, lazyConnect: false, maxRetriesPerRequest: 1 });
}

async function snapshotsLeft(c: ElastiCacheClient): Promise<string[]> {
  const { Snapshots } = await c.send(new DescribeSnapshotsCommand({}));
  return (Snapshots ?? []).map((s) => s.SnapshotName ?? '').filter((n) => n.startsWith(EXPORT_SNAPSHOT_PREFIX));
}

function exporter(c: ElastiCacheClient, pollIntervalMs = 20): ElastiCacheSnapshotExport {
  return new ElastiCacheSnapshotExport({ client: c, s3, pollIntervalMs });
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'snapshot-export-'));
  localS3 = await startS3({ directory: path.join(workDir, 's3') });
  s3 = new S3Client(s3ClientConfig(localS3.endpoint));
  const owner = `id="${localS3.accessControl.ownerId}"`;
  // "Grant ElastiCache access to your S3 bucket in a default Region": List objects, Write objects, Read bucket permissions.
  await s3.send(
    new CreateBucketCommand({
      Bucket: GRANTED,
      ObjectOwnership: 'BucketOwnerPreferred',
      GrantFullControl: owner,
      GrantRead: ELASTICACHE,
      GrantWrite: ELASTICACHE,
      GrantReadACP: ELASTICACHE,
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: NOT_GRANTED, ObjectOwnership: 'BucketOwnerPreferred' }));
  elastiCache = await startElastiCache({ s3: s3ClientConfig(localS3.endpoint), transitEncryption: 'plaintext' });
  client = new ElastiCacheClient({
    endpoint: elastiCache.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const redis = await createGroup(client, elastiCache, GROUP);
  await redis.set('order:1', 'paid');
  await redis.set('order:2', 'shipped', 'EX', 3600);
  await redis.hset('customer:1', { name: 'alice' });
  await redis.quit();
});

afterAll(async () => {
  client?.destroy();
  s3?.destroy();
  await elastiCache?.stop();
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

describe('ElastiCacheSnapshotExport', () => {
  it('exports the group as <name>-0001.rdb, an RDB file redis-check-rdb accepts, and deletes its snapshot', async () => {
    const before = new Date();
    const result = await exporter(client).exportToS3(
      GROUP,
      { bucket: GRANTED, snapshotName: 'orders/2024-06-01T10-00-00Z-elasticache-export' },
      new Date(Date.now() + 60_000),
    );

    expect(result.objects).toEqual([
      { bucket: GRANTED, key: 'orders/2024-06-01T10-00-00Z-elasticache-export-0001.rdb' },
    ]);
    expect(result.engine).toEqual({ name: 'redis', version: '7.0' });
    expect(result.snapshotCreatedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(result.snapshotCreatedAt.getTime()).toBeLessThanOrEqual(Date.now());

    const object = await s3.send(new GetObjectCommand({ Bucket: GRANTED, Key: result.objects[0]?.key }));
    expect(object.ServerSideEncryption).toBe('AES256');
    const file = path.join(workDir, 'exported.rdb');
    await fs.writeFile(file, await object.Body!.transformToByteArray());
    const { stdout } = await run('redis-check-rdb', [file]);
    expect(stdout).toContain('RDB looks OK');
    expect(stdout).toMatch(/\b3 keys read/);
    expect(stdout).toMatch(/\b1 expires/);
    expect(await snapshotsLeft(client)).toEqual([]);
  });

  it("fails with ElastiCache's reason when the bucket does not grant ElastiCache access, and deletes the snapshot", async () => {
    const failure = exporter(client).exportToS3(
      GROUP,
      { bucket: NOT_GRANTED, snapshotName: 'refused' },
      new Date(Date.now() + 60_000),
    );
    await expect(failure).rejects.toBeInstanceOf(BackupFailedError);
    await expect(failure).rejects.toThrow(
      `ElastiCache has not been granted READ permissions ${NOT_GRANTED} on the S3 Bucket.`,
    );
    await expect(s3.send(new HeadObjectCommand({ Bucket: NOT_GRANTED, Key: 'refused-0001.rdb' }))).rejects.toThrow();
    expect(await snapshotsLeft(client)).toEqual([]);
  });

  it('refuses a group that does not exist with BackupFailedError', async () => {
    await expect(
      exporter(client).exportToS3('no-such-group', { bucket: GRANTED, snapshotName: 'x' }, new Date(Date.now() + 5000)),
    ).rejects.toThrow(/ReplicationGroupNotFoundFault/);
  });

  describe('when the snapshot takes longer than the deadline', () => {
    let slow: LocalElastiCache;
    let slowClient: ElastiCacheClient;

    beforeAll(async () => {
      slow = await startElastiCache({
        s3: s3ClientConfig(localS3.endpoint),
        transitEncryption: 'plaintext',
        snapshotDelayMs: 60_000,
      });
      slowClient = new ElastiCacheClient({
        endpoint: slow.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
      await (await createGroup(slowClient, slow, GROUP)).quit();
    });
    afterAll(async () => {
      slowClient?.destroy();
      await slow?.stop();
    });

    it('gives CacheWaitTimeoutError naming the snapshot, which ElastiCache refuses to delete while it is creating', async () => {
      const failure = exporter(slowClient).exportToS3(
        GROUP,
        { bucket: GRANTED, snapshotName: 'late' },
        new Date(Date.now() + 300),
      );
      await expect(failure).rejects.toBeInstanceOf(CacheWaitTimeoutError);
      const [left] = await snapshotsLeft(slowClient);
      expect(left).toBeDefined();
      await expect(failure).rejects.toThrow(`snapshot ${left} is creating`);
      await expect(slowClient.send(new DeleteSnapshotCommand({ SnapshotName: left }))).rejects.toMatchObject({
        name: 'InvalidSnapshotStateFault',
      });
    });
  });
});
