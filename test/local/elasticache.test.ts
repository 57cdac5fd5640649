import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  AddTagsToResourceCommand,
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  FailoverGlobalReplicationGroupCommand,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  RemoveTagsFromResourceCommand,
  TestFailoverCommand,
} from '@aws-sdk/client-elasticache';
import type { CreateReplicationGroupCommandInput, ReplicationGroup } from '@aws-sdk/client-elasticache';
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { ElastiCacheFleet } from '../../functions/adapters/elasticache-fleet';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { CacheProvisioningFailedError } from '../../functions/domain/errors';
import { checkCache } from '../../functions/usecases/check-cache';
import { CACHE_ID, INCIDENT_ID, NOW, worldWithIncident } from '../usecases/support';
import { freePort, startElastiCache, startRedis } from '../../local/elasticache';
import type { LocalElastiCache } from '../../local/elasticache';
import { s3ClientConfig, startS3 as startLocalS3, type LocalS3 } from '../../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const BUCKET = 'cache-snapshots';
const AUTH_TOKEN = 'local-auth-token-0123456789';
/** ElastiCache's canonical user in Regions enabled by default ("Tutorial: Seeding a new node-based cluster with an externally created backup", step 4). */
const ELASTICACHE_READER = `id="${ELASTICACHE_CANONICAL_IDS.default}"`;
/** A node type the emulator is told is too small for any restored data. */
const TINY_NODE = 'cache.t4g.micro';

let workDir: string;
let localS3: LocalS3;
let s3: S3Client;
let elastiCache: LocalElastiCache;
let client: ElastiCacheClient;
const redisClients: Redis[] = [];
const seenPids = new Set<number>();

/** Builds a real RDB file with a redis-server: keys with and without TTLs, then SAVE. */
async function makeRdb(): Promise<Buffer> {
  const dir = await fs.mkdtemp(path.join(workDir, 'rdb-'));
  const source = await startRedis({ dir, dbfilename: 'seed.rdb' });
  const redis = connect(source.port);
  await redis.set('greeting', 'hello');
  await redis.set('session:1', 'alice', 'EX', 3600);
  await redis.hset('profile:1', { name: 'alice', plan: 'pro' });
  await redis.save();
  await redis.quit();
  await source.stop();
  return fs.readFile(path.join(dir, 'seed.rdb'));
}

/** Uploads an RDB file readable by ElastiCache (the read grant a default Region needs), unless `extra` says otherwise. */
async function putSnapshot(key: string, body: Buffer, extra: Partial<PutObjectCommandInput> = {}): Promise<string> {
  const bucket = extra.Bucket ?? BUCKET;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, GrantRead: ELASTICACHE_READER, ...extra }),
  );
  return `arn:aws:s3:::${bucket}/${key}`;
}

function connect(port: number, password?: string, tls?: { ca: string }): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    tls,
    port,
    password,
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    disconnectTimeout: 100,
  });
  redis.on('error', () => undefined);
  redisClients.push(redis);
  return redis;
}

async function describeGroup(id: string): Promise<ReplicationGroup> {
  const { ReplicationGroups } = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
  const group = ReplicationGroups?.[0];
  if (!group) throw new Error(`no group ${id}`);
  return group;
}

async function waitForStatus(id: string, status: string, timeoutMs = 30_000): Promise<ReplicationGroup> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const group = await describeGroup(id);
    if (group.Status === status) return group;
    if (Date.now() > deadline) throw new Error(`${id} stayed ${group.Status ?? '?'} instead of ${status}`);
    await sleep(100);
  }
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
  throw new Error('expected the call to fail');
}

function createGroup(
  input: Partial<CreateReplicationGroupCommandInput> & { ReplicationGroupId: string },
): Promise<unknown> {
  return client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupDescription: 'test group',
      CacheNodeType: 'cache.t3.micro',
      Engine: 'redis',
      ...input,
    }),
  );
}

async function createAvailable(
  input: Partial<CreateReplicationGroupCommandInput> & { ReplicationGroupId: string },
): Promise<ReplicationGroup> {
  await createGroup(input);
  const group = await waitForStatus(input.ReplicationGroupId, 'available');
  for (const node of elastiCache.nodeProcesses(input.ReplicationGroupId)) seenPids.add(node.pid);
  return group;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function nodeProcess(groupId: string, cacheClusterId: string): { port: number; pid: number } {
  const node = elastiCache.nodeProcesses(groupId).find((entry) => entry.cacheClusterId === cacheClusterId);
  if (!node) throw new Error(`no process for ${cacheClusterId}`);
  return node;
}

async function rawQuery(body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(elastiCache.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'elasticache-test-'));
  localS3 = await startLocalS3({ directory: path.join(workDir, 's3') });
  s3 = new S3Client(s3ClientConfig(localS3.endpoint));
  // ACLs enabled, so that ElastiCache can be granted read on each object.
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectOwnership: 'BucketOwnerPreferred' }));
  elastiCache = await startElastiCache({
    s3: s3ClientConfig(localS3.endpoint),
    creationDelayMs: 300,
    failoverDelayMs: 300,
    nodeMemoryBytes: { [TINY_NODE]: 64 * 1024 },
  });
  client = new ElastiCacheClient({
    endpoint: elastiCache.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  await Promise.all(redisClients.map((redis) => redis.quit().catch(() => redis.disconnect())));
  client?.destroy();
  s3?.destroy();
  await elastiCache?.stop();
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
  for (const pid of seenPids) expect(isAlive(pid)).toBe(false);
});

describe('startRedis', () => {
  it('starts a server on a free port and stops it', async () => {
    const dir = await fs.mkdtemp(path.join(workDir, 'plain-'));
    const redis = await startRedis({ dir, requirePass: 'secret-password-1234' });
    expect(redis.port).toBeGreaterThan(0);
    expect(await connect(redis.port, 'secret-password-1234').ping()).toBe('PONG');
    await redis.stop();
    expect(redis.isAlive()).toBe(false);
    expect(isAlive(redis.pid)).toBe(false);
  });

  it('rejects with the server log when the port is taken by another redis-server', async () => {
    const port = await freePort();
    const dir = await fs.mkdtemp(path.join(workDir, 'busy-'));
    const first = await startRedis({ dir, port });
    await expect(startRedis({ dir, port })).rejects.toMatchObject({ name: 'RedisStartError' });
    await first.stop();
  });
});

describe('replication group restored from an S3 RDB snapshot', () => {
  const id = 'restored-cache';

  it('creates, restores the keys with their TTLs and replicates', async () => {
    const snapshotArn = await putSnapshot('backups/seed.rdb', await makeRdb());
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'Restored-Cache',
        ReplicationGroupDescription: 'restored from S3',
        NumCacheClusters: 2,
        CacheNodeType: 'cache.r7g.large',
        Engine: 'redis',
        EngineVersion: '7.0',
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
        AuthToken: AUTH_TOKEN,
        SnapshotArns: [snapshotArn],
        SecurityGroupIds: ['sg-123'],
        CacheSubnetGroupName: 'private',
        Tags: [{ Key: 'team', Value: 'cache' }],
      }),
    );
    expect(created.ReplicationGroup).toMatchObject({
      ReplicationGroupId: id,
      Status: 'creating',
      MemberClusters: [`${id}-001`, `${id}-002`],
    });
    expect((await describeGroup(id)).Status).toBe('creating');

    const group = await waitForStatus(id, 'available');
    for (const node of elastiCache.nodeProcesses(id)) seenPids.add(node.pid);
    expect(group).toMatchObject({
      AutomaticFailover: 'disabled',
      MultiAZ: 'disabled',
      ClusterEnabled: false,
      AuthTokenEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      CacheNodeType: 'cache.r7g.large',
      ARN: `arn:aws:elasticache:us-east-1:000000000000:replicationgroup:${id}`,
    });
    const nodeGroup = group.NodeGroups?.[0];
    expect(nodeGroup?.NodeGroupId).toBe('0001');
    expect(
      nodeGroup?.NodeGroupMembers?.map((member) => [member.CacheClusterId, member.CurrentRole, member.CacheNodeId]),
    ).toEqual([
      [`${id}-001`, 'primary', '0001'],
      [`${id}-002`, 'replica', '0001'],
    ]);
    const primaryPort = nodeGroup?.PrimaryEndpoint?.Port ?? 0;
    const replicaPort = nodeGroup?.NodeGroupMembers?.[1]?.ReadEndpoint?.Port ?? 0;
    expect(nodeGroup?.PrimaryEndpoint?.Address).toBe('127.0.0.1');
    expect(primaryPort).toBe(nodeProcess(id, `${id}-001`).port);
    expect(nodeGroup?.ReaderEndpoint?.Port).toBe(replicaPort);

    const ca = { ca: elastiCache.tlsCa?.pem ?? '' };
    const primary = connect(primaryPort, AUTH_TOKEN, ca);
    expect(await primary.get('greeting')).toBe('hello');
    expect(await primary.hgetall('profile:1')).toEqual({ name: 'alice', plan: 'pro' });
    const ttl = await primary.ttl('session:1');
    expect(ttl).toBeGreaterThan(3500);
    expect(await primary.ttl('greeting')).toBe(-1);

    await primary.set('written-after-restore', 'yes');
    const replica = connect(replicaPort, AUTH_TOKEN, ca);
    expect(await eventually(async () => (await replica.get('written-after-restore')) ?? undefined)).toBe('yes');
    expect(await replica.get('greeting')).toBe('hello');
    await expect(replica.set('x', '1')).rejects.toThrow(/READONLY/);
    await expect(connect(primaryPort, undefined, ca).get('greeting')).rejects.toThrow(/NOAUTH/);
    await expect(connect(primaryPort, AUTH_TOKEN).get('greeting')).rejects.toThrow();

    const { Events } = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );
    expect(Events?.map((event) => event.Message)).toEqual(
      expect.arrayContaining([`Replication group ${id} created`, expect.stringMatching(/^Restored from snapshot/)]),
    );
    expect(Events?.[0]?.Date).toBeInstanceOf(Date);
  });

  it('rejects a duplicate id with ReplicationGroupAlreadyExists', async () => {
    expect(await errorName(createGroup({ ReplicationGroupId: id }))).toBe('ReplicationGroupAlreadyExistsFault');
  });

  it('reports a killed primary and promotes a replica with ModifyReplicationGroup', async () => {
    const oldPrimary = nodeProcess(id, `${id}-001`);
    process.kill(oldPrimary.pid, 'SIGKILL');
    const Events = await eventually(async () => {
      const { Events: found } = await client.send(
        new DescribeEventsCommand({ SourceIdentifier: `${id}-001`, SourceType: 'cache-cluster' }),
      );
      return found?.some((event) => event.Message?.startsWith('Cache node')) ? found : undefined;
    });
    expect(Events[0]?.Message).toBe(`Cache node 0001 failed in cluster ${id}-001`);
    await sleep(500);
    expect((await describeGroup(id)).NodeGroups?.[0]?.PrimaryEndpoint?.Port).toBe(oldPrimary.port);

    const modified = await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        PrimaryClusterId: `${id}-002`,
        ApplyImmediately: true,
      }),
    );
    expect(modified.ReplicationGroup?.Status).toBe('modifying');
    expect(modified.ReplicationGroup?.PendingModifiedValues?.PrimaryClusterId).toBe(`${id}-002`);
    // While the promotion runs the group is not available: another modification is refused.
    const again = client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        PrimaryClusterId: `${id}-002`,
        ApplyImmediately: true,
      }),
    );
    expect(await errorName(again)).toBe('InvalidReplicationGroupStateFault');
    const group = await waitForStatus(id, 'available');
    const newPrimaryPort = nodeProcess(id, `${id}-002`).port;
    expect(group.NodeGroups?.[0]?.PrimaryEndpoint?.Port).toBe(newPrimaryPort);
    expect(
      group.NodeGroups?.[0]?.NodeGroupMembers?.find((member) => member.CacheClusterId === `${id}-002`)?.CurrentRole,
    ).toBe('primary');
    const newPrimary = connect(newPrimaryPort, AUTH_TOKEN, { ca: elastiCache.tlsCa?.pem ?? '' });
    expect(await newPrimary.set('after-promotion', '1')).toBe('OK');
    expect(await newPrimary.get('greeting')).toBe('hello');
  });

  it('rejects promotions of unknown members', async () => {
    const unknown = client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        PrimaryClusterId: `${id}-009`,
        ApplyImmediately: true,
      }),
    );
    expect(await errorName(unknown)).toBe('InvalidParameterValueException');
  });

  it('deletes the group and its processes', async () => {
    const pids = elastiCache.nodeProcesses(id).map((node) => node.pid);
    const deleted = await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
    expect(deleted.ReplicationGroup?.Status).toBe('deleting');
    const name = await eventually(async () => {
      const failure = await errorName(describeGroup(id));
      return failure === 'ReplicationGroupNotFoundFault' ? failure : undefined;
    });
    expect(name).toBe('ReplicationGroupNotFoundFault');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    const { Events } = await client.send(new DescribeEventsCommand({ SourceIdentifier: id }));
    expect(Events?.[0]?.Message).toBe(`Replication group ${id} deleted`);
  });
});

describe('parameter validation', () => {
  it.each([
    ['AuthToken without transit encryption', { AuthToken: AUTH_TOKEN }, 'InvalidParameterCombinationException'],
    [
      'Multi-AZ without automatic failover',
      { NumCacheClusters: 2, MultiAZEnabled: true },
      'InvalidParameterCombinationException',
    ],
    [
      'automatic failover with a single node',
      { AutomaticFailoverEnabled: true, NumCacheClusters: 1 },
      'InvalidParameterCombinationException',
    ],
    ['too many cache clusters', { NumCacheClusters: 7 }, 'InvalidParameterValueException'],
    // CreateReplicationGroup (ElastiCache API Reference), AuthToken: 16-128 printable characters,
    // specials only ! & # $ ^ < > -, and only with TransitEncryptionEnabled.
    [
      'a short AuthToken',
      { TransitEncryptionEnabled: true, CacheSubnetGroupName: 'private', AuthToken: 'short' },
      'InvalidParameterValueException',
    ],
    [
      'an AuthToken over 128 characters',
      { TransitEncryptionEnabled: true, CacheSubnetGroupName: 'private', AuthToken: 'a'.repeat(129) },
      'InvalidParameterValueException',
    ],
    [
      'an AuthToken with a special character other than ! & # $ ^ < > -',
      { TransitEncryptionEnabled: true, CacheSubnetGroupName: 'private', AuthToken: 'has-an-at-sign-@-in-it' },
      'InvalidParameterValueException',
    ],
    // CreateReplicationGroup, TransitEncryptionEnabled: "If you enable in-transit encryption,
    // you must also specify a value for CacheSubnetGroup".
    [
      'transit encryption without a cache subnet group',
      { TransitEncryptionEnabled: true },
      'InvalidParameterCombinationException',
    ],
    ['an unknown engine', { Engine: 'memcached' }, 'InvalidParameterValueException'],
    [
      'a missing snapshot object',
      { SnapshotArns: [`arn:aws:s3:::${BUCKET}/missing.rdb`] },
      'InvalidParameterValueException',
    ],
    ['a malformed snapshot ARN', { SnapshotArns: ['s3://bucket/key.rdb'] }, 'InvalidParameterValueException'],
  ])('rejects %s', async (_label, input, expected) => {
    expect(await errorName(createGroup({ ReplicationGroupId: 'invalid-group', ...input }))).toBe(expected);
    expect(await errorName(describeGroup('invalid-group'))).toBe('ReplicationGroupNotFoundFault');
  });

  it.each(['1starts-with-digit', 'double--hyphen', 'trailing-', 'under_score', 'x'.repeat(41)])(
    'rejects the id %s',
    async (badId) => {
      expect(await errorName(createGroup({ ReplicationGroupId: badId }))).toBe('InvalidParameterValueException');
    },
  );

  it('answers MissingParameter and InvalidAction on the wire', async () => {
    const missing = await rawQuery(
      'Action=CreateReplicationGroup&Version=2015-02-02&ReplicationGroupId=no-description',
    );
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<Code>MissingParameter</Code>');
    expect(missing.text).toContain('<Type>Sender</Type>');
    const unknown = await rawQuery('Action=LaunchRockets&Version=2015-02-02');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('<Code>InvalidAction</Code>');
    const notFound = await rawQuery('Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=ghost');
    expect(notFound.status).toBe(404);
    expect(notFound.text).toMatch(
      /<ErrorResponse xmlns="http:\/\/elasticache.amazonaws.com\/doc\/2015-02-02\/"><Error>.*<Code>ReplicationGroupNotFoundFault<\/Code>.*<\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/,
    );
  });
});

describe('corrupt snapshots', () => {
  it.each([
    ['a bad header', 'corrupt-header', Buffer.from('this is not an RDB file at all')],
    [
      'a truncated body',
      'corrupt-body',
      Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfa, 0x09, 0x72, 0x65, 0x64])]),
    ],
  ])('ends in create-failed with an event for %s', async (_label, id, body) => {
    const snapshotArn = await putSnapshot(`${id}.rdb`, body);
    await createGroup({ ReplicationGroupId: id, SnapshotArns: [snapshotArn] });
    const group = await waitForStatus(id, 'create-failed');
    expect(group.NodeGroups?.[0]?.Status).toBe('create-failed');
    const { Events } = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );
    expect(Events?.[0]?.Message).toMatch(/^Restore from snapshot failed for node group 0001: /);
    expect(elastiCache.nodeProcesses(id).every((node) => !node.alive)).toBe(true);
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
  });
});

/**
 * "Tutorial: Seeding a new node-based cluster with an externally created backup"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-seeding-redis.html): ElastiCache
 * reads the .rdb file through a READ grant to its canonical user on the object (Regions enabled by
 * default) or a bucket policy for <region>.elasticache-snapshot.amazonaws.com (opt-in Regions); the file
 * may be encrypted with SSE-S3 only; data larger than the node ends in restore-failed.
 */
describe('what ElastiCache refuses when seeding from a backup', () => {
  const seedRequest = (id: string, snapshotArn: string) =>
    createGroup({ ReplicationGroupId: id, SnapshotArns: [snapshotArn] });

  it('refuses an object whose ACL does not let ElastiCache read it, naming the object', async () => {
    const arn = await putSnapshot('ungranted.rdb', await makeRdb(), { GrantRead: undefined });
    const refused = seedRequest('ungranted', arn);
    await expect(refused).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(refused).rejects.toThrow(`No permission to access S3 object: ${BUCKET}/ungranted.rdb`);
    expect(await errorName(describeGroup('ungranted'))).toBe('ReplicationGroupNotFoundFault');
  });

  it('refuses an object in a bucket with ACLs disabled, where no grant can exist', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acls-disabled' }));
    await expect(putSnapshot('a.rdb', await makeRdb(), { Bucket: 'acls-disabled' })).rejects.toMatchObject({
      name: 'AccessControlListNotSupported',
    });
    const arn = await putSnapshot('a.rdb', await makeRdb(), { Bucket: 'acls-disabled', GrantRead: undefined });
    expect(await errorName(seedRequest('acls-disabled', arn))).toBe('InvalidParameterValueException');
  });

  it('refuses an object encrypted with SSE-KMS, even when ElastiCache may read it', async () => {
    const arn = await putSnapshot('kms.rdb', await makeRdb(), {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/backups',
    });
    const refused = seedRequest('kms-encrypted', arn);
    await expect(refused).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(refused).rejects.toThrow(/SSE-S3/);
  });

  it('in an opt-in region, reads only through a bucket policy for the regional snapshot principal', async () => {
    const optIn = await startElastiCache({ s3: s3ClientConfig(localS3.endpoint), region: 'ap-east-1' });
    const optInClient = new ElastiCacheClient({
      endpoint: optIn.endpoint,
      region: 'ap-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'opt-in-backups' }));
      const arn = await putSnapshot('a.rdb', await makeRdb(), { Bucket: 'opt-in-backups', GrantRead: undefined });
      const create = (id: string) =>
        optInClient.send(
          new CreateReplicationGroupCommand({
            ReplicationGroupId: id,
            ReplicationGroupDescription: 'seeded',
            Engine: 'redis',
            SnapshotArns: [arn],
          }),
        );
      expect(await errorName(create('no-policy'))).toBe('InvalidParameterValueException');

      const statement = (principal: string) => ({
        Effect: 'Allow',
        Principal: { Service: principal },
        Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'],
        Resource: ['arn:aws:s3:::opt-in-backups', 'arn:aws:s3:::opt-in-backups/*'],
      });
      const putPolicy = (principal: string) =>
        s3.send(
          new PutBucketPolicyCommand({
            Bucket: 'opt-in-backups',
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                statement(principal),
                {
                  Effect: 'Deny',
                  Principal: '*',
                  Action: 's3:*',
                  Resource: ['arn:aws:s3:::opt-in-backups', 'arn:aws:s3:::opt-in-backups/*'],
                  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                },
              ],
            }),
          }),
        );
      // The principal the template named before: not the one ElastiCache reads as.
      await putPolicy('elasticache.amazonaws.com');
      expect(await errorName(create('wrong-principal'))).toBe('InvalidParameterValueException');

      await putPolicy('ap-east-1.elasticache-snapshot.amazonaws.com');
      await create('with-policy');
      const { ReplicationGroups } = await eventually(async () => {
        const out = await optInClient.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'with-policy' }));
        return out.ReplicationGroups?.[0]?.Status === 'available' ? out : undefined;
      }, 30_000);
      expect(ReplicationGroups?.[0]?.ARN).toBe(
        'arn:aws:elasticache:ap-east-1:000000000000:replicationgroup:with-policy',
      );
    } finally {
      optInClient.destroy();
      await optIn.stop();
    }
  });

  it.each([
    ['RDB 12 (Redis 7.4) into Valkey 7.2', 12, 'valkey', '7.2'],
    ['RDB 11 (Valkey 7.2) into Redis OSS 7.0', 11, 'redis', '7.0'],
  ])("ends in create-failed with the engine's refusal for %s", async (_label, version, engine, engineVersion) => {
    const id = `rdb-${version}-into-${engine}`;
    const rdb = await makeRdb();
    rdb.write(String(version).padStart(4, '0'), 5, 'latin1');
    const arn = await putSnapshot(`${id}.rdb`, rdb);
    await createGroup({ ReplicationGroupId: id, Engine: engine, EngineVersion: engineVersion, SnapshotArns: [arn] });
    await waitForStatus(id, 'create-failed');
    const { Events } = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );
    expect(Events?.[0]?.Message).toBe(
      `Restore from snapshot failed for node group 0001: Can't handle RDB format version ${version}: ${engine} ${engineVersion} loads RDB format versions up to ${version - 1}`,
    );
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
  });

  it('ends in restore-failed when the data does not fit the node, and can then be deleted', async () => {
    const id = 'too-small';
    const arn = await putSnapshot('too-small.rdb', await makeRdb());
    await createGroup({ ReplicationGroupId: id, CacheNodeType: TINY_NODE, NumCacheClusters: 2, SnapshotArns: [arn] });
    const group = await waitForStatus(id, 'restore-failed');
    expect(group.Status).toBe('restore-failed');
    const { Events } = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );
    expect(Events?.[0]?.Message).toMatch(
      /^Restore from snapshot failed for node group 0001: the data .* does not fit a cache\.t4g\.micro node/,
    );
    expect(elastiCache.nodeProcesses(id).every((node) => !node.alive)).toBe(true);

    // Check Cache, through the real adapter, treats it as ElastiCache having given up, with its event.
    const world = { ...worldWithIncident(), fleet: new ElastiCacheFleet({ client }) };
    const recovery = {
      plan: 'PROVISION_FROM_BACKUP' as const,
      replicationGroupId: id,
      startedAt: NOW,
      polls: 0,
      ready: false,
      status: 'creating',
    };
    const failed = checkCache(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, recovery, maxPolls: 40 });
    await expect(failed).rejects.toBeInstanceOf(CacheProvisioningFailedError);
    await expect(failed).rejects.toThrow(/is restore-failed; last events: .* does not fit a cache\.t4g\.micro node/);
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
  });
});

describe('automatic failover', () => {
  const id = 'ha-cache';

  // "Promoting a read replica to primary, for Valkey or Redis OSS (cluster mode disabled) replication groups"
  // (ElastiCache User Guide): a replica can't be promoted while Multi-AZ with automatic failover is enabled
  // (ModifyReplicationGroup answers InvalidParameterCombination, "Two or more incompatible parameters were
  // specified", ElastiCache API Reference). "Minimizing downtime in ElastiCache by using Multi-AZ with Valkey and
  // Redis OSS": with it enabled ElastiCache fails over to a replica by itself. The events are those TestFailover's
  // API reference lists: "Failover from primary node <primary-node-id> to replica node <node-id> completed".
  it('fails over by itself when the primary dies', async () => {
    await createAvailable({
      ReplicationGroupId: id,
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });
    const primary = connect(nodeProcess(id, `${id}-001`).port);
    await primary.set('before-failover', 'kept');
    // Replication is asynchronous: wait until both replicas have the write before the primary dies.
    for (const replica of [`${id}-002`, `${id}-003`]) {
      await eventually(async () =>
        (await connect(nodeProcess(id, replica).port).get('before-failover')) === 'kept' ? true : undefined,
      );
    }
    expect(
      await errorName(
        client.send(
          new ModifyReplicationGroupCommand({
            ReplicationGroupId: id,
            PrimaryClusterId: `${id}-002`,
            ApplyImmediately: true,
          }),
        ),
      ),
    ).toBe('InvalidParameterCombinationException');

    process.kill(nodeProcess(id, `${id}-001`).pid, 'SIGKILL');
    const failedOver = await eventually(async () => {
      const group = await describeGroup(id);
      const port = group.NodeGroups?.[0]?.PrimaryEndpoint?.Port;
      return group.Status === 'available' && port === nodeProcess(id, `${id}-002`).port ? group : undefined;
    });
    expect(failedOver.NodeGroups?.[0]?.ReaderEndpoint?.Port).toBe(nodeProcess(id, `${id}-003`).port);
    const newPrimary = connect(nodeProcess(id, `${id}-002`).port);
    expect(await newPrimary.get('before-failover')).toBe('kept');
    await newPrimary.set('after-failover', 'replicated');
    const lastReplica = connect(nodeProcess(id, `${id}-003`).port);
    expect(await eventually(async () => (await lastReplica.get('after-failover')) ?? undefined)).toBe('replicated');
    const events = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );
    expect(events.Events?.[0]?.Message).toBe(
      `Failover from primary node ${id}-001 to replica node ${id}-002 completed`,
    );
    const clusterEvents = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: `${id}-001`, SourceType: 'cache-cluster' }),
    );
    expect(clusterEvents.Events?.map((e) => e.Message)).toContain(
      `Failover from primary node ${id}-001 to replica node ${id}-002 completed`,
    );
  });
});

describe('promotion with Multi-AZ', () => {
  const id = 'maz-cache';

  // "Promoting a read replica to primary, for Valkey or Redis OSS (cluster mode disabled) replication groups":
  // 1. modify the group to disable Multi-AZ, 2. promote the read replica, 3. modify the group to re-enable Multi-AZ.
  it('promotes once Multi-AZ and automatic failover are off, as the user guide says, and turns them back on', async () => {
    await createAvailable({
      ReplicationGroupId: id,
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });
    const refused = client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        PrimaryClusterId: `${id}-002`,
        ApplyImmediately: true,
      }),
    );
    const failure = await refused.then(
      () => new Error('expected the promotion to be refused'),
      (error: unknown) => error as Error,
    );
    expect(failure.name).toBe('InvalidParameterCombinationException');
    expect(failure.message).toMatch(/automatic failover is enabled/i);

    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        AutomaticFailoverEnabled: false,
        MultiAZEnabled: false,
        ApplyImmediately: true,
      }),
    );
    await waitForStatus(id, 'available');
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        PrimaryClusterId: `${id}-002`,
        ApplyImmediately: true,
      }),
    );
    const promoted = await waitForStatus(id, 'available');
    expect(promoted.NodeGroups?.[0]?.PrimaryEndpoint?.Port).toBe(nodeProcess(id, `${id}-002`).port);
    const restored = await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        ApplyImmediately: true,
      }),
    );
    expect(restored.ReplicationGroup).toMatchObject({ AutomaticFailover: 'enabled', MultiAZ: 'enabled' });
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
  });
});

describe('regions', () => {
  const WEST = 'us-west-2';
  let west: ElastiCacheClient;
  let europe: ElastiCacheClient;

  beforeAll(() => {
    west = new ElastiCacheClient({ endpoint: elastiCache.endpoint, region: WEST, credentials: LOCAL_CREDENTIALS });
    europe = new ElastiCacheClient({
      endpoint: elastiCache.endpoint,
      region: 'eu-west-1',
      credentials: LOCAL_CREDENTIALS,
    });
  });
  afterAll(() => {
    west.destroy();
    europe.destroy();
  });

  // ElastiCache is a regional service: each region has its own endpoint ("Amazon ElastiCache endpoints and quotas",
  // AWS General Reference) and a replication group exists in one region only; asked elsewhere, DescribeReplicationGroups
  // answers ReplicationGroupNotFoundFault (ElastiCache API Reference). The local endpoint tells regions apart by the
  // region of the request's SigV4 credential scope.
  it("keeps each region's groups apart: another region's API does not know them", async () => {
    await west.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'west-only',
        ReplicationGroupDescription: 'in us-west-2',
        CacheNodeType: 'cache.r7g.large',
        Engine: 'redis',
      }),
    );
    const { ReplicationGroups } = await west.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'west-only' }),
    );
    expect(ReplicationGroups?.[0]?.ARN).toBe('arn:aws:elasticache:us-west-2:000000000000:replicationgroup:west-only');
    expect(await errorName(describeGroup('west-only'))).toBe('ReplicationGroupNotFoundFault');
    const all = await client.send(new DescribeReplicationGroupsCommand({}));
    expect(all.ReplicationGroups?.map((g) => g.ReplicationGroupId)).not.toContain('west-only');
    const modify = client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: 'west-only',
        PrimaryClusterId: 'west-only-001',
        ApplyImmediately: true,
      }),
    );
    expect(await errorName(modify)).toBe('ReplicationGroupNotFoundFault');
    await eventually(async () => {
      const out = await west.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'west-only' }));
      return out.ReplicationGroups?.[0]?.Status === 'available' ? true : undefined;
    }, 30_000);
    await west.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'west-only' }));
  });

  // FailoverGlobalReplicationGroup (ElastiCache API Reference): "Used to failover the primary region to a secondary
  // region. The secondary region will become primary, and all other clusters will become secondary"; PrimaryRegion and
  // PrimaryReplicationGroupId name the new primary. A Global Datastore's clusters live in their own regions.
  it('fails a Global Datastore over to its secondary through the secondary region, keeping the data', async () => {
    await createAvailable({
      ReplicationGroupId: 'gds-east',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });
    await west.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'gds-west',
        ReplicationGroupDescription: 'secondary',
        CacheNodeType: 'cache.t3.micro',
        Engine: 'redis',
      }),
    );
    await eventually(async () => {
      const out = await west.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'gds-west' }));
      return out.ReplicationGroups?.[0]?.Status === 'available' ? true : undefined;
    }, 30_000);
    for (const node of elastiCache.nodeProcesses('gds-west', WEST)) seenPids.add(node.pid);
    const eastPrimary = connect(nodeProcess('gds-east', 'gds-east-001').port);
    await eastPrimary.set('written-in-east', 'kept');

    await elastiCache.createGlobalDatastore({
      globalReplicationGroupId: 'ldgnf-gds',
      primary: { region: LOCAL_REGION, replicationGroupId: 'gds-east' },
      secondary: { region: WEST, replicationGroupId: 'gds-west' },
    });
    const westPort = elastiCache.nodeProcesses('gds-west', WEST)[0]?.port ?? 0;
    const westPrimary = connect(westPort);
    expect(await eventually(async () => (await westPrimary.get('written-in-east')) ?? undefined)).toBe('kept');
    await expect(westPrimary.set('x', '1')).rejects.toThrow(/READONLY/);

    const described = await west.send(
      new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: 'ldgnf-gds', ShowMemberInfo: true }),
    );
    expect(described.GlobalReplicationGroups?.[0]?.Members).toEqual([
      expect.objectContaining({
        ReplicationGroupId: 'gds-east',
        ReplicationGroupRegion: LOCAL_REGION,
        Role: 'PRIMARY',
        Status: 'associated',
      }),
      expect.objectContaining({
        ReplicationGroupId: 'gds-west',
        ReplicationGroupRegion: WEST,
        Role: 'SECONDARY',
        Status: 'associated',
      }),
    ]);
    expect((await describeGroup('gds-east')).GlobalReplicationGroupInfo).toEqual({
      GlobalReplicationGroupId: 'ldgnf-gds',
      GlobalReplicationGroupMemberRole: 'PRIMARY',
    });
    const elsewhere = europe.send(
      new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: 'ldgnf-gds' }),
    );
    expect(await errorName(elsewhere)).toBe('GlobalReplicationGroupNotFoundFault');
    const notAMember = west.send(
      new FailoverGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: 'ldgnf-gds',
        PrimaryRegion: WEST,
        PrimaryReplicationGroupId: 'gds-elsewhere',
      }),
    );
    expect(await errorName(notAMember)).toBe('InvalidParameterValueException');

    for (const node of elastiCache.nodeProcesses('gds-east')) process.kill(node.pid, 'SIGKILL');
    const failover = await west.send(
      new FailoverGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: 'ldgnf-gds',
        PrimaryRegion: WEST,
        PrimaryReplicationGroupId: 'gds-west',
      }),
    );
    expect(failover.GlobalReplicationGroup?.GlobalReplicationGroupId).toBe('ldgnf-gds');
    const after = await eventually(async () => {
      const out = await west.send(
        new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: 'ldgnf-gds', ShowMemberInfo: true }),
      );
      const g = out.GlobalReplicationGroups?.[0];
      return g?.Status === 'available' &&
        g.Members?.find((m) => m.Role === 'PRIMARY')?.ReplicationGroupId === 'gds-west'
        ? g
        : undefined;
    });
    expect(after.Members?.find((m) => m.Role === 'SECONDARY')?.ReplicationGroupId).toBe('gds-east');
    const promoted = await eventually(async () => {
      const out = await west.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'gds-west' }));
      return out.ReplicationGroups?.[0]?.Status === 'available' ? out.ReplicationGroups[0] : undefined;
    });
    expect(promoted.GlobalReplicationGroupInfo?.GlobalReplicationGroupMemberRole).toBe('PRIMARY');
    expect(await westPrimary.set('written-in-west', 'ok')).toBe('OK');
    expect(await westPrimary.get('written-in-east')).toBe('kept');
  });
});

describe('other actions', () => {
  it('answers the actions nothing in the project calls with InvalidAction', async () => {
    const arn = 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:any';
    const unused: [string, Promise<unknown>][] = [
      ['DescribeCacheClusters', client.send(new DescribeCacheClustersCommand({}))],
      ['TestFailover', client.send(new TestFailoverCommand({ ReplicationGroupId: 'any', NodeGroupId: '0001' }))],
      ['ListTagsForResource', client.send(new ListTagsForResourceCommand({ ResourceName: arn }))],
      [
        'AddTagsToResource',
        client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'k', Value: 'v' }] })),
      ],
      ['RemoveTagsFromResource', client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['k'] }))],
    ];
    for (const [action, sent] of unused) {
      await expect(sent).rejects.toMatchObject({
        name: 'InvalidAction',
        message: `The action ${action} is not valid for this web service.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('has no global datastores until one is created', async () => {
    const { GlobalReplicationGroups } = await client.send(new DescribeGlobalReplicationGroupsCommand({}));
    expect(GlobalReplicationGroups?.map((g) => g.GlobalReplicationGroupId)).not.toContain('ldgnf-global');
    const failover = client.send(
      new FailoverGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: 'ldgnf-global',
        PrimaryRegion: 'us-west-2',
        PrimaryReplicationGroupId: 'x',
      }),
    );
    expect(await errorName(failover)).toBe('GlobalReplicationGroupNotFoundFault');
  });

  it('answers the AWS CLI', async () => {
    const id = 'cli-visible';
    await createAvailable({ ReplicationGroupId: id });
    const run = promisify(execFile);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const args = [
      'elasticache',
      'describe-replication-groups',
      '--replication-group-id',
      id,
      '--endpoint-url',
      elastiCache.endpoint,
      '--region',
      LOCAL_REGION,
      '--output',
      'json',
    ];
    let stdout: string;
    try {
      ({ stdout } = await run('aws', args, { env, timeout: 60_000 }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        console.warn('aws CLI not on PATH: skipping the AWS CLI check');
        return;
      }
      throw error;
    }
    const parsed = JSON.parse(stdout) as {
      ReplicationGroups: {
        ReplicationGroupId: string;
        Status: string;
        NodeGroups: { PrimaryEndpoint: { Port: number } }[];
      }[];
    };
    expect(parsed.ReplicationGroups[0]).toMatchObject({ ReplicationGroupId: id, Status: 'available' });
    expect(parsed.ReplicationGroups[0]?.NodeGroups[0]?.PrimaryEndpoint.Port).toBe(nodeProcess(id, `${id}-001`).port);
  });
});
