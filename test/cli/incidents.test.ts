/**
 * `cache-outage incidents` with a provider outage, as a child process through
 * the console's HTTP API (the local HTTP API with the real authorizer in front
 * of the console function, whose store is the in-memory fake): the group as
 * one line with its caches indented beneath, `--json` the incidents' array as
 * before groups. And the rendering alone, against a console that predates
 * groups and for a group of false alarms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { incidentListLines } from '../../cli/human';
import { listIncidents } from '../../functions/usecases/incident-view';
import type { LocalConsole } from '../../local/console';
import { GROUP, providerOutageWorld } from '../console/group-world';
import { childProcesses } from '../e2e/processes';
import { fakeWorld } from '../fakes';
import { startConsoleOver } from './local-console';
import { run, SOURCE_CLI } from './support';

jest.setTimeout(60_000);

describe('cache-outage incidents', () => {
  let local: LocalConsole;
  let cwd: string;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-incidents-'));
    const world = await providerOutageWorld();
    local = await startConsoleOver(world);
  });

  afterAll(async () => {
    await local?.stop();
    rmSync(cwd, { recursive: true, force: true });
    expect(childProcesses()).toEqual([]);
  });

  const cli = (...args: string[]) =>
    run(
      process.execPath,
      [...SOURCE_CLI, 'incidents', '--url', local.url, '--token', local.token('ana@acme.test', ['operators']), ...args],
      cwd,
    );

  it('prints the provider group as one line, its caches indented beneath, then the cache of its own', async () => {
    const r = await cli();

    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'INCIDENT                       CACHE                  STATUS    STAGE               PLAN                 STARTED              ELAPSED     APPROVALS',
      'acme-redis (provider outage)   3 caches · 1 resolved  Open      Recovery under way  Restore from backup  Dec 6, 23:14:01 UTC  9 min 59 s  1 pending',
      '  accounts-1-20251206T231401Z  accounts-1             Open      Recovery under way  Restore from backup  Dec 6, 23:14:01 UTC  9 min 59 s  1 pending',
      '  accounts-2-20251206T231402Z  accounts-2             Open      Recovery under way  Promote a replica    Dec 6, 23:14:02 UTC  9 min 58 s  –',
      '  accounts-3-20251206T231403Z  accounts-3             Resolved  Recovery under way  Promote a replica    Dec 6, 23:14:03 UTC  5 min       –',
      'sessions-20251206T220000Z      sessions               Resolved  Resolved            –                    Dec 6, 22:00:00 UTC  10 min      –',
    ]);
  });

  it('prints the incidents as the API lists them with --json, each naming its group', async () => {
    const r = await cli('--json');

    expect(r.code).toBe(0);
    const incidents = JSON.parse(r.stdout) as { incidentId: string; groupId: string; status: string }[];
    expect(incidents.map((i) => [i.incidentId, i.groupId, i.status])).toEqual([
      ['accounts-2-20251206T231402Z', GROUP, 'OPEN'],
      ['accounts-1-20251206T231401Z', GROUP, 'OPEN'],
      ['accounts-3-20251206T231403Z', GROUP, 'RESOLVED'],
      ['sessions-20251206T220000Z', 'sessions-20251206T220000Z', 'RESOLVED'],
    ]);
  });
});

describe('the incidents list for people', () => {
  const cells = (line: string) => line.trim().split(/ {2,}/);

  it('prints every incident as its own line for a console that sends no groups', async () => {
    const { incidents } = await listIncidents(await providerOutageWorld());
    const lines = incidentListLines({ incidents });
    expect(lines.slice(1).map((l) => cells(l)[0])).toEqual(incidents.map((i) => i.incidentId));
    expect(lines.join('\n')).not.toContain('provider outage');
  });

  it('prints a group of false alarms with the false alarms, its caches indented', async () => {
    const w = fakeWorld({ now: '2025-12-06T23:24:00.000Z' });
    const group = await w.store.resolveGroup('acme-redis', '2025-12-06T23:14:00.000Z', 300);
    for (const cacheId of ['accounts-1', 'accounts-2'])
      w.store.seedIncident({
        incidentId: `${cacheId}-20251206T231400Z`,
        cacheId,
        openedAt: '2025-12-06T23:14:00.000Z',
        status: 'FALSE_ALARM',
        falseAlarmAt: '2025-12-06T23:14:10.000Z',
        groupId: group,
      });
    const lines = incidentListLines(await listIncidents(w));
    expect(lines[0]).toBe('No incidents.');
    expect(lines[2]).toMatch(/^False alarms \(2\): /);
    expect(lines.slice(4).map(cells)).toEqual([
      ['acme-redis (provider outage)', '2 caches · 0 resolved · 2 false alarms', 'False alarm', expect.any(String)],
      ['accounts-1-20251206T231400Z', 'accounts-1', 'False alarm', expect.any(String)],
      ['accounts-2-20251206T231400Z', 'accounts-2', 'False alarm', expect.any(String)],
    ]);
    expect(lines.slice(5).every((l) => l.startsWith('  accounts-'))).toBe(true);
  });
});
