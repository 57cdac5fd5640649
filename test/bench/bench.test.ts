/**
 * The benchmark's own arithmetic and inputs: summaries, and the RESP file
 * `redis-cli --pipe` loads yielding exactly the dataset the cache writer gets.
 * No timings are asserted here.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { RedisWriter } from '../../functions/adapters/redis-writer';
import { pages, records, setCommand, writeRespFile } from '../../bench/dataset';
import { deliveryPlan } from '../../bench/intake';
import { readServerlessBuild } from '../../bench/bundles';
import { formatSummary, median, percentile, ratioOf, summarize } from '../../bench/stats';
import { stateDurations } from '../../bench/workflow';
import { build, stop } from 'esbuild';
import { parseAlarmDelivery } from '../../functions/handlers/alarm-envelopes';
import { startRedis, type RedisProcess } from '../../local/elasticache';

describe('stats', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('reports the nearest-rank percentile, a value that was observed', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(990);
    expect(percentile(values, 50)).toBe(500);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(() => percentile(values, 0)).toThrow(RangeError);
  });

  it('summarizes a median with its spread, and the ratio of two medians with the per-run spread', () => {
    const a = summarize([10, 30, 20]);
    expect(a).toMatchObject({ median: 20, min: 10, max: 30, n: 3 });
    const r = ratioOf(a, summarize([5, 10, 10]));
    expect(r.median).toBe(2);
    expect([r.min, r.max]).toEqual([2, 3]);
    expect(formatSummary(a, 1)).toBe('20.0 (10.0–30.0, n=3)');
    expect(formatSummary(summarize([4]), 0)).toBe('4');
  });
});

describe('RESP file for redis-cli --pipe', () => {
  let dir: string;
  let servers: RedisProcess[] = [];
  const nowSeconds = Math.floor(Date.now() / 1000);
  const count = 3000;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-test-'));
  });

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function server(): Promise<RedisProcess> {
    const sub = await fs.mkdtemp(path.join(dir, 'redis-'));
    const s = await startRedis({ dir: sub });
    servers.push(s);
    return s;
  }

  async function pipe(port: number, file: string): Promise<string> {
    const fd = openSync(file, 'r');
    try {
      const child = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: [fd, 'pipe', 'inherit'] });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
      return out;
    } finally {
      closeSync(fd);
    }
  }

  /** Every key with its value and absolute expiry (ms; -1 when none). */
  async function contents(port: number): Promise<Map<string, [string, number]>> {
    const client = new Redis({ port, lazyConnect: true });
    await client.connect();
    try {
      const keys = await client.keys('*');
      const out = new Map<string, [string, number]>();
      for (const key of keys) {
        const [value, expiry] = await Promise.all([client.get(key), client.call('PEXPIRETIME', key)]);
        out.set(key, [value as string, Number(expiry)]);
      }
      return out;
    } finally {
      client.disconnect();
    }
  }

  it('encodes SET with EXAT for whole seconds and PXAT otherwise, byte lengths for UTF-8', () => {
    expect(setCommand({ key: 'k', value: 'é' })).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
    expect(setCommand({ key: 'k', value: 'v', expiresAt: 2000000000 })).toBe(
      '*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nEXAT\r\n$10\r\n2000000000\r\n',
    );
    expect(setCommand({ key: 'k', value: 'v', expiresAt: 2000000000.5 })).toContain('PXAT\r\n$13\r\n2000000000500\r\n');
  });

  it('loads exactly the dataset (keys, values, TTLs) that the cache writer writes', async () => {
    // Prepare
    const file = path.join(dir, 'dataset.resp');
    const written = await writeRespFile(file, records(count, nowSeconds));
    const [viaCli, viaWriter] = [await server(), await server()];

    // Act
    const summary = await pipe(viaCli.port, file);
    await new RedisWriter().write(
      { host: '127.0.0.1', port: viaWriter.port, tls: false },
      undefined,
      pages(records(count, nowSeconds), 250),
    );

    // Assess
    expect(written.commands).toBe(count);
    expect(summary).toMatch(new RegExp(`errors: 0, replies: ${count}`));
    const expected = new Map(
      [...records(count, nowSeconds)].map((r) => [r.key, [r.value, r.expiresAt ? r.expiresAt * 1000 : -1]]),
    );
    expect([...expected.values()].filter(([, e]) => e !== -1).length).toBeGreaterThan(0);
    const [cli, writer] = [await contents(viaCli.port), await contents(viaWriter.port)];
    expect(cli).toEqual(expected);
    expect(writer).toEqual(expected);
  }, 30_000);
});

describe('inputs of the other benchmarks', () => {
  it('plans alarm deliveries in every shape, each state change delivered several times', () => {
    const plan = deliveryPlan(
      ['a-cache-unreachable', 'b-cache-unreachable'],
      24,
      4,
      Date.parse('2026-01-01T00:00:00Z'),
    );
    expect(plan).toHaveLength(24);
    const parsed = plan.map((e) => parseAlarmDelivery(e));
    const changes = parsed.flatMap((p) => p.map((t) => `${t.alarmName}@${t.stateChangeTime}`));
    expect(new Set(changes).size).toBe(6);
    expect(new Set(parsed.map((p) => p[0]?.source)).size).toBe(3);
    expect(parsed.every((p) => p.length === 1 && p[0]?.newState === 'ALARM')).toBe(true);
  });

  it('builds the functions with the esbuild options of serverless.yml', () => {
    const b = readServerlessBuild();
    expect(b.esbuild).toMatchObject({ bundle: true, platform: 'node' });
    expect(b.esbuild).not.toHaveProperty('exclude');
    expect(b.functions.onAlarm).toMatch(/functions\/handlers\/on-alarm\.ts$/);
    expect(Object.keys(b.functions).length).toBeGreaterThanOrEqual(13);
  });

  it('times each state visit from its entered and exited events', () => {
    const t = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000);
    const durations = stateDurations([
      { type: 'ExecutionStarted', timestamp: t(0), id: 1 },
      { type: 'TaskStateEntered', timestamp: t(1), id: 2, stateEnteredEventDetails: { name: 'Check Cache' } },
      { type: 'TaskStateExited', timestamp: t(1.5), id: 3, stateExitedEventDetails: { name: 'Check Cache' } },
      { type: 'TaskStateEntered', timestamp: t(3), id: 4, stateEnteredEventDetails: { name: 'Check Cache' } },
      { type: 'TaskStateExited', timestamp: t(3.25), id: 5, stateExitedEventDetails: { name: 'Check Cache' } },
    ]);
    expect(durations).toEqual([
      { state: 'Check Cache', seconds: 0.5 },
      { state: 'Check Cache', seconds: 0.25 },
    ]);
  });
});

describe('function bundles', () => {
  // esbuild's API keeps a service process for later builds: stop it, so no process outlives the suite.
  afterAll(() => stop());

  /** The source files that put code in the bundle of a function, built as serverless.yml builds it. */
  async function inputsOf(fn: string): Promise<string[]> {
    const b = readServerlessBuild();
    const result = await build({
      ...b.esbuild,
      entryPoints: [b.functions[fn] as string],
      outfile: path.join(os.tmpdir(), `bench-bundle-${fn}.js`),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    return Object.values(result.metafile.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([f]) => f),
    );
  }

  /** Packages (and zod's locales) in the bundle of a function. */
  async function packagesIn(fn: string): Promise<Set<string>> {
    const inputs = await inputsOf(fn);
    return new Set(
      inputs.flatMap((f) => {
        if (f.includes('zod/v4/locales/') && !f.endsWith('/en.js')) return ['zod-locales'];
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
        return m ? [m[1] as string] : [];
      }),
    );
  }

  it.each([
    [
      'onAlarm',
      ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn'],
      ['ioredis', '@aws-sdk/client-s3', '@aws-sdk/client-ssm', '@aws-sdk/client-sns', '@aws-sdk/client-elasticache'],
    ],
    [
      'probe',
      ['@aws-sdk/client-ssm'],
      ['ioredis', '@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-sfn'],
    ],
    [
      'closeIncident',
      // The post-incident report goes to S3 at close, and the operators are told with SNS.
      ['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-sns'],
      ['ioredis', '@aws-sdk/client-ssm', '@aws-sdk/client-elasticache', '@aws-sdk/client-sfn'],
    ],
    [
      'rehydrate',
      ['ioredis', '@aws-sdk/client-dynamodb', '@aws-sdk/client-ssm'],
      ['@aws-sdk/client-s3', '@aws-sdk/client-elasticache', '@aws-sdk/client-sns'],
    ],
  ])(
    '%s carries the clients it uses and none of the others',
    async (fn, present, absent) => {
      const packages = await packagesIn(fn);
      for (const p of present) expect({ fn, p, bundled: packages.has(p) }).toEqual({ fn, p, bundled: true });
      for (const p of [...absent, 'zod-locales'])
        expect({ fn, p, bundled: packages.has(p) }).toEqual({ fn, p, bundled: false });
    },
    30_000,
  );

  it.each([
    [
      'console',
      ['usecases/incident-view.ts', 'usecases/redrive-incident.ts', 'domain/workflow.ts'],
      ['usecases/escalate.ts', 'usecases/execution-status.ts'],
    ],
    ['escalate', ['usecases/escalate.ts'], ['usecases/execution-status.ts', 'domain/workflow.ts']],
    ['executionStatus', ['usecases/execution-status.ts', 'usecases/escalate.ts', 'domain/workflow.ts'], []],
  ])(
    '%s carries the use cases it runs and none of the others',
    async (fn, present, absent) => {
      const modules = new Set(
        (await inputsOf(fn)).filter((f) => f.startsWith('functions/')).map((f) => f.slice('functions/'.length)),
      );
      for (const m of present) expect({ fn, m, bundled: modules.has(m) }).toEqual({ fn, m, bundled: true });
      for (const m of absent) expect({ fn, m, bundled: modules.has(m) }).toEqual({ fn, m, bundled: false });
    },
    30_000,
  );
});
