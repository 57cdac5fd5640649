/**
 * "Restricted commands" (ElastiCache User Guide): ElastiCache refuses clients bgrewriteaof,
 * bgsave, config, debug, migrate, replicaof, save, slaveof, shutdown and sync. Every node the
 * local ElastiCache starts refuses them (and PSYNC) to clients, with or without the group's
 * AUTH token, while replication, promotion and snapshots keep working.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import type { CreateReplicationGroupCommandInput, ReplicationGroup } from '@aws-sdk/client-elasticache';
import { RedisBackupSource } from '../../functions/adapters/redis-backup-source';
import { BackupMethodRefusedError } from '../../functions/domain/errors';
import { startElastiCache, startRedis } from '../../local/elasticache';
import type { LocalElastiCache } from '../../local/elasticache';
import { RespError, redisCommands } from '../../local/elasticache/resp';
import type { RedisCommandOptions, RespReply } from '../../local/elasticache/resp';
import { s3ClientConfig, startS3 as startLocalS3, type LocalS3 } from '../../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const AUTH_TOKEN = 'restricted-auth-token-0123456789';

/** Each command the page names (and PSYNC), with arguments its arity accepts. */
const REFUSED: readonly (readonly string[])[] = [
  ['BGREWRITEAOF'],
  ['BGSAVE'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'SET', 'maxmemory', '1'],
  ['DEBUG', 'SLEEP', '0'],
  ['MIGRATE', '127.0.0.1', '1', 'greeting', '0', '1000'],
  ['REPLICAOF', 'NO', 'ONE'],
  ['SAVE'],
  ['SLAVEOF', 'NO', 'ONE'],
  ['SHUTDOWN', 'NOSAVE'],
  ['SYNC'],
  ['PSYNC', '?', '-1'],
];

/** NOPERM from the ACL; DEBUG is refused before the ACL is consulted (the engine's enable-debug-command no). */
const refusalOf = (command: string | undefined): RegExp =>
  command === 'DEBUG' ? /^ERR DEBUG command not allowed/ : /^NOPERM this user has no permissions to run the '/;

let workDir: string;
let localS3: LocalS3;
let elastiCache: LocalElastiCache;
let client: ElastiCacheClient;

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

async function createAvailable(
  input: Partial<CreateReplicationGroupCommandInput> & { ReplicationGroupId: string },
): Promise<ReplicationGroup> {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupDescription: 'restricted commands',
      CacheNodeType: 'cache.t3.micro',
      Engine: 'redis',
      NumCacheClusters: 2,
      ...input,
    }),
  );
  return waitForStatus(input.ReplicationGroupId, 'available');
}

/** The port of the group's node in `role`, as DescribeReplicationGroups gives it. */
function portOf(group: ReplicationGroup, role: 'primary' | 'replica'): number {
  const member = group.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === role);
  const port = member?.ReadEndpoint?.Port;
  if (port === undefined) throw new Error(`no ${role} in ${group.ReplicationGroupId ?? '?'}`);
  return port;
}

/** One reply per command, each on a connection of its own, as a client would send it. */
async function eachReply(port: number, commands: readonly (readonly string[])[], options: RedisCommandOptions) {
  const replies: RespReply[] = [];
  for (const command of commands) replies.push((await redisCommands(port, [command], options))[0] ?? null);
  return replies;
}

const errorText = (reply: RespReply): string | undefined => (reply instanceof RespError ? reply.message : undefined);

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'elasticache-restricted-'));
  localS3 = await startLocalS3({ directory: path.join(workDir, 's3') });
  elastiCache = await startElastiCache({ s3: s3ClientConfig(localS3.endpoint) });
  client = new ElastiCacheClient({
    endpoint: elastiCache.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  client?.destroy();
  await elastiCache?.stop();
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

describe.each([
  ['without an AUTH token', 'open-group', {}],
  [
    'with an AUTH token',
    'token-group',
    { TransitEncryptionEnabled: true, CacheSubnetGroupName: 'private', AuthToken: AUTH_TOKEN },
  ],
] as const)('a group %s', (_label, id, settings) => {
  let group: ReplicationGroup;
  let clientAccess: RedisCommandOptions;

  beforeAll(async () => {
    group = await createAvailable({ ReplicationGroupId: id, ...settings });
    const tlsCa = 'AuthToken' in settings ? elastiCache.tlsCa?.pem : undefined;
    clientAccess = { tlsCa, ...('AuthToken' in settings ? { password: settings.AuthToken } : {}) };
  });

  it('refuses a client every restricted command, on the primary and on the replica, and keeps running', async () => {
    for (const role of ['primary', 'replica'] as const) {
      const replies = await eachReply(portOf(group, role), REFUSED, clientAccess);
      expect(replies.map(errorText)).toEqual(REFUSED.map(([name]) => expect.stringMatching(refusalOf(name))));
    }
    expect(await redisCommands(portOf(group, 'primary'), [['PING']], clientAccess)).toEqual(['PONG']);
  });

  it('serves what a client may run: SET, GET, DUMP, PTTL, SCAN, INFO, DBSIZE, and replicates the writes', async () => {
    const primary = portOf(group, 'primary');
    const [set, get, dump, pttl, scan, info, dbsize] = await redisCommands(
      primary,
      [
        ['SET', 'greeting', 'hello', 'EX', '3600'],
        ['GET', 'greeting'],
        ['DUMP', 'greeting'],
        ['PTTL', 'greeting'],
        ['SCAN', '0', 'COUNT', '100'],
        ['INFO', 'replication'],
        ['DBSIZE'],
      ],
      clientAccess,
    );
    expect([set, get]).toEqual(['OK', 'hello']);
    expect(typeof dump).toBe('string');
    expect(pttl).toBeGreaterThan(3_500_000);
    expect(scan).toEqual(['0', ['greeting']]);
    expect(info).toMatch(/role:master\r\nconnected_slaves:1\r\n/);
    expect(dbsize).toBe(1);
    const replica = portOf(group, 'replica');
    const copied = await eventually(async () => {
      const [value] = await redisCommands(replica, [['GET', 'greeting']], clientAccess);
      return value === 'hello' ? value : undefined;
    });
    expect(copied).toBe('hello');
  });

  it('refuses a sync backup with NOPERM; a scan-dump backup reads every key', async () => {
    const endpoint = { host: '127.0.0.1', port: portOf(group, 'primary'), tls: 'AuthToken' in settings };
    const source = new RedisBackupSource({ tlsOptions: { ca: elastiCache.tlsCa?.pem } });
    const options = 'AuthToken' in settings ? { authToken: settings.AuthToken } : {};

    const refusal = await source.sync(endpoint, options).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BackupMethodRefusedError);
    expect(refusal).toMatchObject({ method: 'sync', command: 'SYNC', reply: expect.stringMatching(/^NOPERM /) });

    const dump = await source.scanDump(endpoint, options);
    const keys: string[] = [];
    for await (const entry of dump.entries) keys.push(entry.key.toString());
    expect(keys).toEqual(['greeting']);
  });

  it('promotes the replica: the new primary refuses SYNC too, and the old one replicates from it', async () => {
    const before = group;
    const newPrimaryId = `${id}-002`;
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        PrimaryClusterId: newPrimaryId,
        ApplyImmediately: true,
      }),
    );
    const after = await waitForStatus(id, 'available');
    expect(after.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary')?.CacheClusterId).toBe(
      newPrimaryId,
    );
    const primary = portOf(after, 'primary');
    expect(primary).toBe(portOf(before, 'replica'));
    const [sync = null, set] = await eachReply(primary, [['SYNC'], ['SET', 'after-promotion', 'yes']], clientAccess);
    expect(errorText(sync)).toMatch(/^NOPERM /);
    expect(set).toBe('OK');
    const copied = await eventually(async () => {
      const [value] = await redisCommands(portOf(after, 'replica'), [['GET', 'after-promotion']], clientAccess);
      return value === 'yes' ? value : undefined;
    });
    expect(copied).toBe('yes');
    group = after;
  });
});

describe('startRedis outside the local ElastiCache', () => {
  it('restricts nothing without the acl option: a provider redis serves CONFIG, SAVE and SYNC', async () => {
    const dir = await fs.mkdtemp(path.join(workDir, 'provider-'));
    const redis = await startRedis({ dir, requirePass: AUTH_TOKEN });
    try {
      const [config, save] = await redisCommands(redis.port, [['CONFIG', 'GET', 'maxmemory'], ['SAVE']], {
        password: AUTH_TOKEN,
      });
      expect(config).toEqual(['maxmemory', '0']);
      expect(save).toBe('OK');
      const snapshot = await new RedisBackupSource().sync(
        { host: '127.0.0.1', port: redis.port, tls: false },
        { authToken: AUTH_TOKEN },
      );
      snapshot.close();
      expect(snapshot.method).toBe('sync');
    } finally {
      await redis.stop();
    }
  });
});
