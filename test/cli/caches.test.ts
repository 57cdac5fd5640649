/**
 * `cache-outage caches` as a child process, through the console's HTTP API:
 * the local HTTP API with the real authorizer (tokens from the local identity
 * provider) in front of the console function, whose backup records are the
 * in-memory fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BackupRun } from '../../functions/ports';
import type { LocalConsole } from '../../local/console';
import { childProcesses } from '../e2e/processes';
import { fakeWorld, testCache } from '../fakes';
import { startConsoleOver } from './local-console';
import { run, SOURCE_CLI } from './support';

jest.setTimeout(60_000);

const okRun: BackupRun = {
  cacheId: 'sessions',
  startedAt: '2025-03-01T11:50:00.000Z',
  finishedAt: '2025-03-01T11:50:40.000Z',
  outcome: 'ok',
  attempts: [{ method: 'sync', outcome: 'ok' }],
  backup: {
    bucket: 'backups',
    key: 'sessions/2025-03-01T11:50:00.000Z-sync.rdb',
    method: 'sync',
    watermark: '2025-03-01T11:50:00.000Z',
    pointInTime: true,
    keys: 2000,
    bytes: 3 * 1024 * 1024,
    rdbVersion: 11,
  },
};

describe('cache-outage caches', () => {
  let local: LocalConsole;
  let cwd: string;
  const world = fakeWorld({
    now: '2025-03-01T12:00:00.000Z',
    caches: [
      testCache({ id: 'sessions', backup: { bucket: 'backups', rpoMinutes: 30 } }),
      testCache({ id: 'orders', backup: { bucket: 'backups', method: 'scan-dump', rpoMinutes: 60 } }),
      testCache({ id: 'flags' }),
    ],
  });

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-caches-'));
    await world.backupRecords.recordBackupRun(okRun);
    await world.backupRecords.recordTestRestore({
      cacheId: 'sessions',
      at: '2025-03-01T03:00:00.000Z',
      backup: { bucket: okRun.backup!.bucket, key: okRun.backup!.key },
      ok: true,
      keysExpected: 2000,
      keysLoaded: 2000,
      sampled: 100,
      mismatched: 0,
      durationMs: 4000,
    });
    await world.backupRecords.recordBackupRun({
      cacheId: 'orders',
      startedAt: '2025-03-01T11:55:00.000Z',
      finishedAt: '2025-03-01T11:55:01.000Z',
      outcome: 'failed',
      attempts: [{ method: 'scan-dump', outcome: 'refused', reason: 'DUMP refused: NOPERM' }],
      reason: 'DUMP refused: NOPERM',
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
      [...SOURCE_CLI, 'caches', '--url', local.url, '--token', local.token('ana@acme.test', ['operators']), ...args],
      cwd,
    );

  it('prints one line per cache with its backups against its RPO', async () => {
    const r = await cli();

    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      'sessions: backup 10 min old (RPO 30 min): sync, 3.0 MiB, 2000 keys, point-in-time, watermark Mar 1, 11:50:00 UTC · last run ok Mar 1, 11:50:40 UTC · 0 failures in a row · test restore ok Mar 1, 03:00:00 UTC: 2000/2000 keys loaded, 0/100 sampled differ',
      'orders: no verified backup OVER RPO (RPO 1 h) · last run failed Mar 1, 11:55:01 UTC: DUMP refused: NOPERM · 1 failure in a row · no test restore yet',
      'flags: no backups configured',
    ]);
  });

  it('prints the console API JSON with --json', async () => {
    const r = await cli('--json');

    expect(r.code).toBe(0);
    const caches = JSON.parse(r.stdout) as { cacheId: string; configured: boolean; overRpo?: boolean }[];
    expect(caches.map((c) => [c.cacheId, c.configured, c.overRpo])).toEqual([
      ['sessions', true, false],
      ['orders', true, true],
      ['flags', false, undefined],
    ]);
  });

  it('refuses someone outside the operators group, saying why', async () => {
    const r = await run(
      process.execPath,
      [...SOURCE_CLI, 'caches', '--url', local.url, '--token', local.token('vic@acme.test', ['viewers'])],
      cwd,
    );

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HTTP 403');
    expect(r.stderr).toContain('you are not in the operators group');
  });
});
