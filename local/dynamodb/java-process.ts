import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const JAVA_MISSING_MESSAGE = 'DynamoDB Local needs Java 17: apt-get install default-jre-headless';

const STDERR_TAIL_BYTES = 4096;
const KILL_GRACE_MS = 2000;

/** A child process that is killed when this process exits and keeps the tail of its output. */
export class ManagedProcess {
  private output = '';
  private readonly exited: Promise<void>;
  private exitCode: number | null | undefined;
  private spawnError: Error | undefined;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  private constructor(private readonly child: ChildProcess) {
    const keepTail = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.spawnError = error;
        resolve();
      });
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
    });
    void this.exited.then(() => process.off('exit', this.killOnExit));
    process.on('exit', this.killOnExit);
  }

  static start(command: string, args: readonly string[], cwd: string): ManagedProcess {
    return new ManagedProcess(spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Recent stdout/stderr, for error messages. */
  get tail(): string {
    return this.output.trim();
  }

  /** Why the process is no longer running, or undefined while it runs. */
  get failure(): string | undefined {
    if (this.spawnError) return this.spawnError.message;
    return this.exitCode === undefined ? undefined : `exited with code ${String(this.exitCode)}`;
  }

  get missingExecutable(): boolean {
    return (this.spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  async stop(): Promise<void> {
    if (this.failure !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A port that was free a moment ago on 127.0.0.1, for programs that cannot listen on port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
