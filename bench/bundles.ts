/**
 * bundle_kb_max and cold_init_ms_max: every function of serverless.yml built
 * with the options of its custom.esbuild block (read from the file, so they
 * cannot drift), its size as deployed, and the time a fresh Node process
 * takes to load it, minus the time of an empty Node process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { readServerlessBuild as readBuild, type ServerlessBuild } from '../local/stack/bundles';
import { median, summarize, type Summary } from './stats';

const ROOT = path.join(__dirname, '..');

export function readServerlessBuild(file = path.join(ROOT, 'serverless.yml')): ServerlessBuild {
  return readBuild(path.dirname(file));
}

export interface BundleMeasure {
  fn: string;
  /** The bundle as deployed: the .js file (and any file esbuild wrote next to it, e.g. a map) deflated at the
   *  fastest level, which matches the size of the zips `serverless package` writes (an upper bound otherwise). */
  zipKb: number;
  /** The uncompressed .js Node parses at start. */
  jsKb: number;
  coldInitMs: Summary;
}

/** Wall time of `node [nodeOptions] -e <code>`, in ms. */
function nodeWallMs(code: string, nodeOptions: string | undefined): number {
  const env = { ...process.env, NODE_OPTIONS: nodeOptions ?? '' };
  const started = performance.now();
  const r = spawnSync(process.execPath, ['-e', code], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node -e failed: ${r.stderr.toString()}`);
  return ms;
}

export async function benchBundles(opts: {
  runs: number;
  outDir: string;
  log: (line: string) => void;
}): Promise<BundleMeasure[]> {
  const config = readServerlessBuild();
  const out: BundleMeasure[] = [];
  for (const [fn, entry] of Object.entries(config.functions)) {
    const outfile = path.join(opts.outDir, 'bundles', fn, 'index.js');
    const result = await build({
      ...config.esbuild,
      entryPoints: [entry],
      outfile,
      write: true,
      metafile: true,
      logLevel: 'error',
      absWorkingDir: ROOT,
    });
    const written = Object.keys(result.metafile.outputs).map((f) => path.resolve(ROOT, f));
    const zipBytes = written.reduce((n, f) => n + deflateRawSync(readFileSync(f), { level: 1 }).length + 100, 22);
    const load = `require(${JSON.stringify(outfile)})`;
    const loaded: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < opts.runs; i += 1) {
      empty.push(nodeWallMs('', config.nodeOptions));
      loaded.push(nodeWallMs(load, config.nodeOptions));
    }
    const baseline = median(empty);
    const coldInitMs = summarize(loaded.map((t) => t - baseline));
    out.push({ fn, zipKb: zipBytes / 1024, jsKb: statSync(outfile).size / 1024, coldInitMs });
  }
  opts.log(
    `  bundles: ${out.map((b) => `${b.fn} ${Math.round(b.zipKb)} KB zip / ${Math.round(b.jsKb)} KB js / ${Math.round(b.coldInitMs.median)} ms`).join(', ')}`,
  );
  return out;
}
