import type Redis from 'ioredis';
import { RedisBackupSource } from '../../functions/adapters/redis-backup-source';
import { encodePage, expiryCommandFor } from '../../functions/adapters/redis-scan-dump';
import { BackupMethodRefusedError } from '../../functions/domain/errors';
import type { KeyDump, KeyspaceDump } from '../../functions/ports';
import { BINARY_KEYS, client, seed } from './redis-data';
import { startRedis, type RedisServer } from './redis-server';

const endpoint = (server: RedisServer) => ({ host: '127.0.0.1', port: server.port, tls: !!server.certificate });
const hex = (key: Buffer) => key.toString('hex');

async function readAll(dump: KeyspaceDump): Promise<KeyDump[]> {
  const entries: KeyDump[] = [];
  for await (const entry of dump.entries) entries.push(entry);
  return entries;
}

/** Every key of a database, as hex, sorted. */
async function keysOf(redis: Redis, db: number): Promise<string[]> {
  await redis.select(db);
  return (await redis.keysBuffer('*')).map(hex).sort();
}

describe('RedisBackupSource.scanDump', () => {
  const source = new RedisBackupSource();

  describe('on data of every type in three databases', () => {
    let server: RedisServer;
    let target: RedisServer;
    let redis: Redis;
    let expiries: Map<string, number>;

    beforeAll(async () => {
      [server, target] = await Promise.all([
        startRedis(['--requirepass', 'scan-token', '--enable-debug-command', 'local']),
        startRedis(['--enable-debug-command', 'local']),
      ]);
      redis = client(server, 'scan-token');
      expiries = await seed(redis, Date.now());
    });

    afterAll(async () => {
      redis.disconnect();
      await Promise.all([server.stop(), target.stop()]);
    });

    it('yields every key once with a dump that restores it, and its exact expiry (PEXPIRETIME)', async () => {
      // Act
      const before = Date.now();
      const dump = await source.scanDump(endpoint(server), { authToken: 'scan-token' });
      const entries = await readAll(dump);

      // Assess
      expect(dump).toMatchObject({ method: 'scan-dump', pointInTime: false, databases: [0, 1, 5], keysAtStart: 1077 });
      expect(dump.engine).toEqual({ name: 'redis', version: expect.stringMatching(/^\d+\.\d+/) });
      expect(dump.watermark.getTime()).toBeGreaterThanOrEqual(before);
      expect(dump.counts).toEqual({ dumped: 1077, vanished: 0, duplicates: 0 });
      const restored = client(target);
      for (const db of [0, 1, 5]) {
        const mine = entries.filter((e) => e.db === db);
        expect(mine.map((e) => hex(e.key)).sort()).toEqual(await keysOf(redis, db));
        expect(mine.map((e) => hex(e.key))).toEqual(expect.arrayContaining(BINARY_KEYS.map(hex)));
        await restored.select(db);
        for (const e of mine) await restored.restore(e.key, e.expiresAtMs ?? 0, e.dump, 'ABSTTL');
        const keys = mine.map((e) => e.key);
        expect(await restored.call('DEBUG', 'DIGEST-VALUE', ...keys)).toEqual(
          await redis.call('DEBUG', 'DIGEST-VALUE', ...keys),
        );
        for (const e of mine) {
          const expected = expiries.get(`${db}/${hex(e.key)}`);
          if (expected === undefined) expect(e.expiresAtMs).toBeUndefined();
          else expect(e.expiresAtMs).toBe(expected);
        }
      }
      restored.disconnect();
    });
  });

  describe('while keys change', () => {
    let server: RedisServer;
    let redis: Redis;

    beforeAll(async () => {
      server = await startRedis();
      redis = client(server);
    });

    afterAll(async () => {
      redis.disconnect();
      await server.stop();
    });

    it('skips and counts keys deleted between their SCAN and their DUMP', async () => {
      // Prepare
      const all = Array.from({ length: 200 }, (_, i) => `k:${i}`);
      await redis.mset(Object.fromEntries(all.map((k) => [k, 'v'])));
      const dump = await new RedisBackupSource({ scanCount: 10 }).scanDump(endpoint(server), {});
      const yielded: string[] = [];

      // Act: the write that carries a page's DUMPs also carries the next SCAN
      // and went out before these replies were read: whichever side of the
      // deletion it ran on, keys SCAN returned are deleted before their DUMP.
      for await (const entry of dump.entries) {
        if (yielded.length === 0) await redis.del(...all.filter((k) => k !== entry.key.toString()));
        yielded.push(entry.key.toString());
      }

      // Assess
      expect(dump.counts.vanished).toBeGreaterThan(0);
      expect(dump.counts.dumped).toBe(yielded.length);
      expect(new Set(yielded).size).toBe(yielded.length);
      expect(yielded.length + dump.counts.vanished).toBeLessThan(200);
    });
  });

  describe('while the keyspace shrinks', () => {
    let server: RedisServer;
    let redis: Redis;

    beforeAll(async () => {
      server = await startRedis(['--enable-debug-command', 'local']);
      redis = client(server);
      await redis.call('DEBUG', 'POPULATE', '100000', 'k', '10');
    });

    afterAll(async () => {
      redis.disconnect();
      await server.stop();
    });

    it('yields once a key SCAN returns twice (a loaded RDB must not repeat a key)', async () => {
      // Prepare: 100,000 keys fill a table of 131,072 buckets. Once 2,000 keys
      // are read, all but the last 30 are deleted and the table shrinks to 32
      // buckets; the cursor, still in the first 1/32 of the old table, then
      // visits small buckets that hold keys SCAN already returned.
      const dump = await new RedisBackupSource({ scanCount: 20 }).scanDump(endpoint(server), {});
      const yielded: string[] = [];

      // Act
      for await (const entry of dump.entries) {
        yielded.push(entry.key.toString());
        if (yielded.length !== 2000) continue;
        const keep = new Set(yielded.slice(-30));
        const doomed = (await redis.keys('*')).filter((k) => !keep.has(k));
        for (let i = 0; i < doomed.length; i += 10_000) await redis.del(...doomed.slice(i, i + 10_000));
        let stats = '';
        for (let polls = 0; polls < 200 && !/table size: 32\b/.test(stats); polls++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          stats = String(await redis.call('DEBUG', 'HTSTATS', '0'));
        }
        expect(stats).toMatch(/table size: 32\b/);
        expect(stats).not.toMatch(/rehashing target/);
      }

      // Assess
      expect(dump.counts.duplicates).toBeGreaterThan(0);
      expect(new Set(yielded).size).toBe(yielded.length);
      expect(dump.counts.dumped).toBe(yielded.length);
    });
  });

  describe('refusals', () => {
    let guarded: RedisServer;
    let cluster: RedisServer;

    beforeAll(async () => {
      [guarded, cluster] = await Promise.all([
        startRedis(['--requirepass', 'acl-token']),
        startRedis(['--cluster-enabled', 'yes']),
      ]);
    });

    afterAll(async () => {
      await Promise.all([guarded.stop(), cluster.stop()]);
    });

    it('refuses before reading anything when a database in use cannot be selected', async () => {
      // Prepare
      const redis = client(guarded, 'acl-token');
      await redis.set('in-db0', '1');
      await redis.select(3);
      await redis.set('in-db3', '1');
      await redis.call('ACL', 'SETUSER', 'default', '-select');
      redis.disconnect();

      // Act
      const error = await source.scanDump(endpoint(guarded), { authToken: 'acl-token' }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackupMethodRefusedError);
      expect(error).toMatchObject({
        method: 'scan-dump',
        command: 'SELECT 3',
        reply: expect.stringMatching(/^NOPERM .*'select' command/),
      });
    });

    it('throws a refusal while reading when the user may not run DUMP', async () => {
      // Prepare
      const redis = client(guarded, 'acl-token');
      await redis.call('ACL', 'SETUSER', 'default', '+select', '-dump');
      redis.disconnect();
      const dump = await source.scanDump(endpoint(guarded), { authToken: 'acl-token' });

      // Act
      const error = await readAll(dump).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackupMethodRefusedError);
      expect(error).toMatchObject({ command: 'DUMP', reply: expect.stringMatching(/^NOPERM .*'dump' command/) });
    });

    it.each(['scanDump', 'sync'] as const)(
      '%s refuses a cluster-mode cache, whose node holds only its slots',
      async (method) => {
        // Act
        const error = await source[method](endpoint(cluster), {}).catch((e: unknown) => e);

        // Assess
        expect(error).toBeInstanceOf(BackupMethodRefusedError);
        expect((error as BackupMethodRefusedError).reply).toMatch(/^cluster_enabled:1/);
      },
    );
  });

  describe('on a few hundred thousand keys', () => {
    let server: RedisServer;

    beforeAll(async () => {
      server = await startRedis(['--enable-debug-command', 'local', '--rdbcompression', 'no']);
      const redis = client(server);
      await redis.call('DEBUG', 'POPULATE', '300000', 'key', '100');
      redis.disconnect();
    });

    afterAll(async () => {
      await server.stop();
    });

    it('yields every key once while holding about two pages of replies', async () => {
      // Act
      const dump = await source.scanDump(endpoint(server), {});
      const seen = new Set<string>();
      let bytes = 0;
      for await (const entry of dump.entries) {
        seen.add(entry.key.toString('latin1'));
        bytes += entry.key.length + entry.dump.length;
        if (seen.size % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }

      // Assess
      expect(seen.size).toBe(300_000);
      expect(dump.counts).toEqual({ dumped: 300_000, vanished: 0, duplicates: 0 });
      expect(bytes).toBeGreaterThan(30 * 1024 * 1024);
      expect(dump.peakBufferedBytes).toBeLessThan(1024 * 1024);
    });
  });

  describe('over TLS', () => {
    let server: RedisServer;

    beforeAll(async () => {
      server = await startRedis(['--requirepass', 'tls-token'], { tls: true });
      const redis = client(server, 'tls-token');
      await seed(redis, Date.now());
      redis.disconnect();
    });

    afterAll(async () => {
      await server.stop();
    });

    it('reads every key from a TLS endpoint it trusts', async () => {
      // Act
      const dump = await new RedisBackupSource({ tlsOptions: { ca: server.certificate } }).scanDump(endpoint(server), {
        authToken: 'tls-token',
      });
      const entries = await readAll(dump);

      // Assess
      expect(entries).toHaveLength(1077);
      expect(dump.counts).toEqual({ dumped: 1077, vanished: 0, duplicates: 0 });
    });
  });
});

describe('the expiry command of a scan-dump backup', () => {
  it('asks for the absolute expiry where the engine has PEXPIRETIME, the relative PTTL before Redis 7', () => {
    expect(expiryCommandFor({ name: 'redis', version: '7.0.15' })).toBe('PEXPIRETIME');
    expect(expiryCommandFor({ name: 'valkey', version: '8.0.1' })).toBe('PEXPIRETIME');
    expect(expiryCommandFor({ name: 'redis', version: '6.2.14' })).toBe('PTTL');
  });

  it('pipelines DUMP and the expiry command for each key, after the next SCAN', () => {
    const page = encodePage([Buffer.from('k1')], Buffer.from('SCAN\r\n'), 'PEXPIRETIME').toString('latin1');
    expect(page).toBe('SCAN\r\n*2\r\n$4\r\nDUMP\r\n$2\r\nk1\r\n*2\r\n$11\r\nPEXPIRETIME\r\n$2\r\nk1\r\n');
    expect(encodePage([Buffer.from('k1')], undefined, 'PTTL').toString('latin1')).toBe(
      '*2\r\n$4\r\nDUMP\r\n$2\r\nk1\r\n*2\r\n$4\r\nPTTL\r\n$2\r\nk1\r\n',
    );
  });
});
