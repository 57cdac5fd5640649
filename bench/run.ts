/**
 * `npm run bench [-- --quick] [-- --json] [-- --only name,name]`
 *
 * Measures, in one run on this machine, each figure against its limit (see
 * README, Performance). Each figure is a median over several runs with its
 * spread. Misses are reported, never asserted: the exit status is non-zero
 * only when a benchmark could not run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchBackup } from './backup';
import { benchBundles } from './bundles';
import { benchIntake } from './intake';
import { benchMirror } from './mirror';
import { benchRehydrate } from './rehydrate';
import { benchRestore } from './restore';
import { benchStandby } from './standby';
import { formatSummary, summarize, type Summary } from './stats';
import { benchWorkflow } from './workflow';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface Metric {
  name: string;
  value: number | null;
  unit: string;
  target: { op: '<=' | '>='; value: number } | null;
  pass: boolean | null;
  spread?: { min: number; max: number; n: number };
  /** What exactly was measured. */
  definition: string;
  detail?: unknown;
  error?: string;
}

export const SIZES = {
  full: {
    rehydrateKeys: 1_000_000,
    restoreKeys: 1_000_000,
    backupKeys: 1_000_000,
    mirrorKeys: 1_000_000,
    drillKeys: 100_000,
    otherDrillKeys: 2_000,
    deliveries: 1000,
    runs: 5,
    drillRuns: 3,
    coldRuns: 7,
  },
  quick: {
    rehydrateKeys: 50_000,
    restoreKeys: 50_000,
    backupKeys: 50_000,
    mirrorKeys: 100_000,
    drillKeys: 5_000,
    otherDrillKeys: 1_000,
    deliveries: 200,
    runs: 3,
    drillRuns: 1,
    coldRuns: 3,
  },
} as const;

const BENCHES = ['rehydrate', 'restore', 'backup', 'mirror', 'workflow', 'standby', 'intake', 'bundles'] as const;
type Bench = (typeof BENCHES)[number];

function metric(
  name: string,
  s: Summary | number,
  unit: string,
  target: Metric['target'],
  definition: string,
  detail?: unknown,
): Metric {
  const value = typeof s === 'number' ? s : s.median;
  const pass = target ? (target.op === '<=' ? value <= target.value : value >= target.value) : null;
  return {
    name,
    value,
    unit,
    target,
    pass,
    ...(typeof s === 'number' ? {} : { spread: { min: s.min, max: s.max, n: s.n } }),
    definition,
    ...(detail === undefined ? {} : { detail }),
  };
}

function failed(name: string, unit: string, target: Metric['target'], error: unknown): Metric {
  return {
    name,
    value: null,
    unit,
    target,
    pass: null,
    definition: 'did not run',
    error: error instanceof Error ? error.message : String(error),
  };
}

/** Drops long sample arrays from nested summaries (kept when short enough to read). */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).flatMap(([k, v]) =>
        k === 'samples' && Array.isArray(v) && v.length > 20 ? [] : [[k, compact(v)]],
      ),
    );
  }
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}

export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

function table(metrics: Metric[]): string {
  const rows = metrics.map((m) => {
    const value =
      m.value === null
        ? `error: ${m.error ?? ''}`
        : m.spread && m.spread.n > 1
          ? formatSummary(
              { median: m.value, min: m.spread.min, max: m.spread.max, n: m.spread.n, samples: [] },
              digits(m),
            )
          : m.value.toFixed(digits(m));
    return [
      m.name,
      `${value}${m.value === null ? '' : ` ${m.unit}`}`,
      m.target ? `${m.target.op} ${m.target.value}` : '–',
      m.pass === null ? (m.value === null ? 'ERROR' : '–') : m.pass ? 'pass' : 'MISS',
    ];
  });
  const header = ['metric', 'value (median (min–max, runs))', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function digits(m: Metric): number {
  if (m.unit === 'ratio') return 2;
  if (m.unit === 'USD') return 5;
  if (m.unit === 's') return 2;
  if (m.value !== null && Number.isInteger(m.value)) return 0;
  return m.value !== null && Math.abs(m.value) < 10 ? 1 : 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: npm run bench -- [--quick] [--json] [--only ${BENCHES.join(',')}]\n`);
    return 0;
  }
  const only = values.only ? (values.only.split(',') as Bench[]) : [...BENCHES];
  const unknown = only.filter((b) => !BENCHES.includes(b));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.join(', ')}\n`);
    return 2;
  }
  const size = values.quick ? SIZES.quick : SIZES.full;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-'));
  const metrics: Metric[] = [];
  log(`bench (${values.quick ? 'quick' : 'full'}) on ${machine().cores} × ${machine().cpuModel}`);
  try {
    if (only.includes('rehydrate')) {
      log(`rehydrate: ${size.rehydrateKeys} keys, ${size.runs} runs`);
      try {
        const r = await benchRehydrate({ keys: size.rehydrateKeys, runs: size.runs, workDir, log });
        metrics.push(
          metric(
            'rehydrate_ratio',
            r.ratio,
            'ratio',
            { op: '>=', value: 0.8 },
            `keys/s of the cache writer (production options, in a child process, pages of records made before the clock starts) ÷ keys/s of redis-cli --pipe loading the same SET commands from a RESP file written beforehand; ${r.keys} drill records, each run into a fresh redis-server`,
            {
              keys: r.keys,
              respFileMb: r.respFileMb,
              writerKeysPerSecond: r.writerKeysPerSecond,
              cliKeysPerSecond: r.cliKeysPerSecond,
              streamingKeysPerSecond: r.streamingKeysPerSecond,
            },
          ),
          metric(
            'rehydrate_peak_rss_mb',
            r.peakRssMb,
            'MB',
            { op: '<=', value: 256 },
            `peak RSS (process.resourceUsage().maxRSS) of a child process writing the ${r.keys} keys with the cache writer, records streamed page by page from a generator`,
          ),
        );
      } catch (error) {
        metrics.push(failed('rehydrate_ratio', 'ratio', { op: '>=', value: 0.8 }, error));
        metrics.push(failed('rehydrate_peak_rss_mb', 'MB', { op: '<=', value: 256 }, error));
      }
    }
    if (only.includes('restore')) {
      log(`restore: ${size.restoreKeys} keys, ${size.runs} runs`);
      try {
        const r = await benchRestore({ keys: size.restoreKeys, runs: size.runs, workDir, log });
        metrics.push(
          metric(
            'restore_ratio',
            r.ratio,
            'ratio',
            { op: '<=', value: 1.3 },
            `seconds from CreateReplicationGroup (one node, SnapshotArns → an RDB of ${r.keys} keys in the local S3) to the group available and its primary answering PING on the local ElastiCache emulator ÷ seconds from spawning a bare redis-server on a copy of the same RDB to PING answered with loading:0`,
            {
              keys: r.keys,
              rdbMb: r.rdbMb,
              emulatorSeconds: r.emulatorSeconds,
              bareSeconds: r.bareSeconds,
              s3FetchSeconds: r.s3FetchSeconds,
            },
          ),
        );
      } catch (error) {
        metrics.push(failed('restore_ratio', 'ratio', { op: '<=', value: 1.3 }, error));
      }
    }
    if (only.includes('backup')) {
      log(`backup: ${size.backupKeys} keys, ${size.runs} runs`);
      const ratioTarget = (value: number) => ({ op: '>=' as const, value });
      try {
        const r = await benchBackup({ keys: size.backupKeys, runs: size.runs, workDir, log });
        const run = (method: string) =>
          `keys/s of the product's ${method} backup (runBackup with RedisBackupSource and S3BackupStore, production options, in a child process: connect, stream into a multipart upload to the local S3, read the object back and verify it, write its manifest; the verification is included) ÷ keys/s of \`redis-cli --rdb\` writing the same server's RDB file to a local file (spawn to exit); ${r.keys} keys (strings mostly, 1 in 20 a hash, 1 in 20 a set, some with a TTL) in one redis-server 7, repl-diskless-sync-delay 0 for both`;
        const detail = (m: typeof r.sync) => ({
          keys: r.keys,
          rdbMb: m.rdbMb,
          cliRdbMb: r.cliRdbMb,
          keysPerSecond: m.keysPerSecond,
          cliKeysPerSecond: r.cliKeysPerSecond,
          seconds: m.seconds,
          peakRssMb: m.peakRssMb,
        });
        metrics.push(
          metric('backup_sync_ratio', r.syncRatio, 'ratio', ratioTarget(0.8), run('sync'), detail(r.sync)),
          metric(
            'backup_scan_dump_ratio',
            r.scanDumpRatio,
            'ratio',
            ratioTarget(0.5),
            run('scan-dump'),
            detail(r.scanDump),
          ),
          metric(
            'backup_peak_rss_mb',
            r.peakRssMb,
            'MB',
            { op: '<=', value: 256 },
            `peak RSS (process.resourceUsage().maxRSS) of the child process making one backup of the ${r.keys} keys, the larger of sync and scan-dump in each run`,
            { syncPeakRssMb: r.sync.peakRssMb, scanDumpPeakRssMb: r.scanDump.peakRssMb },
          ),
        );
      } catch (error) {
        metrics.push(failed('backup_sync_ratio', 'ratio', ratioTarget(0.8), error));
        metrics.push(failed('backup_scan_dump_ratio', 'ratio', ratioTarget(0.5), error));
        metrics.push(failed('backup_peak_rss_mb', 'MB', { op: '<=', value: 256 }, error));
      }
    }
    if (only.includes('mirror')) {
      log(`mirror: ${size.mirrorKeys} keys, ${size.runs} runs`);
      try {
        const r = await benchMirror({ keys: size.mirrorKeys, runs: size.runs, workDir, log });
        log(
          `  mirror_ratio ${r.ratio.median.toFixed(2)}: mirror ${Math.round(r.mirrorKeysPerSecond.median)} keys/s, redis-cli --pipe ${Math.round(r.cliKeysPerSecond.median)} keys/s`,
        );
        metrics.push(
          metric(
            'mirror_ratio',
            r.ratio,
            'ratio',
            { op: '>=', value: 0.5 },
            `keys/s of one full mirror cycle (RedisMirror, production options, in a child process: SCAN + DUMP + PEXPIRETIME on the source, RESTORE … REPLACE ABSTTL into an empty redis-server, the deletion pass alongside) ÷ keys/s of \`redis-cli --pipe\` loading the same ${r.keys} keys (the backup benchmark's data) into a fresh redis-server, measured side by side in each run`,
            {
              keys: r.keys,
              mirrorKeysPerSecond: r.mirrorKeysPerSecond,
              cliKeysPerSecond: r.cliKeysPerSecond,
              peakRssMb: r.peakRssMb,
            },
          ),
        );
      } catch (error) {
        metrics.push(failed('mirror_ratio', 'ratio', { op: '>=', value: 0.5 }, error));
      }
    }
    if (only.includes('workflow')) {
      log(
        `workflow: restore drill at ${size.drillKeys} keys × ${size.drillRuns}, promote and recovers at ${size.otherDrillKeys} keys`,
      );
      try {
        const r = await benchWorkflow({
          keys: size.drillKeys,
          runs: size.drillRuns,
          otherScenarioKeys: size.otherDrillKeys,
          log,
        });
        metrics.push(
          metric(
            'workflow_overhead_s',
            r.overheadS,
            's',
            { op: '<=', value: 2 },
            `restore drill at ${size.drillKeys} keys: execution wall time (ExecutionStarted → ExecutionSucceeded in the execution history) − provisioning (RECOVERY_STARTED → CACHE_AVAILABLE in the incident timeline) − rehydrating (the Rehydrate state, entered → exited in the history)`,
            {
              runs: r.restoreRuns.map((x) => x.overhead),
              coldStartsS: summarize(r.restoreRuns.map((x) => x.overhead?.coldStartsS ?? 0)),
            },
          ),
        );
        for (const [scenario, t] of Object.entries(r.transitions)) {
          metrics.push(
            metric(
              `transitions_per_incident.${scenario}`,
              t.transitions,
              'transitions',
              scenario === 'restore' ? { op: '<=', value: 100 } : null,
              `state transitions (StateEntered events, poll loops included) in the execution history of one ${scenario} drill${t.ok ? '' : ' (the drill did not end as expected)'}`,
            ),
            metric(
              `cost_per_incident_usd.${scenario}`,
              t.usdPerIncident,
              'USD',
              null,
              'transitions × $0.025 per 1,000 (Standard workflow pricing, free tier not counted)',
            ),
          );
        }
      } catch (error) {
        metrics.push(failed('workflow_overhead_s', 's', { op: '<=', value: 2 }, error));
      }
    }
    if (only.includes('standby')) {
      log(`standby: the standby drill at ${size.drillKeys} keys × ${size.drillRuns}`);
      try {
        const r = await benchStandby({ keys: size.drillKeys, runs: size.drillRuns, log });
        metrics.push(
          metric(
            'standby_outage_s',
            r.takeoverS,
            's',
            { op: '<=', value: 2 },
            `standby drill at ${size.drillKeys} keys: the outage the sample application saw (its first failed request → its first good one) − the detection time (the provider killed → the outage confirmed by the workflow: the alarm's periods plus Confirm Outage's window, both scaled as the drill runs them)`,
            { runs: r.runs },
          ),
        );
      } catch (error) {
        metrics.push(failed('standby_outage_s', 's', { op: '<=', value: 2 }, error));
      }
    }
    if (only.includes('intake')) {
      log(`intake: ${size.deliveries} alarm deliveries`);
      try {
        const r = await benchIntake({ deliveries: size.deliveries, log });
        metrics.push(
          metric(
            'intake_p99_ms',
            r.p99Ms,
            'ms',
            null,
            `p99 (nearest rank) of ${r.deliveries} sequential invocations of on-alarm through the local Lambda runtime (warm; the first, cold invocation is reported apart), EventBridge / SNS / Lambda-action deliveries, each state change delivered 4 times`,
            { p50Ms: r.p50Ms, coldMs: r.coldMs, maxMs: r.latencyMs.max, outcomes: r.outcomes },
          ),
        );
      } catch (error) {
        metrics.push(failed('intake_p99_ms', 'ms', null, error));
      }
    }
    if (only.includes('bundles')) {
      log(`bundles: every function of serverless.yml, ${size.coldRuns} cold loads each`);
      try {
        const b = await benchBundles({ runs: size.coldRuns, outDir: workDir, log });
        const largest = b.reduce((a, x) => (x.zipKb > a.zipKb ? x : a));
        const slowest = b.reduce((a, x) => (x.coldInitMs.median > a.coldInitMs.median ? x : a));
        const perFunction = Object.fromEntries(
          b.map((x) => [x.fn, { zipKb: x.zipKb, jsKb: x.jsKb, coldInitMs: x.coldInitMs.median }]),
        );
        metrics.push(
          metric(
            'bundle_kb_max',
            largest.zipKb,
            'KB',
            { op: '<=', value: 512 },
            `largest function package (${largest.fn}): its esbuild output, built with serverless.yml's custom.esbuild options, deflated as in the deployment zip; uncompressed .js ${Math.round(largest.jsKb)} KB`,
            { perFunction },
          ),
          metric(
            'cold_init_ms_max',
            slowest.coldInitMs,
            'ms',
            { op: '<=', value: 100 },
            `slowest function (${slowest.fn}): wall time of a fresh \`node -e "require(bundle)"\` minus the median of an empty \`node -e ""\`, NODE_OPTIONS from serverless.yml's provider.environment`,
          ),
        );
      } catch (error) {
        metrics.push(failed('bundle_kb_max', 'KB', { op: '<=', value: 512 }, error));
        metrics.push(failed('cold_init_ms_max', 'ms', { op: '<=', value: 100 }, error));
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const report = {
    quick: values.quick ?? false,
    machine: machine(),
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    metrics,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(compact(report))}\n`);
  else {
    const m = report.machine;
    process.stdout.write(
      `\nMachine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}\n`,
    );
    process.stdout.write(
      `${values.quick ? 'Quick' : 'Full'} run in ${report.durationS.toFixed(0)} s\n\n${table(metrics)}\n`,
    );
  }
  return metrics.some((m) => m.error !== undefined) ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
