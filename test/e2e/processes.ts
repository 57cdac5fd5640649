import { execFileSync } from 'node:child_process';

/** Processes this test process started and left running (redis-server, dynalite, function workers). */
export function childProcesses(): string[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/\bps -o\b/.test(l));
  } catch {
    return [];
  }
}
