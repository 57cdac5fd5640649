/**
 * mirror_ratio: one full mirror cycle (RedisMirror, production options, in a
 * child process: SCAN + DUMP + PEXPIRETIME on the source, RESTORE … REPLACE
 * ABSTTL into an empty target, the deletion pass alongside) against `redis-cli
 * --pipe` loading the same data into a fresh redis-server of the same kind,
 * side by side in each run.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MirrorPass } from '../functions/ports';
import { bundleScript } from './build';
import { backupDatasetCommands, writeCommands } from './dataset';
import { dbsize, freshRedis, pipeFile } from './redis';
import { ratioOf, summarize, type Summary } from './stats';

export interface MirrorBenchResult {
  keys: number;
  mirrorKeysPerSecond: Summary;
  cliKeysPerSecond: Summary;
  ratio: Summary;
  peakRssMb: Summary;
}

interface ChildResult {
  ms: number;
  pass: MirrorPass;
  maxRssMb: number;
}

export async function benchMirror(opts: {
  keys: number;
  runs: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<MirrorBenchResult> {
  const { keys, runs, workDir, log } = opts;
  const respFile = path.join(workDir, `mirror-dataset-${keys}.resp`);
  const loaded = await writeCommands(respFile, backupDatasetCommands(keys, Math.floor(Date.now() / 1000)));
  const script = await bundleScript(path.join(__dirname, 'mirror-child.ts'), workDir);
  const source = await freshRedis();
  const cli: number[] = [];
  const mirror: ChildResult[] = [];
  try {
    const seeded = await pipeFile(source.port, respFile);
    if (seeded.errors > 0 || seeded.replies !== loaded.commands || (await dbsize(source.port)) !== keys)
      throw new Error(`loading the source: ${seeded.replies} replies, ${seeded.errors} errors`);
    for (let run = 0; run < runs; run += 1) {
      const reference = await freshRedis();
      try {
        const piped = await pipeFile(reference.port, respFile);
        if (piped.errors > 0) throw new Error(`redis-cli --pipe: ${piped.errors} errors`);
        cli.push(keys / (piped.ms / 1000));
      } finally {
        await reference.stop();
      }
      const target = await freshRedis();
      try {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [script, String(source.port), String(target.port)],
          { maxBuffer: 1 << 20 },
        );
        const result = JSON.parse(stdout.trim()) as ChildResult;
        if (result.pass.copied !== keys || (await dbsize(target.port)) !== keys)
          throw new Error(`the mirror copied ${result.pass.copied} keys of ${keys}`);
        mirror.push(result);
        log(
          `  mirror run ${run + 1}/${runs}: redis-cli --pipe ${(keys / (cli.at(-1) as number)).toFixed(2)} s; mirror ${(result.ms / 1000).toFixed(2)} s, peak RSS ${Math.round(result.maxRssMb)} MB`,
        );
      } finally {
        await target.stop();
      }
    }
  } finally {
    await source.stop();
  }
  const mirrorKeysPerSecond = summarize(mirror.map((r) => keys / (r.ms / 1000)));
  const cliKeysPerSecond = summarize(cli);
  return {
    keys,
    mirrorKeysPerSecond,
    cliKeysPerSecond,
    ratio: ratioOf(mirrorKeysPerSecond, cliKeysPerSecond),
    peakRssMb: summarize(mirror.map((r) => r.maxRssMb)),
  };
}
