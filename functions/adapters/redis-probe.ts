/**
 * CacheProbe on one raw connection: optional AUTH, then PING, expecting
 * +PONG within the timeout. The socket is always destroyed. No Redis client
 * library, so the probe function starts fast.
 */
import type { Endpoint } from '../domain/caches';
import type { CacheProbe } from '../ports';
import { describeSocketError, encodeCommand, openSocket, type TlsOptions } from './resp';

type ProbeResult = { ok: true; latencyMs: number } | { ok: false; error: string };

function authFailure(reply: string): string {
  return reply.startsWith('-NOAUTH') ? `auth required: ${reply.slice(1)}` : `auth failed: ${reply.slice(1)}`;
}

export class RedisProbe implements CacheProbe {
  constructor(private readonly tlsOptions: TlsOptions = {}) {}

  ping(endpoint: Endpoint, opts: { timeoutMs: number; authToken?: string }): Promise<ProbeResult> {
    const started = performance.now();
    return new Promise<ProbeResult>((resolve) => {
      const expectAuth = opts.authToken !== undefined;
      let settled = false;
      let pending = '';
      let authAnswered = !expectAuth;
      const finish = (result: ProbeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            error: `timeout: no PONG from ${endpoint.host}:${endpoint.port} within ${opts.timeoutMs} ms`,
          }),
        opts.timeoutMs,
      );
      const socket = openSocket(
        endpoint,
        () => {
          const commands = expectAuth
            ? [encodeCommand(['AUTH', opts.authToken as string]), encodeCommand(['PING'])]
            : [encodeCommand(['PING'])];
          socket.write(Buffer.concat(commands));
        },
        this.tlsOptions,
      );
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        let nl: number;
        while ((nl = pending.indexOf('\r\n')) !== -1) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 2);
          if (!authAnswered) {
            authAnswered = true;
            if (line !== '+OK') return finish({ ok: false, error: authFailure(line) });
            continue;
          }
          if (line === '+PONG')
            return finish({ ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
          if (line.startsWith('-NOAUTH')) return finish({ ok: false, error: authFailure(line) });
          return finish({ ok: false, error: `reply: expected +PONG, got ${line.slice(0, 200)}` });
        }
        if (pending.length > 4096) finish({ ok: false, error: 'reply: not a Redis server' });
      });
      socket.on('error', (err) => finish({ ok: false, error: describeSocketError(err) }));
      socket.on('close', () =>
        finish({ ok: false, error: 'closed: the server closed the connection before answering PING' }),
      );
    });
  }
}
