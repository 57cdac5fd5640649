/**
 * A test restore on the local stack's ElastiCache: an RDB file written by a
 * real redis-server is restored into a scratch replication group (a real
 * redis-server loading it), read back through the product's adapters, and the
 * group is deleted.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { ElastiCacheFleet } from '../../functions/adapters/elasticache-fleet';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { RedisWriter } from '../../functions/adapters/redis-writer';
import { S3BackupCatalog } from '../../functions/adapters/s3-backup-catalog';
import {
  backupManifestSchema,
  backupObjectKey,
  manifestKeyOf,
  type BackupManifest,
} from '../../functions/domain/backup/manifest';
import type { BackupLocation } from '../../functions/ports';
import { testRestore, type TestRestoreDeps } from '../../functions/usecases/test-restore';
import { startElastiCache, startRedis, type LocalElastiCache } from '../../local/elasticache';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { fakeWorld, testCache } from '../fakes';

const BUCKET = 'cache-backups';
const PREFIX = 'sessions/';
const TABLE = 'sessions-source';
const TOKEN_PARAM = '/cache/sessions/auth-token';
const AUTH_TOKEN = 'local-auth-token-0123456789';
/** A node type the emulator is told is too small for any restored data. */
const TINY_NODE = 'cache.t4g.nano';
const WATERMARK = new Date(Date.now() - 10 * 60_000);
const BEFORE = WATERMARK.getTime() - 3_600_000;

let workDir: string;
let localS3: LocalS3;
let s3: S3Client;
let elastiCache: LocalElastiCache;
let client: ElastiCacheClient;

/** An RDB file written by a redis-server (SAVE): two strings, a key with a TTL, a hash. */
async function makeRdb(): Promise<Buffer> {
  const dir = await fs.mkdtemp(path.join(workDir, 'rdb-'));
  const source = await startRedis({ dir, dbfilename: 'seed.rdb' });
  const redis = new Redis({ host: '127.0.0.1', port: source.port, lazyConnect: true });
  await redis.connect();
  await redis.set('user:1', 'alice');
  await redis.set('user:2', 'bob');
  await redis.set('session:1', 'token', 'EX', 3600);
  await redis.hset('profile:1', { name: 'alice' });
  await redis.save();
  redis.disconnect();
  await source.stop();
  return fs.readFile(path.join(dir, 'seed.rdb'));
}

/** The backup object and its manifest, as the backup function leaves them. */
async function putBackup(rdb: Buffer, manifest: BackupManifest): Promise<string> {
  const key = backupObjectKey(PREFIX, WATERMARK, manifest.method);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: rdb, ServerSideEncryption: 'AES256' }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKeyOf(key), Body: JSON.stringify(manifest) }));
  return key;
}

/** Reads a manifest object from S3 and parses it with the product's schema. */
async function readManifest(location: BackupLocation): Promise<BackupManifest | undefined> {
  const out = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: manifestKeyOf(location.key) }));
  return backupManifestSchema.parse(JSON.parse((await out.Body?.transformToString()) ?? ''));
}

function manifest(rdbBytes: number): BackupManifest {
  return {
    cacheId: 'sessions',
    method: 'sync',
    pointInTime: true,
    watermark: WATERMARK.toISOString(),
    startedAt: WATERMARK.toISOString(),
    finishedAt: WATERMARK.toISOString(),
    engine: { name: 'redis', version: '7.0.0' },
    rdbVersion: 9,
    keys: 4,
    keysWithExpiry: 1,
    bytes: rdbBytes,
    verification: { ok: true, verifiedAt: WATERMARK.toISOString() },
  };
}

function localDeps(nodeType: string) {
  const world = fakeWorld({
    now: new Date().toISOString(),
    caches: [
      testCache({
        authTokenParameter: TOKEN_PARAM,
        backup: { bucket: BUCKET, prefix: PREFIX, testRestore: { enabled: true, nodeType, sampleKeys: 10 } },
        sourceOfTruth: { tableName: TABLE },
        replacement: { engine: 'redis', engineVersion: '7.0', cacheSubnetGroupName: 'private' },
      }),
    ],
  });
  world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
  world.source.put(
    TABLE,
    { key: 'user:1', value: 'alice', kind: 'profile', updatedAt: BEFORE },
    { key: 'user:2', value: 'bob', kind: 'profile', updatedAt: BEFORE },
  );
  const catalog = new S3BackupCatalog({ client: s3 });
  const deps: TestRestoreDeps = {
    ...world,
    clock: { now: () => new Date() },
    sleep: (ms) => sleep(ms),
    pollIntervalMs: 100,
    fleet: new ElastiCacheFleet({ client, region: LOCAL_REGION }),
    backups: catalog,
    backupStore: { readManifest },
    writer: new RedisWriter({ tlsOptions: { ca: elastiCache.tlsCa?.pem ?? '' } }),
    metrics: { emit: () => undefined },
  };
  return { world, deps };
}

async function groupGone(id: string): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    } catch (err) {
      if ((err as Error).name === 'ReplicationGroupNotFoundFault') return true;
      throw err;
    }
    await sleep(100);
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'test-restore-'));
  localS3 = await startS3({ directory: path.join(workDir, 's3') });
  s3 = new S3Client(s3ClientConfig(localS3.endpoint));
  // ACLs enabled, so that ElastiCache can be granted read on the backup object.
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectOwnership: 'BucketOwnerPreferred' }));
  elastiCache = await startElastiCache({
    s3: s3ClientConfig(localS3.endpoint),
    creationDelayMs: 200,
    nodeMemoryBytes: { [TINY_NODE]: 1024 },
  });
  client = new ElastiCacheClient({
    endpoint: elastiCache.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  s3?.destroy();
  await elastiCache?.stop();
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

describe('test restore on the local ElastiCache', () => {
  it('restores a real RDB into a scratch group, finds its keys and values, and deletes the group', async () => {
    const rdb = await makeRdb();
    const key = await putBackup(rdb, manifest(rdb.length));
    const { world, deps } = localDeps('cache.t4g.micro');
    const pids: number[] = [];
    const watch = setInterval(() => {
      // Not found before the group is created and after it is deleted.
      const nodes = (() => {
        try {
          return elastiCache.nodeProcesses('sessions-rt');
        } catch {
          return [];
        }
      })();
      for (const node of nodes) if (!pids.includes(node.pid)) pids.push(node.pid);
    }, 50);

    const out = await testRestore(deps, { cacheId: 'sessions', remainingMs: 600_000 }).finally(() =>
      clearInterval(watch),
    );

    expect(out).toMatchObject({
      result: { ok: true, backup: { bucket: BUCKET, key }, keysExpected: 4, keysLoaded: 4, sampled: 2, mismatched: 0 },
      scratchGroup: { replicationGroupId: 'sessions-rt', deleted: true },
    });
    expect(world.backupRecords.testRestores).toHaveLength(1);
    expect(world.notifier.operators).toEqual([]);
    // A real redis-server served the restored data, and is gone with the group.
    expect(pids.length).toBeGreaterThan(0);
    expect(await groupGone('sessions-rt')).toBe(true);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  }, 60_000);

  it('is refused DeleteReplicationGroup while the group is created, and deletes it once available', async () => {
    const rdb = await makeRdb();
    const key = await putBackup(rdb, manifest(rdb.length));
    const { deps } = localDeps('cache.t4g.micro');
    await deps.backups.grantRead(BUCKET, key, ELASTICACHE_CANONICAL_IDS.default);
    await deps.fleet.createFromBackup({
      replicationGroupId: 'busy-rt',
      description: 'deleted while created',
      snapshotArn: `arn:aws:s3:::${BUCKET}/${key}`,
      nodeType: 'cache.t4g.micro',
      engine: 'redis',
      numCacheClusters: 1,
      port: 6379,
      cacheSubnetGroupName: 'private',
      securityGroupIds: [],
      tags: {},
    });

    await expect(deps.fleet.deleteGroup('busy-rt')).resolves.toBe('busy');
    for (let i = 0; i < 100 && (await deps.fleet.describeGroup('busy-rt'))?.status !== 'available'; i++)
      await sleep(100);
    await expect(deps.fleet.deleteGroup('busy-rt')).resolves.toBe('deleting');
    expect(await groupGone('busy-rt')).toBe(true);
    await expect(deps.fleet.deleteGroup('busy-rt')).resolves.toBe('absent');
  }, 60_000);

  it('fails and still deletes the group when the backup does not fit the node', async () => {
    const rdb = await makeRdb();
    await putBackup(rdb, manifest(rdb.length));
    const { world, deps } = localDeps(TINY_NODE);

    const out = await testRestore(deps, { cacheId: 'sessions', remainingMs: 600_000 });

    expect(out).toMatchObject({ result: { ok: false }, scratchGroup: { deleted: true } });
    expect(world.backupRecords.testRestores[0]?.reason).toMatch(/sessions-rt is restore-failed/);
    expect(world.notifier.operators).toEqual([expect.objectContaining({ kind: 'backup-failed' })]);
    expect(await groupGone('sessions-rt')).toBe(true);
  }, 60_000);
});
