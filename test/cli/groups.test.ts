/**
 * `cache-outage approve|reject|ack <groupId>` as a child process through the
 * console's HTTP API (the local HTTP API with the real authorizer in front of
 * the console function over the in-memory fakes): one decision for every
 * cache of a provider outage waiting, or only those in `--only`, what
 * happened cache by cache, `--json` the API's result; an incident id is
 * decided as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalConsole } from '../../local/console';
import { GROUP, ID, STEP, waitingGroupWorld } from '../console/group-decision-world';
import { childProcesses } from '../e2e/processes';
import { startConsoleOver } from './local-console';
import { run, SOURCE_CLI } from './support';

jest.setTimeout(60_000);

let cwd: string;
let local: LocalConsole | undefined;
let world: Awaited<ReturnType<typeof waitingGroupWorld>>;

beforeAll(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-groups-'));
});
beforeEach(async () => {
  world = await waitingGroupWorld();
  local = await startConsoleOver(world);
});
afterEach(async () => {
  await local?.stop();
  local = undefined;
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
  expect(childProcesses()).toEqual([]);
});

const cli = (...args: string[]) =>
  run(
    process.execPath,
    [...SOURCE_CLI, ...args, '--url', local!.url, '--token', local!.token('ana@acme.test', ['operators'])],
    cwd,
  );
const status = async (incidentId: string) => (await world.store.pendingApproval(incidentId, STEP))?.approval.status;

describe('cache-outage approve|reject|ack <groupId>', () => {
  it('approves every cache of the group waiting, and lists what happened to each', async () => {
    const r = await cli('approve', GROUP, '--reason', 'the provider is down for hours');

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [head, ...rows] = r.stdout.trimEnd().split('\n');
    // The date is left out on the day itself.
    expect(head).toMatch(
      new RegExp(`^decided ${STEP} of 2 caches of group ${GROUP} as ana@acme\\.test at (Dec 7, )?09:58:00 UTC$`),
    );
    expect(rows).toEqual([
      '  CACHE       INCIDENT                     OUTCOME',
      `  accounts-1  ${ID.one}  approved`,
      `  accounts-2  ${ID.two}  approved`,
    ]);
    expect([await status(ID.one), await status(ID.two)]).toEqual(['APPROVED', 'APPROVED']);

    // Nothing waits any more: the console's 409, exit code 3, nothing changed.
    const again = await cli('reject', GROUP, '--reason', 'too late');
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/^cache-outage: HTTP 409: no cache of group .* waits for a decision/);
    expect(await status(ID.one)).toBe('APPROVED');
  });

  it('rejects only the caches in --only (cache or incident ids), and prints the API result with --json', async () => {
    const r = await cli('reject', GROUP, '--reason', 'restored by hand', '--only', 'accounts-2', '--json');

    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { groupId: string; decided: { incidentId: string; status: string }[] };
    expect(result.groupId).toBe(GROUP);
    expect(result.decided.map((d) => [d.incidentId, d.status])).toEqual([[ID.two, 'REJECTED']]);
    expect([await status(ID.one), await status(ID.two)]).toEqual(['PENDING', 'REJECTED']);

    const unknown = await cli('approve', GROUP, '--reason', 'r', '--only', `${ID.one},billing`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('HTTP 400: group decision is invalid: only: not a cache or incident of group');
    expect(await status(ID.one)).toBe('PENDING');
  });

  it('acknowledges every cache waiting', async () => {
    const r = await cli('ack', GROUP);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `acknowledged ${STEP} of 2 caches of group ${GROUP} as ana@acme.test: escalation is delayed`,
      `  accounts-1  ${ID.one}`,
      `  accounts-2  ${ID.two}`,
    ]);
    const acks = (await world.store.timeline(ID.two)).filter((e) => e.type === 'APPROVAL_ACKNOWLEDGED');
    expect(acks).toHaveLength(1);
  });

  it('decides an incident id of the group as before, that cache alone; --only needs a group', async () => {
    const r = await cli('approve', ID.one, '--reason', 'accounts-1 first');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd()).toMatch(
      new RegExp(`^approved ${STEP} of ${ID.one} as ana@acme\\.test at (Dec 7, )?09:58:00 UTC$`),
    );
    expect([await status(ID.one), await status(ID.two)]).toEqual(['APPROVED', 'PENDING']);

    const only = await cli('approve', ID.two, '--reason', 'r', '--only', 'accounts-2');
    expect(only.code).toBe(2);
    expect(only.stderr).toBe(`cache-outage: --only needs an incident group, and ${ID.two} names none\n`);
    expect(await status(ID.two)).toBe('PENDING');
  });
});
