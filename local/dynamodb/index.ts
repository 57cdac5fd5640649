import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { LocalService } from '../service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../service';

export interface DynamoDbOptions {
  /** Port to listen on; a free port on 127.0.0.1 by default. */
  readonly port?: number;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 100;
const REQUEST_TIMEOUT_MS = 2000;
const KILL_GRACE_MS = 2000;
const STDERR_TAIL_CHARS = 4096;
const PORT_ATTEMPTS = 5;

/**
 * Runs dynalite (DynamoDB's JSON API, in memory) in a child process listening on 127.0.0.1 only,
 * so the database and the stack's own CPU-heavy work run on different cores.
 *
 * Why dynalite rather than AWS's DynamoDB Local: it binds the loopback address (DynamoDB Local
 * has no bind option and listens on every interface) and it needs no Java. What it lacks:
 * TransactWriteItems and UpdateTimeToLive answer UnknownOperationException, and nothing
 * expires items. The workflow uses neither transactions nor TTL deletion: TTL attributes are
 * still written, and the code checks expiry itself where it matters.
 */
export async function startDynamoDb(options: DynamoDbOptions = {}): Promise<LocalService> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const server = DynaliteProcess.start(port);
    const endpoint = `http://${HOST}:${port}`;
    try {
      await waitUntilReady(endpoint, server, deadline);
    } catch (error) {
      await server.stop();
      const retry = options.port === undefined && server.addressInUse && attempt < PORT_ATTEMPTS;
      if (retry) continue;
      throw error;
    }
    let stopping: Promise<void> | undefined;
    return {
      endpoint,
      stop() {
        stopping ??= server.stop();
        return stopping;
      },
    };
  }
}

/** The dynalite CLI as a child process, killed when this process exits; keeps the tail of its stderr. */
class DynaliteProcess {
  private stderr = '';
  private stdout = '';
  private exitDescription: string | undefined;
  private readonly exited: Promise<void>;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout = (this.stdout + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.exitDescription ??= error.message;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exitDescription ??= signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
        resolve();
      });
    });
    process.on('exit', this.killOnExit);
    void this.exited.then(() => process.off('exit', this.killOnExit));
  }

  static start(port: number): DynaliteProcess {
    const cli = require.resolve('dynalite/cli.js');
    const args = [
      cli,
      '--host',
      HOST,
      '--port',
      String(port),
      '--createTableMs',
      '0',
      '--deleteTableMs',
      '0',
      '--updateTableMs',
      '0',
    ];
    return new DynaliteProcess(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Why the process is no longer running, or undefined while it runs. */
  get failure(): string | undefined {
    return this.exitDescription;
  }

  /** True once the child itself has bound its port (so a reply cannot come from another server). */
  get listening(): boolean {
    return this.stdout.includes('Dynalite listening at');
  }

  get addressInUse(): boolean {
    return this.stderr.includes('EADDRINUSE');
  }

  get stderrTail(): string {
    return this.stderr.trim();
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  async stop(): Promise<void> {
    if (this.exitDescription !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

async function waitUntilReady(endpoint: string, server: DynaliteProcess, deadline: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    for (;;) {
      if (server.failure !== undefined) throw startupError(`dynalite ${server.failure}`, server);
      const ready =
        server.listening &&
        (await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
          () => true,
          () => false,
        ));
      if (ready) return;
      if (Date.now() > deadline)
        throw startupError(`dynalite was not ready on ${endpoint} after ${READY_TIMEOUT_MS / 1000} s`, server);
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    client.destroy();
  }
}

function startupError(message: string, server: DynaliteProcess): Error {
  const tail = server.stderrTail;
  return new Error(tail ? `${message}. stderr:\n${tail}` : message);
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
