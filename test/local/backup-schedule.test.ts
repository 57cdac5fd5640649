/**
 * The local stack's backup schedule and freshness alarms, end to end: with a
 * `backup` function declared in serverless.yml, startMonitoring() invokes it
 * for each protected cache the product backs up, at once and then every
 * scaled interval, never twice at once for one cache, and not after stop();
 * the freshness alarm of a cache whose backup is older than its RPO reaches
 * the operators' topic, and the customers' status topic hears nothing.
 *
 * The function is a stand-in (test/local/fixtures/backup-stand-in) that
 * records its runs and reports BackupAgeSeconds as the backup function does.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { protectedCacheSchema, type ProtectedCache } from '../../functions/domain/caches';
import { HttpSubscriber } from '../../local/drill/subscriber';
import { startStack, type LocalStack } from '../../local/stack';
import { backupAgeAlarmName } from '../../local/stack/alarms';

const ROOT = path.resolve(__dirname, '..', '..');
const RUN_MS = 150;
/** One minute of schedule is 300 ms here. */
const BACKUP_SCALE = 0.3 / 60;

interface Run {
  cacheId: string;
  start: number;
  end: number;
}

const cache = (id: string, backup?: Record<string, unknown>): ProtectedCache =>
  protectedCacheSchema.parse({
    id,
    endpoint: { host: '127.0.0.1', port: 1 },
    endpointParameter: `/cache-outage/${id}/endpoint`,
    ...(backup ? { backup: { bucket: 'backups', ...backup } } : {}),
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the backup schedule of the local stack', () => {
  let stack: LocalStack;
  let root: string;
  let runsFile: string;
  const operators = new HttpSubscriber();
  const customers = new HttpSubscriber();
  const logs: string[] = [];

  const runs = async (): Promise<Run[]> =>
    (await readFile(runsFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Run);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'backup-schedule-'));
    runsFile = path.join(root, 'runs.jsonl');
    const doc = yaml.load(await readFile(path.join(ROOT, 'serverless.yml'), 'utf8')) as {
      functions: Record<string, unknown>;
    };
    doc.functions.backup = {
      handler: 'standins/backup.handler',
      timeout: 30,
      environment: { RUNS_FILE: 'set by the test', RUN_MS: 'set by the test', STALE_CACHES: 'set by the test' },
    };
    await writeFile(path.join(root, 'serverless.yml'), yaml.dump(doc, { noRefs: true }));
    await symlink(path.join(__dirname, 'fixtures', 'backup-stand-in'), path.join(root, 'standins'));
    for (const entry of ['functions', 'statemachines', 'serverless', 'config', 'node_modules', 'package.json']) {
      await symlink(path.join(ROOT, entry), path.join(root, entry));
    }
    await symlink(path.join(ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
    stack = await startStack({
      root,
      iam: false,
      // A minute of alarm period lasts 300 ms, as a minute of schedule does.
      alarmTimeScale: BACKUP_SCALE,
      // The probe is not under test: its first run would come after the test.
      probeIntervalMs: 3_600_000,
      environment: { RUNS_FILE: runsFile, RUN_MS: String(RUN_MS), STALE_CACHES: 'sessions' },
      onLog: (fn, line) => logs.push(`${fn}\t${line}`),
    });
    await operators.start();
    await customers.start();
    await operators.subscribe(stack.clients.sns, stack.description.topics.operators);
    await customers.subscribe(stack.clients.sns, stack.description.topics.status);
    stack.protect([
      cache('orders', { intervalMinutes: 1, rpoMinutes: 10 }),
      cache('sessions', { intervalMinutes: 2, rpoMinutes: 10 }),
      cache('external', { method: 'none' }),
      cache('unbacked'),
    ]);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await operators.stop();
    await customers.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('backs up each cache the product backs up at once, then every interval, never two runs of a cache at once', async () => {
    const started = Date.now();
    stack.startMonitoring();
    // The first runs start at once; the function's first cold start takes a moment.
    await sleep(2500);
    const seen = await runs();
    const of = (id: string) => seen.filter((r) => r.cacheId === id);
    expect(new Set(seen.map((r) => r.cacheId))).toEqual(new Set(['orders', 'sessions']));
    expect(of('orders')[0]!.start - started).toBeLessThan(2000);
    expect(of('sessions')[0]!.start - started).toBeLessThan(2000);
    // orders every 300 ms, sessions every 600 ms (each run takes 150 ms).
    expect(of('orders').length).toBeGreaterThan(of('sessions').length);
    expect(of('sessions').length).toBeGreaterThanOrEqual(2);
    for (const id of ['orders', 'sessions']) {
      const list = of(id).sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i += 1) expect(list[i]!.start).toBeGreaterThanOrEqual(list[i - 1]!.end);
    }
    expect(logs.filter((l) => l.includes('scheduled backup'))).toEqual([]);
  }, 30_000);

  it("alarms the operators, and no customer, when a cache's newest backup is older than its RPO", async () => {
    const staleAlarm = backupAgeAlarmName('cache-outage-workflow', 'sessions');
    const freshAlarm = backupAgeAlarmName('cache-outage-workflow', 'orders');
    const deadline = Date.now() + 10_000;
    while (stack.cloudwatch.stateOf(staleAlarm) !== 'ALARM' && Date.now() < deadline) await sleep(50);
    expect(stack.cloudwatch.stateOf(staleAlarm)).toBe('ALARM');
    // Fresh backups keep the other cache's alarm OK (before its first report, like a new deployment, it may alarm).
    await sleep(1500);
    expect(stack.cloudwatch.stateOf(freshAlarm)).toBe('OK');
    const states = (alarmName: string) =>
      operators.received
        .map((n) => JSON.parse(n.message) as { AlarmName: string; NewStateValue: string })
        .filter((m) => m.AlarmName === alarmName)
        .map((m) => m.NewStateValue);
    expect(states(freshAlarm).at(-1)).toBe('OK');
    expect(states(staleAlarm).at(-1)).toBe('ALARM');
    const notice = operators.received.find((n) => n.subject === `ALARM: "${staleAlarm}" in US East (N. Virginia)`);
    expect(JSON.parse(notice!.message)).toMatchObject({
      NewStateValue: 'ALARM',
      Trigger: { MetricName: 'BackupAgeSeconds', Threshold: 600, Dimensions: [{ name: 'CacheId', value: 'sessions' }] },
    });
    expect(customers.received).toEqual([]);
  }, 30_000);

  it('runs nothing after stop()', async () => {
    await stack.stop();
    const count = (await runs()).length;
    await sleep(1000);
    expect(await runs()).toHaveLength(count);
  }, 30_000);
});
