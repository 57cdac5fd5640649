/** Bundles a bench script into plain JavaScript so child processes run without a TypeScript loader. */
import path from 'node:path';
import { build } from 'esbuild';

export async function bundleScript(entry: string, outDir: string): Promise<string> {
  const outfile = path.join(outDir, `${path.basename(entry, '.ts')}.js`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'error',
  });
  return outfile;
}
