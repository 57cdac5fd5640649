/**
 * The product's backups, each method through the deployed `backup` function on
 * the local stack (its bundle, its IAM role, the local S3 and ElastiCache):
 * the object in S3 is a file redis-check-rdb accepts, and a plain redis-server
 * loading it holds every key of the cache, with its value and its expiry.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { GetBucketAclCommand, GetObjectCommand, HeadObjectCommand, PutBucketAclCommand } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { protectedCacheSchema } from '../../functions/domain/caches';
import type { BackupRun } from '../../functions/ports';
import { startRedis, type RedisProcess } from '../../local/elasticache/redis-process';
import { startStack, type LocalStack } from '../../local/stack';
import { DATASET_DBS, describeAll, fillEveryType } from '../backup/dataset';
import { childProcesses } from './processes';

const run = promisify(execFile);

describe('backups the stack makes, one per method', () => {
  let stack: LocalStack;
  const dirs: string[] = [];
  const servers: RedisProcess[] = [];
  const clients: Redis[] = [];

  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-methods-'));
    dirs.push(dir);
    return dir;
  };
  async function redisOn(port: number): Promise<Redis> {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    clients.push(client);
    return client;
  }
  async function provider(extraArgs: string[] = []): Promise<{ port: number; redis: Redis }> {
    const p = await startRedis({ dir: tempDir(), extraArgs: ['--enable-debug-command', 'yes', ...extraArgs] });
    servers.push(p);
    return { port: p.port, redis: await redisOn(p.port) };
  }
  function cache(id: string, port: number, backup: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return protectedCacheSchema.parse({
      id,
      endpoint: { host: '127.0.0.1', port, tls: false },
      endpointParameter: `/cache/${id}/endpoint`,
      backup: { bucket: stack.description.backupBucket, prefix: `${id}/`, intervalMinutes: 1440, ...backup },
      // Redis 7.0 loads RDB 10, the version the local redis-server writes.
      replacement: { engine: 'redis', engineVersion: '7.0', cacheSubnetGroupName: 'private' },
      ...extra,
    });
  }
  async function backUp(cacheId: string): Promise<NonNullable<BackupRun['backup']>> {
    const out = await stack.lambda.invoke('backup', { cacheId });
    if (!out.ok) throw new Error(`backup of ${cacheId} failed: ${JSON.stringify(out.error)}`);
    const result = out.payload as BackupRun;
    if (result.outcome !== 'ok' || !result.backup) throw new Error(`backup of ${cacheId}: ${JSON.stringify(result)}`);
    return result.backup;
  }
  /** The object, checked by redis-check-rdb, then loaded by a plain redis-server. */
  async function restored(key: string): Promise<{ checked: string; redis: Redis }> {
    const object = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.description.backupBucket, Key: key }),
    );
    const dir = tempDir();
    writeFileSync(
      join(dir, 'backup.rdb'),
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    const { stdout } = await run('redis-check-rdb', [join(dir, 'backup.rdb')]);
    const server = await startRedis({ dir, dbfilename: 'backup.rdb' });
    servers.push(server);
    return { checked: stdout, redis: await redisOn(server.port) };
  }

  let open: { port: number; redis: Redis };
  let managed: { port: number; redis: Redis };
  let orders: Redis;

  // The functions read PROTECTED_CACHES when their worker starts: every cache is declared before the first run.
  beforeAll(async () => {
    stack = await startStack({ alarmTimeScale: 1 / 60 });
    open = await provider();
    managed = await provider(['--rename-command', 'SYNC', '', '--rename-command', 'PSYNC', '']);
    await fillEveryType(open.redis);
    await fillEveryType(managed.redis);
    orders = await redisOn(await elastiCacheGroup(stack, 'orders'));
    for (let i = 0; i < 500; i++) await orders.set(`order:${i}`, JSON.stringify({ i, total: i * 3 }));
    await orders.hset('order:index', { first: '0', last: '499' });
    await orders.set('session:a', 'x', 'PX', 3_600_000);
    await orders.select(2);
    await orders.sadd('tags', 'a', 'b', 'c');
    await orders.select(0);
    stack.protect([
      cache('sessions', open.port, { method: 'sync' }),
      cache('profiles', managed.port, { method: 'auto' }),
      cache(
        'orders',
        orders.options.port ?? 0,
        { method: 'elasticache-export', prefix: 'orders-' },
        { replicationGroupId: 'orders' },
      ),
    ]);
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
    await stack?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    expect(childProcesses()).toEqual([]);
  });

  it('sync and scan-dump: every key of every database, with its value and expiry, in a file Redis accepts', async () => {
    const bySync = await backUp('sessions');
    const byScan = await backUp('profiles');
    expect(bySync).toMatchObject({ method: 'sync', pointInTime: true });
    expect(byScan).toMatchObject({ method: 'scan-dump', pointInTime: false });

    for (const [backup, source] of [
      [bySync, open.redis],
      [byScan, managed.redis],
    ] as const) {
      const head = await stack.clients.s3.send(
        new HeadObjectCommand({ Bucket: stack.description.backupBucket, Key: backup.key }),
      );
      expect(head.ServerSideEncryption).toBe('AES256');
      expect(head.Metadata).toMatchObject({ method: backup.method, watermark: backup.watermark });
      const { checked, redis } = await restored(backup.key);
      expect(checked).toMatch(/RDB looks OK/);
      expect(await describeAll(redis, DATASET_DBS)).toEqual(await describeAll(source, DATASET_DBS));
    }
  });

  it('elasticache-export: an ElastiCache group exported by CreateSnapshot + CopySnapshot, as loadable', async () => {
    // "Exporting a backup", step 2: the bucket's ACL grants ElastiCache's canonical user.
    const elastiCache = `id="${ELASTICACHE_CANONICAL_IDS.default}"`;
    await stack.clients.s3.send(
      new PutBucketAclCommand({
        Bucket: stack.description.backupBucket,
        GrantRead: elastiCache,
        GrantWrite: elastiCache,
        GrantReadACP: elastiCache,
        GrantFullControl: `id="${(await ownerOf(stack)) ?? ''}"`,
      }),
    );
    const exported = await backUp('orders');
    expect(exported).toMatchObject({ method: 'elasticache-export', pointInTime: true, keys: 503 });
    expect(exported.key).toMatch(/^orders-.*-elasticache-export-0001\.rdb$/);
    const { checked, redis } = await restored(exported.key);
    expect(checked).toMatch(/RDB looks OK/);
    expect(await describeAll(redis, [0, 2])).toEqual(await describeAll(orders, [0, 2]));
  });
});

/** A one-node ElastiCache group (no TLS, no AUTH), once available: its port. */
async function elastiCacheGroup(stack: LocalStack, id: string): Promise<number> {
  await stack.clients.elasticache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: `${id} cache`,
      NumCacheClusters: 1,
      CacheNodeType: 'cache.t4g.micro',
      Engine: 'redis',
    }),
  );
  for (let i = 0; i < 150; i++) {
    const out = await stack.clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    const g = out.ReplicationGroups?.[0];
    const port = g?.NodeGroups?.[0]?.PrimaryEndpoint?.Port;
    if (g?.Status === 'available' && port) return port;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`replication group ${id} never became available`);
}

async function ownerOf(stack: LocalStack): Promise<string | undefined> {
  const acl = await stack.clients.s3.send(new GetBucketAclCommand({ Bucket: stack.description.backupBucket }));
  return acl.Owner?.ID;
}
