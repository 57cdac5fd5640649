/**
 * esbuild's JavaScript API keeps a service process alive after a build. The
 * local stack builds once and must leave no process behind, so builds run in
 * a short-lived Node process that exits when esbuild is done.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { BuildOptions } from 'esbuild';

const SCRIPT = `require('esbuild').build(JSON.parse(process.argv[1])).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;

function args(options: BuildOptions): string[] {
  return ['-e', SCRIPT, JSON.stringify(options)];
}

export async function buildInChild(options: BuildOptions): Promise<void> {
  await promisify(execFile)(process.execPath, args(options), { cwd: process.cwd() });
}

export function buildInChildSync(options: BuildOptions): void {
  execFileSync(process.execPath, args(options), { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
}
