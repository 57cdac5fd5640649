import { createServer, type Server, type Socket } from 'node:net';
import { RedisProbe } from '../../functions/adapters/redis-probe';
import { freePort, startRedis, type RedisServer } from './redis-server';

function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.resume();
      onConnection(socket);
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('RedisProbe', () => {
  let open: RedisServer;
  let guarded: RedisServer;
  const probe = new RedisProbe();

  beforeAll(async () => {
    [open, guarded] = await Promise.all([startRedis(), startRedis(['--requirepass', 'probe-token'])]);
  });

  afterAll(async () => {
    await Promise.all([open.stop(), guarded.stop()]);
  });

  it('answers ok with the round-trip time when the server replies PONG', async () => {
    // Act
    const result = await probe.ping({ host: '127.0.0.1', port: open.port, tls: false }, { timeoutMs: 1000 });

    // Assess
    expect(result).toEqual({ ok: true, latencyMs: expect.any(Number) });
    expect(result.ok && result.latencyMs).toBeLessThan(1000);
  });

  it('authenticates before PING when a token is given', async () => {
    // Act
    const result = await probe.ping(
      { host: '127.0.0.1', port: guarded.port, tls: false },
      { timeoutMs: 1000, authToken: 'probe-token' },
    );

    // Assess
    expect(result.ok).toBe(true);
  });

  it('reports a wrong token as an auth failure, without the token', async () => {
    // Act
    const result = await probe.ping(
      { host: '127.0.0.1', port: guarded.port, tls: false },
      { timeoutMs: 1000, authToken: 'not-the-token' },
    );

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^auth failed: WRONGPASS/);
    expect(!result.ok && result.error).not.toContain('not-the-token');
  });

  it('reports a missing token as auth required', async () => {
    // Act
    const result = await probe.ping({ host: '127.0.0.1', port: guarded.port, tls: false }, { timeoutMs: 1000 });

    // Assess
    expect(!result.ok && result.error).toMatch(/^auth required: NOAUTH/);
  });

  it('reports a closed port as refused', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const result = await probe.ping({ host: '127.0.0.1', port, tls: false }, { timeoutMs: 1000 });

    // Assess
    expect(!result.ok && result.error).toMatch(/^refused: /);
  });

  it('gives up after the timeout when the server never answers, and closes the connection', async () => {
    // Prepare
    let clientClosed!: () => void;
    const closed = new Promise<void>((resolve) => (clientClosed = resolve));
    const { server, port } = await listen((socket) => socket.on('close', () => clientClosed()));
    const started = Date.now();

    // Act
    const result = await probe.ping({ host: '127.0.0.1', port, tls: false }, { timeoutMs: 200 });

    // Assess
    const elapsed = Date.now() - started;
    expect(!result.ok && result.error).toMatch(/^timeout: no PONG .* within 200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    await closed;
    await closeServer(server);
  });

  it('rejects a server that answers something other than PONG', async () => {
    // Prepare
    const { server, port } = await listen((socket) =>
      socket.end('-LOADING Redis is loading the dataset in memory\r\n'),
    );

    // Act
    const result = await probe.ping({ host: '127.0.0.1', port, tls: false }, { timeoutMs: 1000 });

    // Assess
    expect(!result.ok && result.error).toBe(
      'reply: expected +PONG, got -LOADING Redis is loading the dataset in memory',
    );
    await closeServer(server);
  });

  it('reports a connection closed without an answer', async () => {
    // Prepare
    const { server, port } = await listen((socket) => socket.destroy());

    // Act
    const result = await probe.ping({ host: '127.0.0.1', port, tls: false }, { timeoutMs: 1000 });

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^(closed|reset): /);
    await closeServer(server);
  });
});
