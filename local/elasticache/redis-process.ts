import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RespError, infoField, redisCommands } from './resp';

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BINARY ?? '/usr/bin/redis-server';

export interface RedisExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Users written into the generated config: the `default` user (every client, authenticated with
 * `requirePass` when given, else `nopass`) may run every command but `refusedCommands`; `admin`
 * may run all of them, and is the user readiness checks and replicas (`masteruser`) authenticate as.
 */
export interface RedisAcl {
  readonly refusedCommands: readonly string[];
  readonly admin: { readonly username: string; readonly password: string };
}

export interface StartRedisOptions {
  /** TCP port; a free one is picked (and retried on collision) when omitted. */
  readonly port?: number;
  /** Working directory: holds the RDB file, the generated config and the log. Must exist. */
  readonly dir: string;
  readonly dbfilename?: string;
  readonly requirePass?: string;
  /** Password used to authenticate to a primary; defaults to requirePass. Ignored with `acl` (replicas use its admin). */
  readonly masterAuth?: string;
  /** Refuse some commands to clients; without it the `default` user may run everything. */
  readonly acl?: RedisAcl;
  readonly replicaOf?: { readonly host?: string; readonly port: number };
  /** Serve TLS only (no plaintext listener) on the port, replicate over TLS, and trust `caFile`. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  /** Extra command-line flags appended after the generated config file, e.g. ['--maxmemory', '64mb']. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for PING, loading:0 and (for replicas) master_link_status:up. */
  readonly readyTimeoutMs?: number;
}

export interface RedisProcess {
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves once the process has exited, for whatever reason. */
  readonly exited: Promise<RedisExit>;
  /** True once stop() has been called. */
  readonly stopping: boolean;
  isAlive(): boolean;
  /** SIGTERM, then SIGKILL after 2 s; resolves when the process is gone. Idempotent. */
  stop(): Promise<void>;
}

export class RedisStartError extends Error {
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(message);
    this.name = 'RedisStartError';
  }
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    process.on('exit', killAllOnExit);
    exitHookInstalled = true;
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Asks the kernel for a free TCP port on 127.0.0.1. Another process may grab it before it is used. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('Could not obtain a free port'))));
    });
  });
}

function quoteConfigValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function tlsDirectives(options: StartRedisOptions, port: number): string[][] {
  if (!options.tls) return [['port', String(port)]];
  return [
    ['port', '0'],
    ['tls-port', String(port)],
    ['tls-cert-file', options.tls.certFile],
    ['tls-key-file', options.tls.keyFile],
    ['tls-ca-cert-file', options.tls.caFile],
    ['tls-auth-clients', 'no'],
    ['tls-replication', 'yes'],
  ];
}

const passwordHash = (password: string): string => `#${createHash('sha256').update(password).digest('hex')}`;

function authDirectives(options: StartRedisOptions): string[][] {
  const { acl, requirePass } = options;
  if (!acl) {
    const masterAuth = options.masterAuth ?? requirePass;
    return [
      ...(requirePass === undefined ? [] : [['requirepass', requirePass]]),
      ...(masterAuth === undefined ? [] : [['masterauth', masterAuth]]),
    ];
  }
  const clientPassword = requirePass === undefined ? 'nopass' : passwordHash(requirePass);
  const refused = acl.refusedCommands.map((command) => `-${command}`);
  const { username, password } = acl.admin;
  return [
    ['user', 'default', 'reset', 'on', clientPassword, '~*', '&*', '+@all', ...refused],
    ['user', username, 'reset', 'on', passwordHash(password), '~*', '&*', '+@all'],
    ['masteruser', username],
    ['masterauth', password],
  ];
}

/** What readiness checks authenticate with: the admin user under an ACL, else the client password. */
function ownConnection(options: StartRedisOptions): { username?: string; password?: string } {
  if (options.acl) return { ...options.acl.admin };
  return options.requirePass === undefined ? {} : { password: options.requirePass };
}

function configLines(options: StartRedisOptions, port: number, logFile: string): string[] {
  const directives: string[][] = [
    ...tlsDirectives(options, port),
    ['bind', '127.0.0.1'],
    ['protected-mode', 'no'],
    ['daemonize', 'no'],
    ['save', ''],
    ['appendonly', 'no'],
    ['repl-diskless-sync-delay', '0'],
    ['dir', options.dir],
    ['dbfilename', options.dbfilename ?? 'dump.rdb'],
    ['logfile', logFile],
  ];
  directives.push(...authDirectives(options));
  if (options.replicaOf)
    directives.push(['replicaof', options.replicaOf.host ?? '127.0.0.1', String(options.replicaOf.port)]);
  return directives.map(([name, ...values]) => [name, ...values.map(quoteConfigValue)].join(' '));
}

async function readLogTail(logFile: string, lines = 12): Promise<string> {
  const text = await fs.readFile(logFile, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function isPortCollision(logTail: string): boolean {
  return /Address already in use|Could not create server TCP listening socket/.test(logTail);
}

/** Ready when our own process (not another server on the same port) answers with its dataset loaded. */
async function isReady(
  port: number,
  pid: number,
  options: StartRedisOptions,
  tlsCa: string | undefined,
): Promise<boolean> {
  const commands = [['PING'], ['INFO', 'server'], ['INFO', 'persistence'], ['INFO', 'replication']];
  const connection = { ...ownConnection(options), timeoutMs: 1000, tlsCa };
  const replies = await redisCommands(port, commands, connection).catch(() => undefined);
  const [pong, server, persistence, replication] = replies ?? [];
  if (pong instanceof RespError || typeof server !== 'string') return false;
  if (typeof persistence !== 'string' || typeof replication !== 'string') return false;
  if (infoField(server, 'process_id') !== String(pid) || infoField(persistence, 'loading') !== '0') return false;
  return !options.replicaOf || infoField(replication, 'master_link_status') === 'up';
}

function spawnRedis(
  configFile: string,
  extraArgs: readonly string[],
): { child: ChildProcess; exited: Promise<RedisExit> } {
  const child = spawn(REDIS_SERVER_BINARY, [configFile, ...extraArgs], { stdio: 'ignore' });
  track(child);
  const exited = new Promise<RedisExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  return { child, exited };
}

function handleFor(child: ChildProcess, exited: Promise<RedisExit>, port: number, logFile: string): RedisProcess {
  let hasExited = false;
  let stopping = false;
  void exited.then(() => {
    hasExited = true;
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  return {
    port,
    pid: child.pid ?? -1,
    logFile,
    exited,
    get stopping() {
      return stopping;
    },
    isAlive: () => !hasExited,
    stop,
  };
}

async function waitUntilReady(handle: RedisProcess, options: StartRedisOptions): Promise<void> {
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  const tlsCa = options.tls ? await fs.readFile(options.tls.caFile, 'utf8') : undefined;
  let exited = false;
  void handle.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      const tail = await readLogTail(handle.logFile);
      throw new RedisStartError(`redis-server on port ${handle.port} exited during startup`, tail);
    }
    if (await isReady(handle.port, handle.pid, options, tlsCa)) return;
    await sleep(10);
  }
  await handle.stop();
  throw new RedisStartError(
    `redis-server on port ${handle.port} was not ready within the timeout`,
    await readLogTail(handle.logFile),
  );
}

async function startOnce(options: StartRedisOptions, port: number): Promise<RedisProcess> {
  const configFile = path.join(options.dir, `redis-${port}.conf`);
  const logFile = path.join(options.dir, `redis-${port}.log`);
  await fs.writeFile(configFile, configLines(options, port, logFile).join('\n') + '\n');
  const { child, exited } = spawnRedis(configFile, options.extraArgs ?? []);
  const handle = handleFor(child, exited, port, logFile);
  await waitUntilReady(handle, options);
  return handle;
}

/**
 * Starts a redis-server bound to 127.0.0.1 and resolves once it answers PING with its dataset loaded
 * (and, for a replica, once the link to its primary is up). Rejects with RedisStartError, carrying the
 * tail of the server log, when the server exits or is not ready in time.
 */
export async function startRedis(options: StartRedisOptions): Promise<RedisProcess> {
  const attempts = options.port === undefined ? 5 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnce(options, port);
    } catch (error) {
      lastError = error;
      if (!(error instanceof RedisStartError) || !isPortCollision(error.logTail)) throw error;
    }
  }
  throw lastError;
}
