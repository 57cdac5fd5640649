/**
 * The local ElastiCache refuses as AWS does when an account quota or the API
 * rate is reached, seen through the real SDK client and the product's adapter.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  type CreateReplicationGroupCommandInput,
} from '@aws-sdk/client-elasticache';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ElastiCacheFleet } from '../../functions/adapters/elasticache-fleet';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { DependencyThrottledError, QuotaExceededError } from '../../functions/domain/errors';
import { startElastiCache, type LocalElastiCache } from '../../local/elasticache';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const BUCKET = 'backups';

let workDir: string;
let localS3: LocalS3;
let s3: S3Client;
const started: LocalElastiCache[] = [];
const clients: ElastiCacheClient[] = [];

/** An emulator with `options`, and a client that does not retry, so that each refusal is seen as it is. */
async function emulator(
  options: Pick<Parameters<typeof startElastiCache>[0], 'quotas' | 'apiRate'>,
): Promise<{ client: ElastiCacheClient; fleet: ElastiCacheFleet }> {
  const local = await startElastiCache({
    s3: s3ClientConfig(localS3.endpoint),
    transitEncryption: 'plaintext',
    dataDir: await fs.mkdtemp(path.join(workDir, 'ec-')),
    ...options,
  });
  started.push(local);
  const client = new ElastiCacheClient({
    endpoint: local.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  clients.push(client);
  return { client, fleet: new ElastiCacheFleet({ client, region: LOCAL_REGION }) };
}

function create(
  client: ElastiCacheClient,
  id: string,
  nodes: number,
  extra: Partial<CreateReplicationGroupCommandInput> = {},
) {
  return client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'quota test',
      CacheNodeType: 'cache.t3.micro',
      Engine: 'redis',
      NumCacheClusters: nodes,
      ...extra,
    }),
  );
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to be refused');
}

async function waitAvailable(client: ElastiCacheClient, id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    if (out.ReplicationGroups?.[0]?.Status === 'available') return;
    if (Date.now() > deadline) throw new Error(`${id} did not become available`);
    await sleep(100);
  }
}

const replacement = (replicationGroupId: string, numCacheClusters: number) => ({
  replicationGroupId,
  description: 'replacement',
  snapshotArn: `arn:aws:s3:::${BUCKET}/sessions.rdb`,
  nodeType: 'cache.t3.micro',
  engine: 'redis' as const,
  numCacheClusters,
  port: 6379,
  cacheSubnetGroupName: 'default',
  securityGroupIds: [],
  tags: {},
});

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'elasticache-quotas-'));
  localS3 = await startS3({ directory: path.join(workDir, 's3') });
  s3 = new S3Client(s3ClientConfig(localS3.endpoint));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectOwnership: 'BucketOwnerPreferred' }));
  // A backup ElastiCache may read: a refused create never gets to its contents.
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'sessions.rdb',
      Body: 'REDIS0011',
      GrantRead: `id="${ELASTICACHE_CANONICAL_IDS.default}"`,
    }),
  );
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  s3?.destroy();
  await Promise.all(started.map((local) => local.stop()));
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

describe('account quotas', () => {
  it('refuses a group that would exceed the nodes per region with NodeQuotaForCustomerExceeded; a group that fits is created', async () => {
    const { client } = await emulator({ quotas: { nodesPerRegion: 3 } });
    await create(client, 'first', 2);

    const refused = await refusal(create(client, 'second', 2));
    expect(refused).toEqual({
      name: 'NodeQuotaForCustomerExceededFault',
      message:
        'The request cannot be processed because it would exceed the allowed number of cache nodes per customer.',
      status: 400,
    });
    // Nothing was created for the refused request.
    expect(
      await refusal(client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'second' }))),
    ).toMatchObject({
      name: 'ReplicationGroupNotFoundFault',
    });
    await expect(create(client, 'third', 1)).resolves.toBeDefined();
  });

  it('counts creates that arrive together: only as many as fit are accepted', async () => {
    const { client } = await emulator({ quotas: { nodesPerRegion: 4 } });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((i) => create(client, `together-${i}`, 2)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected'))
      expect((o.reason as Error).name).toBe('NodeQuotaForCustomerExceededFault');
  });

  it('frees the nodes of a group being deleted', async () => {
    const { client } = await emulator({ quotas: { nodesPerRegion: 2 } });
    await create(client, 'old', 2);
    await waitAvailable(client, 'old');
    expect((await refusal(create(client, 'new', 2))).name).toBe('NodeQuotaForCustomerExceededFault');
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'old' }));
    await expect(create(client, 'new', 2)).resolves.toBeDefined();
  });

  it('refuses with ClusterQuotaForCustomerExceeded over the clusters quota', async () => {
    const { client } = await emulator({ quotas: { clustersPerCustomer: 1 } });
    await create(client, 'one', 1);
    expect(await refusal(create(client, 'two', 1))).toMatchObject({
      name: 'ClusterQuotaForCustomerExceededFault',
      message: 'The request cannot be processed because it would exceed the allowed number of clusters per customer.',
    });
  });

  it("reaches the provision step's adapter as a refusal naming the quota and the nodes the replacement needed", async () => {
    const { client, fleet } = await emulator({ quotas: { nodesPerRegion: 3 } });
    await create(client, 'sessions-primary', 2);

    const attempt = fleet.createFromBackup(replacement('sessions-r-1', 2));

    await expect(attempt).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(attempt).rejects.toMatchObject({
      awsError: 'NodeQuotaForCustomerExceeded',
      quota: 'Nodes per Region',
      nodesRequested: 2,
      message: expect.stringContaining('allowed number of cache nodes per customer'),
    });
  });
});

describe('API rate', () => {
  it('refuses a mutating call over the rate with Throttling "Rate exceeded", never a describe, and accepts it once refilled', async () => {
    const { client } = await emulator({ apiRate: { perSecond: 2, burst: 1 } });
    await create(client, 'a', 1);

    expect(await refusal(create(client, 'b', 1))).toEqual({
      name: 'Throttling',
      message: 'Rate exceeded',
      status: 400,
    });
    for (let i = 0; i < 5; i++)
      await expect(
        client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'a' })),
      ).resolves.toBeDefined();

    await sleep(600);
    await expect(create(client, 'b', 1)).resolves.toBeDefined();
  });

  it('reaches the adapter as throttling, which the steps calling ElastiCache retry longer', async () => {
    const { client, fleet } = await emulator({ apiRate: { perSecond: 0.1, burst: 1 } });
    await create(client, 'spends-the-token', 1);
    await expect(fleet.createFromBackup(replacement('sessions-r-2', 1))).rejects.toBeInstanceOf(
      DependencyThrottledError,
    );
  });
});
