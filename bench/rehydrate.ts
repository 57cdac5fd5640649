/**
 * rehydrate_ratio and rehydrate_peak_rss_mb: the cache writer against
 * `redis-cli --pipe` loading the same SET commands, each into a fresh server.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleScript } from './build';
import { records, writeRespFile } from './dataset';
import { dbsize, freshRedis, pipeFile } from './redis';
import { ratioOf, summarize, type Summary } from './stats';

export interface RehydrateResult {
  keys: number;
  respFileMb: number;
  writerKeysPerSecond: Summary;
  /** The writer fed from a generator (record making included): the memory run. */
  streamingKeysPerSecond: Summary;
  cliKeysPerSecond: Summary;
  ratio: Summary;
  peakRssMb: Summary;
}

interface ChildResult {
  ms: number;
  written: number;
  maxRssMb: number;
}

async function runWriter(
  script: string,
  keys: number,
  nowSeconds: number,
  mode: 'stream' | 'prepared',
): Promise<ChildResult> {
  const server = await freshRedis();
  try {
    const args = ['--expose-gc', script, String(server.port), String(keys), String(nowSeconds), mode];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim()) as ChildResult;
    const loaded = await dbsize(server.port);
    if (result.written !== keys || loaded !== keys)
      throw new Error(`cache writer (${mode}): ${result.written} written, ${loaded} keys (expected ${keys})`);
    return result;
  } finally {
    await server.stop();
  }
}

export async function benchRehydrate(opts: {
  keys: number;
  runs: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<RehydrateResult> {
  const { keys, runs, workDir, log } = opts;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const respFile = path.join(workDir, `dataset-${keys}.resp`);
  const file = await writeRespFile(respFile, records(keys, nowSeconds));
  const child = await bundleScript(path.join(__dirname, 'rehydrate-child.ts'), workDir);
  const writer: number[] = [];
  const streaming: number[] = [];
  const cli: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const a = await freshRedis();
    try {
      const r = await pipeFile(a.port, respFile);
      const loaded = await dbsize(a.port);
      if (r.errors > 0 || r.replies !== keys || loaded !== keys)
        throw new Error(
          `redis-cli --pipe: ${r.replies} replies, ${r.errors} errors, ${loaded} keys (expected ${keys})`,
        );
      cli.push(keys / (r.ms / 1000));
    } finally {
      await a.stop();
    }
    const prepared = await runWriter(child, keys, nowSeconds, 'prepared');
    writer.push(keys / (prepared.ms / 1000));
    const streamed = await runWriter(child, keys, nowSeconds, 'stream');
    streaming.push(keys / (streamed.ms / 1000));
    rss.push(streamed.maxRssMb);
    log(
      `  rehydrate run ${run + 1}/${runs}: writer ${Math.round(writer.at(-1) ?? 0)} keys/s, redis-cli ${Math.round(cli.at(-1) ?? 0)} keys/s; streamed from a generator ${Math.round(streaming.at(-1) ?? 0)} keys/s, peak RSS ${Math.round(rss.at(-1) ?? 0)} MB`,
    );
  }
  const writerKeysPerSecond = summarize(writer);
  const cliKeysPerSecond = summarize(cli);
  return {
    keys,
    respFileMb: file.bytes / 1e6,
    writerKeysPerSecond,
    streamingKeysPerSecond: summarize(streaming),
    cliKeysPerSecond,
    ratio: ratioOf(writerKeysPerSecond, cliKeysPerSecond),
    peakRssMb: summarize(rss),
  };
}
