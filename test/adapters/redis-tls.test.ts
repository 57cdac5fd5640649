import { RedisProbe } from '../../functions/adapters/redis-probe';
import { RedisWriter } from '../../functions/adapters/redis-writer';
import type { SourceRecord } from '../../functions/ports';
import { startRedis, type RedisServer } from './redis-server';

describe('probe and writer over TLS (as on ElastiCache with in-transit encryption)', () => {
  let server: RedisServer;
  const endpoint = () => ({ host: '127.0.0.1', port: server.port, tls: true });

  beforeAll(async () => {
    server = await startRedis(['--requirepass', 'tls-token'], { tls: true });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('probes a TLS endpoint it trusts', async () => {
    // Act
    const result = await new RedisProbe({ ca: server.certificate }).ping(endpoint(), {
      timeoutMs: 2000,
      authToken: 'tls-token',
    });

    // Assess
    expect(result.ok).toBe(true);
  });

  it('reports an untrusted certificate as a TLS failure', async () => {
    // Act
    const result = await new RedisProbe().ping(endpoint(), { timeoutMs: 2000, authToken: 'tls-token' });

    // Assess
    expect(!result.ok && result.error).toMatch(/^tls: /);
  });

  it('writes and reads back over TLS', async () => {
    // Prepare
    const records: SourceRecord[] = Array.from({ length: 5000 }, (_, i) => ({
      key: `k${i}`,
      value: `välue\r\n${i}`,
      kind: 'flag',
      updatedAt: 1,
    }));
    const writer = new RedisWriter({ tlsOptions: { ca: server.certificate }, chunkBytes: 16 * 1024 });
    async function* pages() {
      yield records.slice(0, 2500);
      yield records.slice(2500);
    }

    // Act
    const result = await writer.write(endpoint(), 'tls-token', pages());
    const values = await writer.read(
      endpoint(),
      'tls-token',
      records.map((r) => r.key),
    );

    // Assess
    expect(result).toEqual({ written: 5000, expiredSkipped: 0 });
    expect(values).toEqual(records.map((r) => r.value));
  });
});
