/**
 * Running `cache-outage` and the npm commands around it as child processes,
 * the way an operator's shell runs them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI from its sources, as `npm run cli` runs it in a checkout: prefix the arguments with this. */
export const SOURCE_CLI = [require.resolve('tsx/cli'), path.resolve(__dirname, '..', '..', 'cli', 'operator.ts')];

/**
 * The environment of an operator's shell: none of the variables `npm test`
 * sets for its scripts (they point npm at this repository), and no
 * CACHE_OUTAGE_URL or CACHE_OUTAGE_TOKEN.
 */
export function shellEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^npm_/i.test(name)) delete env[name];
  delete env.NODE_PATH;
  delete env.CACHE_OUTAGE_URL;
  delete env.CACHE_OUTAGE_TOKEN;
  // Times print in the machine's zone; the expectations are written in UTC.
  env.TZ = 'UTC';
  return env;
}

/** Runs `command` to its end; never rejects, so tests assert on the exit code. */
export function run(command: string, args: string[], cwd: string, env = shellEnv(), timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
