import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisBackupSource } from '../../functions/adapters/redis-backup-source';
import { EofMarkFramer } from '../../functions/adapters/redis-sync';
import { BackupFailedError, BackupMethodRefusedError, TransientDependencyError } from '../../functions/domain/errors';
import type { RdbSnapshot } from '../../functions/ports';
import { checkRdb, client, digest, seed, serverFrom } from './redis-data';
import { startRedis, type RedisServer } from './redis-server';

const endpoint = (server: RedisServer) => ({ host: '127.0.0.1', port: server.port, tls: !!server.certificate });

async function readAll(snapshot: RdbSnapshot): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of snapshot.chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** What `redis-cli --rdb` writes for the same server. */
function redisCliRdb(server: RedisServer, password: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cli-rdb-'));
  try {
    const file = join(dir, 'dump.rdb');
    execFileSync(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(server.port), '--no-auth-warning', '-a', password, '--rdb', file],
      {
        stdio: 'ignore',
      },
    );
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The digest of a server loaded from `rdb`. */
async function digestOf(rdb: Buffer): Promise<string> {
  const loaded = await serverFrom(rdb);
  const redis = client(loaded);
  try {
    return await digest(redis);
  } finally {
    redis.disconnect();
    await loaded.stop();
  }
}

describe('RedisBackupSource.sync', () => {
  const source = new RedisBackupSource();

  describe.each([
    ['disk', ['--repl-diskless-sync', 'no']],
    ['diskless', ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']],
  ])('against a cache that transfers %s', (transfer, args) => {
    let server: RedisServer;
    let sourceDigest: string;

    beforeAll(async () => {
      server = await startRedis(['--requirepass', 'sync-token', '--enable-debug-command', 'local', ...args]);
      const redis = client(server, 'sync-token');
      await seed(redis, Date.now());
      sourceDigest = await digest(redis);
      redis.disconnect();
    });

    afterAll(async () => {
      await server.stop();
    });

    it('streams an RDB file holding every key, value and expiry, as redis-cli --rdb does', async () => {
      // Act
      const before = Date.now();
      const snapshot = await source.sync(endpoint(server), { authToken: 'sync-token' });
      const rdb = await readAll(snapshot);

      // Assess
      expect(snapshot).toMatchObject({ method: 'sync', pointInTime: true, transfer });
      expect(snapshot.engine).toEqual({ name: 'redis', version: expect.stringMatching(/^\d+\.\d+/) });
      expect(snapshot.watermark.getTime()).toBeGreaterThanOrEqual(before);
      expect(rdb.subarray(0, 5).toString('latin1')).toBe('REDIS');
      expect(snapshot.bytesRead).toBe(rdb.length);
      if (transfer === 'disk') expect(rdb.length).toBe(snapshot.announcedBytes);
      expect(checkRdb(rdb)).toEqual({ ok: true, keys: 3 * (300 + 4 + 5 + 50) });
      expect(await digestOf(rdb)).toBe(sourceDigest);
      expect(await digestOf(redisCliRdb(server, 'sync-token'))).toBe(sourceDigest);
    });
  });

  describe('refusals', () => {
    let renamed: RedisServer;
    let guarded: RedisServer;

    beforeAll(async () => {
      [renamed, guarded] = await Promise.all([
        startRedis(['--rename-command', 'SYNC', '', '--rename-command', 'PSYNC', '']),
        startRedis(['--requirepass', 'acl-token']),
      ]);
      const redis = client(guarded, 'acl-token');
      await redis.call('ACL', 'SETUSER', 'default', '-sync', '-psync');
      redis.disconnect();
    });

    afterAll(async () => {
      await Promise.all([renamed.stop(), guarded.stop()]);
    });

    it('throws a refusal carrying the answer of a cache where SYNC does not exist', async () => {
      // Act
      const error = await source.sync(endpoint(renamed), {}).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackupMethodRefusedError);
      expect(error).toMatchObject({
        method: 'sync',
        command: 'SYNC',
        reply: expect.stringMatching(/^ERR unknown command 'SYNC'/),
      });
    });

    it('throws a refusal when the user may not run SYNC', async () => {
      // Act
      const error = await source.sync(endpoint(guarded), { authToken: 'acl-token' }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackupMethodRefusedError);
      expect(error).toMatchObject({ command: 'SYNC', reply: expect.stringMatching(/^NOPERM .*'sync' command/) });
    });

    it('fails for good, not as a refusal, when the cache wants a token and none is given', async () => {
      // Act
      const error = await source.sync(endpoint(guarded), {}).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackupFailedError);
      expect((error as Error).message).toMatch(/refused INFO: NOAUTH/);
    });

    it('fails for good, not as a refusal, when the token is wrong', async () => {
      // Act
      const error = await source.sync(endpoint(guarded), { authToken: 'wrong' }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackupFailedError);
      expect((error as Error).message).toMatch(/AUTH was refused by 127\.0\.0\.1:\d+: WRONGPASS/);
    });
  });

  describe('on a few hundred thousand keys', () => {
    let server: RedisServer;

    beforeAll(async () => {
      server = await startRedis([
        '--enable-debug-command',
        'local',
        '--repl-diskless-sync',
        'no',
        '--rdbcompression',
        'no',
      ]);
      const redis = client(server);
      // About 64 MB uncompressed: more than the kernel's socket buffers hold in flight.
      await redis.call('DEBUG', 'POPULATE', '300000', 'key', '200');
      redis.disconnect();
    });

    afterAll(async () => {
      await server.stop();
    });

    it('holds at most a few chunks however slowly the payload is consumed', async () => {
      // Act
      const snapshot = await source.sync(endpoint(server), {});
      let bytes = 0;
      let chunks = 0;
      for await (const chunk of snapshot.chunks) {
        bytes += chunk.length;
        if (++chunks % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
      }

      // Assess
      expect(bytes).toBe(snapshot.announcedBytes);
      expect(bytes).toBeGreaterThan(50 * 1024 * 1024);
      expect(snapshot.peakBufferedBytes).toBeLessThan(256 * 1024);
    });

    it('gives up with a transient error when the cache falls silent mid-transfer', async () => {
      // Prepare
      // Above the one-second keep-alive period of a cache preparing the file.
      const quick = new RedisBackupSource({ silenceTimeoutMs: 1500 });
      const snapshot = await quick.sync(endpoint(server), {});
      const iterator = snapshot.chunks[Symbol.asyncIterator]();
      await iterator.next();
      process.kill(server.pid, 'SIGSTOP');

      // Act
      let error: unknown;
      try {
        while (!(await iterator.next()).done);
      } catch (e) {
        error = e;
      } finally {
        process.kill(server.pid, 'SIGCONT');
      }

      // Assess
      expect(error).toBeInstanceOf(TransientDependencyError);
      expect((error as Error).message).toMatch(/^timeout: no data from 127\.0\.0\.1:\d+ for 1500 ms/);
      expect(snapshot.bytesRead).toBeLessThan(snapshot.announcedBytes as number);
    });

    it('gives up with a transient error when the cache does not answer while connecting', async () => {
      // Prepare
      process.kill(server.pid, 'SIGSTOP');

      // Act
      const error = await new RedisBackupSource({ connectTimeoutMs: 300 })
        .sync(endpoint(server), {})
        .catch((e: unknown) => e)
        .finally(() => process.kill(server.pid, 'SIGCONT'));

      // Assess
      expect(error).toBeInstanceOf(TransientDependencyError);
      expect((error as Error).message).toMatch(/^timeout: no data from 127\.0\.0\.1:\d+ for 300 ms/);
    });
  });

  describe('over TLS', () => {
    let server: RedisServer;

    beforeAll(async () => {
      server = await startRedis(['--requirepass', 'tls-token', '--repl-diskless-sync-delay', '0'], { tls: true });
      const redis = client(server, 'tls-token');
      await seed(redis, Date.now());
      redis.disconnect();
    });

    afterAll(async () => {
      await server.stop();
    });

    it('streams the RDB file from a TLS endpoint it trusts', async () => {
      // Act
      const snapshot = await new RedisBackupSource({ tlsOptions: { ca: server.certificate } }).sync(endpoint(server), {
        authToken: 'tls-token',
      });
      const rdb = await readAll(snapshot);

      // Assess
      expect(checkRdb(rdb)).toEqual({ ok: true, keys: 3 * (300 + 4 + 5 + 50) });
    });
  });
});

describe('EofMarkFramer', () => {
  const mark = Buffer.from('0123456789abcdef0123456789abcdef01234567', 'latin1');
  // Bytes that resemble the mark without being it, around the boundaries.
  const payload = Buffer.concat([
    Buffer.from('REDIS0010'),
    mark.subarray(0, 39),
    Buffer.from([0, 1, 2]),
    mark.subarray(1),
    Buffer.alloc(5000, 7),
    mark.subarray(0, 20),
  ]);

  it.each([1, 2, 7, 39, 40, 41, 100, 4096, 10_000])('finds the mark split into chunks of %i bytes', (size) => {
    // Prepare
    const stream = Buffer.concat([payload, mark, Buffer.from('\n*3\r\nREPLCONF')]);
    const framer = new EofMarkFramer(mark);
    const out: Buffer[] = [];

    // Act
    for (let i = 0; i < stream.length && !framer.done; i += size)
      out.push(...framer.feed(stream.subarray(i, i + size)));

    // Assess
    expect(framer.done).toBe(true);
    expect(Buffer.concat(out).equals(payload)).toBe(true);
  });
});
