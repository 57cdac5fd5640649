/**
 * `cache-outage report <incident>` as a child process through the console's
 * HTTP API (the local HTTP API with the real authorizer in front of the
 * console function, whose store holds the post-mortem's incident): Markdown
 * by default, HTML and JSON on request, and the console's refusals as
 * messages with the CLI's exit codes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalConsole } from '../../local/console';
import { resolvedIncidentWorld } from '../console/report-world';
import { childProcesses } from '../e2e/processes';
import { startConsoleOver } from './local-console';
import { run, SOURCE_CLI } from './support';

jest.setTimeout(60_000);

describe('cache-outage report', () => {
  let local: LocalConsole;
  let cwd: string;
  let incidentId: string;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-report-'));
    const world = await resolvedIncidentWorld();
    incidentId = world.incidentId;
    local = await startConsoleOver(world);
  });

  afterAll(async () => {
    await local?.stop();
    rmSync(cwd, { recursive: true, force: true });
    expect(childProcesses()).toEqual([]);
  });

  const cli = (groups: string[], ...args: string[]) =>
    run(
      process.execPath,
      [...SOURCE_CLI, 'report', ...args, '--url', local.url, '--token', local.token('ana@acme.test', groups)],
      cwd,
    );

  it('prints the report as Markdown: the impact in the operator’s zone, the four notices, the suggestions', async () => {
    const r = await cli(['operators'], incidentId);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const md = r.stdout;
    expect(md).toMatch(/^# Post-incident report: accounts, Friday, February 16, 2024\n/);
    const impact = md.slice(md.indexOf('## Impact'), md.indexOf('## Customer Communication'));
    expect(impact).toContain('- Outage: 46 min, from 16:24 ET to 17:10 ET.');
    expect(impact).toContain('- Partially degraded: 1 h 10 min, from 17:10 ET to 18:20 ET.');
    const communication = md.slice(md.indexOf('## Customer Communication'), md.indexOf('## Timeline'));
    expect(communication.match(/^### .+$/gm)).toEqual([
      '### 16:25 ET: Investigating',
      '### 16:39 ET: Recovery under way',
      '### 17:10 ET: Partially restored',
      '### 18:20 ET: Resolved',
    ]);
    expect(md).toContain('**Suggestion: Add a replica in another Availability Zone (Multi-AZ).**');
  });

  it('prints HTML with --format html, and the report’s JSON with --json', async () => {
    const html = await cli(['operators'], incidentId, '--format', 'html');
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<svg class="time-bar"');

    const json = await cli(['operators'], incidentId, '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      impact: { outage: { seconds: number }; degraded: { seconds: number } };
    };
    expect([report.impact.outage.seconds, report.impact.degraded.seconds]).toEqual([46 * 60, 70 * 60]);
  });

  it('says what the console refused: an unknown incident, someone not an operator', async () => {
    const missing = await cli(['operators'], 'nope-20240216T212400Z');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('cache-outage: HTTP 404: incident nope-20240216T212400Z does not exist\n');
    const viewer = await cli(['viewers'], incidentId);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/^cache-outage: HTTP 403: .*\(you are not in the operators group\)\n$/);
    expect(viewer.stdout).toBe('');
  });

  it('with --local once the stack has stopped, prints the report the drill kept, and says so', async () => {
    const kept = await cli(['operators'], incidentId, '--json');
    const reports = path.join(cwd, '.local', 'reports');
    mkdirSync(reports, { recursive: true });
    writeFileSync(path.join(reports, `${incidentId}.json`), kept.stdout);
    // A stale .local/stack.json: the port it names is answered by something else than the stack's identity provider.
    writeFileSync(
      path.join(cwd, '.local', 'stack.json'),
      JSON.stringify({ consoleUrl: local.url, identity: { tokenUrl: `${local.url}/no-identity-provider/token` } }),
    );
    const fromDrill = (...args: string[]) => run(process.execPath, [...SOURCE_CLI, 'report', ...args, '--local'], cwd);

    const md = await fromDrill(incidentId);
    expect(md.code).toBe(0);
    expect(md.stderr).toBe(
      `cache-outage: the local stack is not running: the report the drill drafted at ${(JSON.parse(kept.stdout) as { generatedAt: string }).generatedAt} (.local/reports/${incidentId}.json)\n`,
    );
    expect(md.stdout).toMatch(/^# Post-incident report: accounts, Friday, February 16, 2024\n/);
    expect(md.stdout).toContain('- Outage: 46 min, from 16:24 ET to 17:10 ET.');
    expect((await fromDrill(incidentId, '--format', 'html')).stdout).toContain('<svg class="time-bar"');

    const none = await fromDrill('nope-20240216T212400Z');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /^cache-outage: the local stack's identity provider gave no token at .+; and no drill kept a report of nope-20240216T212400Z in \.local\/reports\n$/,
    );

    writeFileSync(path.join(reports, `${incidentId}.json`), kept.stdout.slice(0, 100));
    const torn = await fromDrill(incidentId);
    expect(torn.code).toBe(1);
    expect(torn.stderr).toMatch(/^cache-outage: .+\.json is not a report: /);
    expect(none.stdout).toBe('');
  });
});
