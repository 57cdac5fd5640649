import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { RedisMirror } from '../../functions/adapters/redis-mirror';
import { BackupFailedError, CacheWaitTimeoutError, MirrorRefusedError } from '../../functions/domain/errors';
import type { MirrorEnds } from '../../functions/ports';
import { client, digest, seed } from './redis-data';
import { startRedis, type RedisServer } from './redis-server';

const endpoint = (server: RedisServer) => ({ host: '127.0.0.1', port: server.port, tls: !!server.certificate });
const inAnHour = () => new Date(Date.now() + 3_600_000);

/** Every key of a database with its absolute expiry (PEXPIRETIME: -1 when it has none). */
async function expiriesOf(redis: Redis, db: number): Promise<Map<string, number>> {
  await redis.select(db);
  const out = new Map<string, number>();
  for (const key of await redis.keysBuffer('*')) {
    out.set(key.toString('hex'), Number(await redis.call('PEXPIRETIME', key)));
  }
  await redis.select(0);
  return out;
}

describe('RedisMirror', () => {
  let source: RedisServer;
  let target: RedisServer;
  let src: Redis;
  let tgt: Redis;
  let ends: MirrorEnds;
  let mirror: RedisMirror;

  beforeAll(async () => {
    [source, target] = await Promise.all([
      startRedis(['--requirepass', 'source-token', '--enable-debug-command', 'local']),
      // The standby is an ElastiCache group: TLS in transit and the cache's AUTH token.
      startRedis(['--requirepass', 'target-token', '--enable-debug-command', 'local'], { tls: true }),
    ]);
    src = client(source, 'source-token');
    tgt = client(target, 'target-token');
    ends = {
      source: endpoint(source),
      target: endpoint(target),
      sourceAuthToken: 'source-token',
      targetAuthToken: 'target-token',
    };
    mirror = new RedisMirror({ tlsOptions: { ca: target.certificate }, scanCount: 50, chunkBytes: 8 * 1024 });
    await seed(src, Date.now());
  });

  afterAll(async () => {
    src.disconnect();
    tgt.disconnect();
    await Promise.all([source.stop(), target.stop()]);
  });

  it('copies every key of every type and database with its exact expiry, and deletes what the source lacks', async () => {
    // Prepare: the standby holds a stale value of a source key and keys the source never had, in db 0 and db 3.
    await tgt.set('db0:string:1', 'stale');
    await tgt.set('only-on-standby', 'x');
    await tgt.select(3);
    await tgt.set('old:1', 'x');
    await tgt.set('old:2', 'x', 'PX', 600_000);
    await tgt.select(0);
    const before = Date.now();

    // Act
    const pass = await mirror.mirror(ends, { deadline: inAnHour() });

    // Assess
    expect(pass).toMatchObject({ copied: 1077, vanished: 0, deleted: 3, databases: [0, 1, 5] });
    expect(pass.bytes).toBeGreaterThan(1077 * 10);
    expect(pass.watermark.getTime()).toBeGreaterThanOrEqual(before);
    expect(pass.watermark.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await digest(tgt)).toBe(await digest(src));
    for (const db of [0, 1, 3, 5]) expect(await expiriesOf(tgt, db)).toEqual(await expiriesOf(src, db));
  });

  it('on the next cycle deletes only the keys the source lost, copies the new ones and skips the expired', async () => {
    // Prepare
    await src.del('db0:string:7', 'db0:hash');
    await src.select(5);
    await src.del('db5:list');
    await src.set('db5:new', 'fresh', 'PX', 120_000);
    await src.set('db5:short', 'x', 'PX', 1);
    await src.select(0);
    await new Promise((r) => setTimeout(r, 5));

    // Act
    const pass = await mirror.mirror(ends, { deadline: inAnHour() });

    // Assess: 1077 - 3 + 1 keys; db5:short expired before its RESTORE (or its SCAN).
    expect(pass).toMatchObject({ copied: 1075, deleted: 3 });
    expect(await digest(tgt)).toBe(await digest(src));
    await tgt.select(5);
    expect(await tgt.exists('db5:short', 'db5:list')).toBe(0);
    expect(await tgt.get('db5:new')).toBe('fresh');
    await tgt.select(0);
    expect(await tgt.exists('db0:string:7', 'db0:hash')).toBe(0);
    expect(await tgt.exists('db0:string:8', 'db0:list')).toBe(2);
    for (const db of [0, 1, 5]) expect(await expiriesOf(tgt, db)).toEqual(await expiriesOf(src, db));
  });

  it('deletes nothing when the standby is already in step', async () => {
    const pass = await mirror.mirror(ends, { deadline: inAnHour() });
    expect(pass.deleted).toBe(0);
    expect(pass.copied).toBe(1075);
  });

  it('asks before writing anything, with the keys each end holds, and stops with the reason it gets', async () => {
    const seen: { source: number; target: number }[] = [];
    await src.set('only-on-source-now', 'x');
    const attempt = mirror.mirror(ends, {
      deadline: inAnHour(),
      refuse: (keys) => {
        seen.push(keys);
        return 'the cache looks emptied';
      },
    });
    await expect(attempt).rejects.toThrow(MirrorRefusedError);
    await expect(attempt).rejects.toThrow('the cache looks emptied');
    expect(seen[0]).toEqual({ source: 1076, target: 1075 });
    // Nothing was written or deleted.
    expect(await tgt.exists('only-on-source-now')).toBe(0);
    await src.del('only-on-source-now');
  });

  it('fails with BackupFailedError when the standby refuses the AUTH token, without the token in the message', async () => {
    const attempt = mirror.mirror({ ...ends, targetAuthToken: 'wrong-token-0000' }, { deadline: inAnHour() });
    await expect(attempt).rejects.toThrow(BackupFailedError);
    await expect(attempt).rejects.not.toThrow(/wrong-token/);
  });

  it('copies a value far larger than a write chunk byte for byte, with its expiry', async () => {
    // Prepare: 3 MiB of incompressible bytes, read from the source in many pieces and written past the 8 KiB chunk.
    const big = randomBytes(3 * 1024 * 1024);
    const at = Date.now() + 3_600_000;
    await src.set('big', big, 'PXAT', at);

    // Act
    const pass = await mirror.mirror(ends, { deadline: inAnHour() });

    // Assess
    expect(pass).toMatchObject({ copied: 1076, deleted: 0 });
    expect(pass.bytes).toBeGreaterThan(big.length);
    expect((await tgt.getBuffer('big'))?.equals(big)).toBe(true);
    expect(Number(await tgt.call('PEXPIRETIME', 'big'))).toBe(at);
    expect(await digest(tgt)).toBe(await digest(src));
    await src.del('big');
  });

  it('stops with CacheWaitTimeoutError once the deadline passed', async () => {
    const attempt = mirror.mirror(ends, { deadline: new Date(Date.now() - 1) });
    await expect(attempt).rejects.toThrow(CacheWaitTimeoutError);
  });
});
