/**
 * `cache-outage stats` as a child process, through the console's HTTP API:
 * the local HTTP API with the real authorizer in front of the console
 * function, whose incidents are the in-memory fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReliabilityStats } from '../../functions/usecases/reliability-stats';
import type { LocalConsole } from '../../local/console';
import { restoredIncident, restoreTimeline } from '../domain/report/fixtures';
import { childProcesses } from '../e2e/processes';
import { fakeWorld } from '../fakes';
import { startConsoleOver } from './local-console';
import { run, SOURCE_CLI } from './support';

jest.setTimeout(60_000);

describe('cache-outage stats', () => {
  let local: LocalConsole;
  let cwd: string;
  const world = fakeWorld({ now: '2024-03-01T12:00:00.000Z' });

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-stats-'));
    // The post-mortem's night: 30 s to confirm, 15 min to start the restore (after an approval), 46 min down,
    // 70 min degraded. Then a promotion of sessions nobody was asked about, and a false alarm.
    const night = restoredIncident();
    world.store.seedIncident(night);
    for (const e of restoreTimeline()) await world.store.appendTimeline(night.incidentId, e);
    world.store.seedIncident({
      incidentId: 'sessions-20240220T100000Z',
      cacheId: 'sessions',
      status: 'RESOLVED',
      openedAt: '2024-02-20T10:00:00.000Z',
      confirmedAt: '2024-02-20T10:00:20.000Z',
      restoredAt: '2024-02-20T10:05:00.000Z',
      resolvedAt: '2024-02-20T10:15:00.000Z',
    });
    await world.store.appendTimeline('sessions-20240220T100000Z', {
      at: '2024-02-20T10:01:00.000Z',
      type: 'RECOVERY_STARTED',
      message: 'promoting sessions-002',
    });
    world.store.seedIncident({
      incidentId: 'sessions-20240221T100000Z',
      cacheId: 'sessions',
      status: 'FALSE_ALARM',
      openedAt: '2024-02-21T10:00:00.000Z',
    });
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
      [...SOURCE_CLI, 'stats', '--url', local.url, '--token', local.token('ana@acme.test', ['operators']), ...args],
      cwd,
    );

  it('prints all caches first, then each cache, with median and worst', async () => {
    const r = await cli();

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'Incidents opened from Dec 2, 2023, 12:00:00 UTC to Mar 1, 2024, 12:00:00 UTC: 3 counted (at most the newest 500)',
      '',
      'All caches (a provider outage counts once): 2 events · 1 false alarm · 1 needed an operator',
      '  Time to detect:          median 25 s · worst 30 s',
      '  Time to start recovery:  median 8 min · worst 15 min',
      '  Outage per incident:     median 25 min 30 s · worst 46 min',
      '  Degraded per incident:   median 40 min · worst 1 h 10 min',
      '',
      'accounts: 1 incident · 0 false alarms · 1 needed an operator',
      '  Time to detect:          median 30 s · worst 30 s',
      '  Time to start recovery:  median 15 min · worst 15 min',
      '  Outage per incident:     median 46 min · worst 46 min',
      '  Degraded per incident:   median 1 h 10 min · worst 1 h 10 min',
      '',
      'sessions: 1 incident · 1 false alarm · 0 needed an operator',
      '  Time to detect:          median 20 s · worst 20 s',
      '  Time to start recovery:  median 1 min · worst 1 min',
      '  Outage per incident:     median 5 min · worst 5 min',
      '  Degraded per incident:   median 10 min · worst 10 min',
    ]);
  });

  it('prints the console API JSON with --json, over the window --since names', async () => {
    const r = await cli('--json', '--since', '2024-02-18');

    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as ReliabilityStats;
    expect(stats.since).toBe('2024-02-18T00:00:00.000Z');
    expect(stats.counted).toBe(2);
    expect(stats.caches.map((c) => [c.scope, c.incidents, c.falseAlarms, c.outage.worstSeconds])).toEqual([
      ['sessions', 1, 1, 300],
    ]);
  });

  it('says when no incident opened in the window', async () => {
    const r = await cli('--since', '1d');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No incident opened in this window.');
  });

  it('reports a window the console cannot read, and exits 1', async () => {
    const r = await cli('--since', 'last quarter');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HTTP 400: since is invalid: since: an ISO 8601 date/);
  });

  it('refuses someone outside the operators group, saying why', async () => {
    const r = await run(
      process.execPath,
      [...SOURCE_CLI, 'stats', '--url', local.url, '--token', local.token('vic@acme.test', ['viewers'])],
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HTTP 403');
  });
});
