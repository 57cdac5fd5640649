/**
 * The deployed `mirror` function on the local stack (its bundle, its IAM role
 * enforced, the local SSM, DynamoDB and ElastiCache): a cache's keys reach its
 * standby group over TLS with the cache's AUTH token, with their expiries, and
 * keys the cache lost leave the standby on the next cycle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import Redis from 'ioredis';
import { protectedCacheSchema } from '../../functions/domain/caches';
import type { MirrorCycle } from '../../functions/ports';
import { startRedis, type RedisProcess } from '../../local/elasticache/redis-process';
import { startStack, type LocalStack } from '../../local/stack';
import { childProcesses } from './processes';

const TOKEN = 'mirror-e2e-token-0123456789';

describe('the mirror function', () => {
  let stack: LocalStack;
  let dir: string;
  let provider: RedisProcess;
  let source: Redis;
  let standby: Redis;

  async function standbyGroup(id: string): Promise<number> {
    await stack.clients.elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: id,
        ReplicationGroupDescription: 'warm standby',
        CacheNodeType: 'cache.t3.micro',
        Engine: 'redis',
        NumCacheClusters: 1,
        TransitEncryptionEnabled: true,
        CacheSubnetGroupName: 'private',
        AuthToken: TOKEN,
      }),
    );
    for (;;) {
      const out = await stack.clients.elasticache.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
      );
      const group = out.ReplicationGroups?.[0];
      const port = group?.NodeGroups?.[0]?.PrimaryEndpoint?.Port;
      if (group?.Status === 'available' && port) return port;
      await sleep(100);
    }
  }

  async function mirror(): Promise<MirrorCycle> {
    const out = await stack.lambda.invoke('mirror', { cacheId: 'orders' });
    if (!out.ok) throw new Error(`mirror failed: ${JSON.stringify(out.error)}`);
    return out.payload as MirrorCycle;
  }

  beforeAll(async () => {
    stack = await startStack({ alarmTimeScale: 1 / 60 });
    dir = mkdtempSync(join(tmpdir(), 'mirror-e2e-'));
    provider = await startRedis({ dir, requirePass: TOKEN });
    source = new Redis({ host: '127.0.0.1', port: provider.port, password: TOKEN, maxRetriesPerRequest: 1 });
    const port = await standbyGroup('orders-standby');
    standby = new Redis({
      host: '127.0.0.1',
      port,
      password: TOKEN,
      tls: { ca: stack.elasticache.tlsCa?.pem, servername: '127.0.0.1' },
      maxRetriesPerRequest: 1,
    });
    await stack.clients.ssm.send(
      new PutParameterCommand({ Name: '/cache/orders/auth-token', Value: TOKEN, Type: 'SecureString' }),
    );
    stack.protect([
      protectedCacheSchema.parse({
        id: 'orders',
        endpoint: { host: '127.0.0.1', port: provider.port, tls: false },
        endpointParameter: '/cache/orders/endpoint',
        authTokenParameter: '/cache/orders/auth-token',
        standby: { replicationGroupId: 'orders-standby' },
        replacement: { engine: 'redis', cacheSubnetGroupName: 'private' },
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    source?.disconnect();
    standby?.disconnect();
    await provider?.stop();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(childProcesses()).toEqual([]);
  });

  it('copies the cache into its standby, then deletes from it what the cache lost', async () => {
    // Prepare
    for (let i = 0; i < 300; i++) await source.set(`order:${i}`, JSON.stringify({ i }));
    await source.set('session:a', 'x', 'PX', 3_600_000);
    await source.select(3);
    await source.hset('profile:1', { plan: 'team' });
    await source.select(0);

    // Act
    const first = await mirror();

    // Assess
    expect(first).toMatchObject({
      outcome: 'ok',
      standbyReplicationGroupId: 'orders-standby',
      pass: { copied: 302, deleted: 0, databases: [0, 3] },
    });
    expect(await standby.get('order:299')).toBe('{"i":299}');
    expect(await standby.call('PEXPIRETIME', 'session:a')).toBe(await source.call('PEXPIRETIME', 'session:a'));
    await standby.select(3);
    expect(await standby.hget('profile:1', 'plan')).toBe('team');
    await standby.select(0);

    await source.del('order:7', 'order:8');
    const second = await mirror();
    expect(second).toMatchObject({ outcome: 'ok', pass: { copied: 300, deleted: 2 } });
    expect(await standby.exists('order:7', 'order:8', 'order:9')).toBe(1);
  });
});
