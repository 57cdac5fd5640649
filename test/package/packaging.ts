/**
 * Packages the service once with serverless@3 as CI does (no network, no AWS
 * account) into .serverless/, and again only when an input changed since.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(__dirname, '..', '..');
export const TEMPLATE = join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');

/** What `serverless package` reads besides the function sources. */
function inputs(): string[] {
  const dir = (d: string) => (existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)).map((f) => join(ROOT, d, f)) : []);
  return [join(ROOT, 'serverless.yml'), ...dir('serverless'), ...dir('statemachines'), ...dir('config')];
}

/** Runs `serverless package` with the given extra arguments; resolves with its output, rejects with it. */
export async function serverlessPackage(args: string[], cwd = ROOT): Promise<{ stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'sls-home-'));
  try {
    return await promisify(execFile)(process.execPath, [require.resolve('serverless/bin/serverless.js'), 'package', ...args], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        AWS_ACCESS_KEY_ID: 'packaging',
        AWS_SECRET_ACCESS_KEY: 'packaging',
        AWS_REGION: 'us-east-1',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The arguments the default template is packaged with. */
export const DEFAULT_PACKAGE_ARGS = ['--stage', 'dev'];

/** Packages into .serverless/ unless the template there is newer than every input. */
export async function ensurePackaged(): Promise<string> {
  const built = existsSync(TEMPLATE) ? statSync(TEMPLATE).mtimeMs : 0;
  if (inputs().some((f) => statSync(f).mtimeMs > built)) await serverlessPackage(DEFAULT_PACKAGE_ARGS);
  return TEMPLATE;
}
