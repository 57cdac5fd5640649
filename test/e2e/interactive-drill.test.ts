/**
 * `npm run drill -- --interactive` as a person runs it: it prints the sign-in
 * link to the incident as soon as the incident exists, prints the report when
 * the incident ends, then keeps the stack and the console up (the page being
 * watched shows the end) until Ctrl-C, and then stops every process it
 * started. A false alarm keeps it short: no approval to wait for.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { childProcesses } from './processes';

jest.setTimeout(240_000);

const root = path.resolve(__dirname, '..', '..');

/** Every process below `pid`, children first. */
function descendants(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('interactive drill', () => {
  let drill: ChildProcess | undefined;
  let tree: number[] = [];
  const output: string[] = [];

  afterAll(() => {
    // Only when the test failed half-way: nothing may outlive it.
    if (drill && drill.exitCode === null) {
      for (const pid of [...descendants(drill.pid as number), drill.pid as number]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    expect(childProcesses()).toEqual([]);
  });

  it('stays up after the incident ends, with the report printed, until Ctrl-C; then nothing it started is left', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/cli/drill.ts', '--interactive', '--scenario', 'false-alarm', '--keys', '200'],
      { cwd: root, env: { ...process.env, OPERATOR_TIME_ZONE: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    drill = child;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let buffer = '';
    const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
    const onText = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      output.push(...lines);
      for (const w of [...waiters]) {
        const m = lines.map((l) => w.pattern.exec(l)).find(Boolean);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    child.stdout.on('data', onText);
    child.stderr.on('data', onText);
    const line = (pattern: RegExp, timeoutMs: number) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const seen = output.map((l) => pattern.exec(l)).find(Boolean);
        if (seen) return resolve(seen);
        const timer = setTimeout(
          () => reject(new Error(`no line ${pattern} after ${timeoutMs} ms:\n${output.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`the drill exited (${code}) before ${pattern}:\n${output.join('\n')}`));
        });
      });

    const [, consoleUrl] = await line(
      /^The console stays up at (http:\/\/127\.0\.0\.1:\d+) — press Ctrl-C to stop\.$/,
      200_000,
    );
    // The sign-in link to the incident came first, then the report, then the line above.
    const link = output.findIndex((l) => l.includes(`${consoleUrl}/login?next=/incidents/`));
    const verdict = output.findIndex((l) => l.startsWith('PASS: false alarm'));
    const up = output.findIndex((l) => l.startsWith('The console stays up'));
    expect(link).toBeGreaterThan(-1);
    expect(verdict).toBeGreaterThan(link);
    expect(up).toBeGreaterThan(verdict);
    const next = new URL(/(http:\S+)/.exec(output[link] as string)?.[1] as string).searchParams.get('next') as string;
    expect(next).toMatch(/^\/incidents\/[A-Za-z0-9._:-]+$/);

    // Seconds after the end, the console still answers: a signed-out browser is sent to sign-in.
    await new Promise((r) => setTimeout(r, 3000));
    expect(child.exitCode).toBeNull();
    const page = await fetch(`${consoleUrl}${next}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent(next)}`);

    tree = descendants(child.pid as number);
    const described = execFileSync('ps', ['-o', 'pid=,stat=,args=', '-p', tree.join(',')], { encoding: 'utf8' });
    // redis-server, the local Lambda workers, DynamoDB: all below the drill.
    expect(tree.length).toBeGreaterThan(2);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // A process may still be finishing its exit as the drill's own ends; none may stay.
    for (let i = 0; i < 50 && tree.some(alive); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect([tree.filter(alive), described]).toEqual([[], described]);
    await expect(fetch(`${consoleUrl}/login`, { redirect: 'manual' })).rejects.toThrow();
  });
});
