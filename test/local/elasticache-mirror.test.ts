/**
 * The mirror into an ElastiCache standby uses only commands ElastiCache lets a
 * client run: INFO, SELECT, SCAN, DUMP, PEXPIRETIME, EXISTS on the source;
 * INFO, SELECT, RESTORE, SCAN, UNLINK on the standby ("Restricted commands",
 * ElastiCache User Guide, names none of them). The local nodes, which refuse
 * the restricted ones, run a whole mirror pass over TLS with the AUTH token.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { RedisMirror } from '../../functions/adapters/redis-mirror';
import { startElastiCache, type LocalElastiCache } from '../../local/elasticache';
import { redisCommands, type RedisCommandOptions } from '../../local/elasticache/resp';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const AUTH_TOKEN = 'mirror-auth-token-0123456789';

let workDir: string;
let localS3: LocalS3;
let elastiCache: LocalElastiCache;
let client: ElastiCacheClient;

async function createAvailable(id: string): Promise<ReplicationGroup> {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'mirror',
      CacheNodeType: 'cache.t3.micro',
      Engine: 'redis',
      NumCacheClusters: 1,
      TransitEncryptionEnabled: true,
      CacheSubnetGroupName: 'private',
      AuthToken: AUTH_TOKEN,
    }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { ReplicationGroups } = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    const group = ReplicationGroups?.[0];
    if (group?.Status === 'available') return group;
    if (Date.now() > deadline) throw new Error(`${id} is not available`);
    await sleep(100);
  }
}

const endpointOf = (group: ReplicationGroup) => {
  const address = group.NodeGroups?.[0]?.PrimaryEndpoint;
  return { host: '127.0.0.1', port: address?.Port ?? 0, tls: true };
};

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'elasticache-mirror-'));
  localS3 = await startS3({ directory: path.join(workDir, 's3') });
  elastiCache = await startElastiCache({ s3: s3ClientConfig(localS3.endpoint) });
  client = new ElastiCacheClient({
    endpoint: elastiCache.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await elastiCache?.stop();
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

it('mirrors one ElastiCache group into another over TLS with the AUTH token, deletions included', async () => {
  // Prepare
  const [source, standby] = [
    endpointOf(await createAvailable('mirror-source')),
    endpointOf(await createAvailable('mirror-standby')),
  ];
  const access: RedisCommandOptions = { tlsCa: elastiCache.tlsCa?.pem, password: AUTH_TOKEN };
  await redisCommands(
    source.port,
    [
      ['SET', 'greeting', 'hello', 'PX', '3600000'],
      ['SELECT', '2'],
      ['HSET', 'profile:1', 'plan', 'team'],
    ],
    access,
  );
  await redisCommands(standby.port, [['SET', 'left-over', 'x']], access);
  const mirror = new RedisMirror({ tlsOptions: { ca: elastiCache.tlsCa?.pem } });
  const ends = { source, target: standby, sourceAuthToken: AUTH_TOKEN, targetAuthToken: AUTH_TOKEN };

  // Act
  const pass = await mirror.mirror(ends, { deadline: new Date(Date.now() + 60_000) });

  // Assess
  expect(pass).toMatchObject({ copied: 2, deleted: 1, databases: [0, 2] });
  const [greeting, expiry, left, , plan] = await redisCommands(
    standby.port,
    [
      ['GET', 'greeting'],
      ['PEXPIRETIME', 'greeting'],
      ['EXISTS', 'left-over'],
      ['SELECT', '2'],
      ['HGET', 'profile:1', 'plan'],
    ],
    access,
  );
  const [sourceExpiry] = await redisCommands(source.port, [['PEXPIRETIME', 'greeting']], access);
  expect([greeting, left, plan]).toEqual(['hello', 0, 'team']);
  expect(expiry).toBe(sourceExpiry);
});
