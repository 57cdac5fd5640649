/**
 * `cache-outage` as an installed npm package: `npm pack` bundles the CLI into
 * one file; installed from that tarball into a project where nothing else is
 * installed (no dependency, no dev dependency, no tsx), `npx cache-outage`
 * prints its usage, refuses a bad command line, and lists and shows
 * incidents on the local stack.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import { startStack, type LocalStack } from '../../local/stack';
import { childProcesses } from '../e2e/processes';
import { run, type Run } from './support';

const ROOT = path.resolve(__dirname, '..', '..');

jest.setTimeout(240_000);

/** A project that installed the tarball, and nothing else. */
let project: string;
let tarballFiles: string[];
/** The `cache-outage` bin as package.json names it, and where it is installed. */
let binPath: string;
let bin: string;

/** `npx cache-outage …` in the project; the first call to the local console starts its function cold. */
const npx = (...args: string[]): Promise<Run> =>
  run('npx', ['--offline', '--no', '--', 'cache-outage', ...args], project, undefined, 150_000);

async function must(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  const r = await run(command, args, cwd, env, 120_000);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'cache-outage-package-'));
  // From the checkout, as a release is made: the package's own scripts build what it ships.
  await must('npm', ['pack', '--pack-destination', project], ROOT, process.env);
  const tarball = path.join(project, readdirSync(project).find((f) => f.endsWith('.tgz')) ?? 'no tarball');
  tarballFiles = (await must('tar', ['-tzf', tarball], project)).stdout.split('\n').filter(Boolean);

  // What `npm install <tarball>` lays out; then npm links the package's bins.
  const modules = path.join(project, 'node_modules');
  mkdirSync(modules);
  await must('tar', ['-xzf', tarball, '-C', modules], project);
  const manifest = JSON.parse(readFileSync(path.join(modules, 'package', 'package.json'), 'utf8')) as {
    name: string;
    bin: Record<string, string>;
  };
  const installed = path.join(modules, manifest.name);
  renameSync(path.join(modules, 'package'), installed);
  binPath = manifest.bin['cache-outage'] ?? 'no cache-outage bin';
  bin = path.join(installed, binPath);
  await must('npm', ['rebuild', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the cache-outage package', () => {
  it('ships the CLI as one built file, without sources', () => {
    expect(tarballFiles).toContain(`package/${binPath}`);
    const shipped = tarballFiles.filter((f) => !/^package\/(package\.json|README\.md|LICENSE)$/.test(f));
    expect(shipped).toEqual(['package/dist/cache-outage.js']);
  });

  it('runs where neither its dependencies nor tsx can be found', () => {
    const resolve = createRequire(bin).resolve;
    for (const name of ['tsx', 'esbuild', 'zod', '@aws-sdk/client-dynamodb'])
      expect(() => resolve(name)).toThrow(/Cannot find module/);
  });

  it('prints its usage on --help', async () => {
    const r = await npx('--help');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: cache-outage <command> \[options\]/);
    expect(r.stdout).toContain('approve <id> --reason TEXT');
    expect(r.stdout).toContain('--only A,B');
  });

  it('refuses a bad command line with a message and exit code 2', async () => {
    const unknown = await npx('frob');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cache-outage: unknown command "frob"/);

    const option = await npx('incidents', '--bogus');
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^cache-outage: Unknown option '--bogus'/);
    for (const r of [unknown, option]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says that the drill needs a checkout of the repository', async () => {
    const r = await npx('drill', '--scenario', 'restore');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cache-outage: the drill .* checkout of the repository/);
  });

  describe('on the local stack', () => {
    let stack: LocalStack;
    const id = 'accounts-20250301T090000Z';

    beforeAll(async () => {
      stack = await startStack();
      await stack.writeDescription(path.join(project, '.local', 'stack.json'));
      // A false alarm, as Record Incident writes it and Confirm Outage completes it.
      await stack.clients.dynamodb.send(
        new PutItemCommand({
          TableName: stack.description.tables.incidents,
          Item: marshall({
            ...recordedIncidentItem({
              incidentId: id,
              cacheId: 'accounts',
              openedAt: '2025-03-01T09:00:00.000Z',
              executionArn: `${stack.description.stateMachineArn.replace(':stateMachine:', ':execution:')}:x`,
              executionName: 'x',
              triggerAlarm: 'cache-outage-workflow-local-accounts-unreachable',
            }),
            status: 'FALSE_ALARM',
            falseAlarmAt: '2025-03-01T09:00:15.000Z',
            confirmation: {
              confirmed: false,
              endpoint: '127.0.0.1:6379',
              through: 'the endpoint record /cache-outage/accounts/endpoint',
              from: "the workflow's confirm-outage function in us-east-1",
              auth: true,
              windowSeconds: 10,
              pings: [{ at: '2025-03-01T09:00:05.000Z', ok: true, latencyMs: 1 }],
              at: '2025-03-01T09:00:15.000Z',
            },
          }),
        }),
      );
    });
    afterAll(async () => {
      await stack?.stop();
      expect(childProcesses()).toEqual([]);
    });

    it("lists and shows incidents through the local console's API", async () => {
      const list = await npx('incidents', '--local', '--json');
      expect(list.stderr).toBe('');
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ incidentId: id, status: 'FALSE_ALARM' })]);

      const shown = await npx('show', id, '--local');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`Incident ${id}`);
      expect(shown.stdout).toContain(
        'false alarm: 127.0.0.1:6379 through the endpoint record /cache-outage/accounts/endpoint with AUTH',
      );
    });
  });
});
