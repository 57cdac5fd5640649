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
    return await promisify(execFile)(
      process.execPath,
      [require.resolve('serverless/bin/serverless.js'), 'package', ...args],
      {
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
      },
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * The VPC the example configuration's caches live in: its caches answer only
 * inside a VPC, so packaging needs the functions' subnets and security group.
 */
export const EXAMPLE_VPC = {
  subnetIds: ['subnet-0aaa1111bbbb22220', 'subnet-0ccc3333dddd44440'],
  securityGroupIds: ['sg-0eee5555ffff66660'],
  vpcId: 'vpc-0123456789abcdef0',
  routeTableIds: ['rtb-0123456789abcdef0'],
};

export const EXAMPLE_VPC_PARAMS = [
  `--param=vpcSubnetIds=${EXAMPLE_VPC.subnetIds.join(',')}`,
  `--param=vpcSecurityGroupIds=${EXAMPLE_VPC.securityGroupIds.join(',')}`,
];

/** The arguments the default template is packaged with: the example configuration in its VPC, reached through a NAT. */
export const DEFAULT_PACKAGE_ARGS = ['--stage', 'dev', ...EXAMPLE_VPC_PARAMS];

/** Packages into .serverless/ unless the template there is newer than every input. */
export async function ensurePackaged(): Promise<string> {
  const built = existsSync(TEMPLATE) ? statSync(TEMPLATE).mtimeMs : 0;
  if (inputs().some((f) => statSync(f).mtimeMs > built)) await serverlessPackage(DEFAULT_PACKAGE_ARGS);
  return TEMPLATE;
}
