/**
 * The functions as they deploy: each handler bundled by esbuild with the
 * options of serverless.yml's custom.esbuild block (read from the file, so the
 * local stack and the bench cannot drift from what serverless-esbuild builds).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import yaml from 'js-yaml';
import { buildInChild } from '../esbuild-child';

/** Options of serverless-esbuild itself, not passed on to esbuild. */
const PLUGIN_ONLY_OPTIONS = new Set([
  'config',
  'concurrency',
  'zipConcurrency',
  'exclude',
  'packager',
  'packagerOptions',
  'installExtraArgs',
  'watch',
  'keepOutputDirectory',
  'nativeZip',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'skipBuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'nodeExternals',
  'plugins',
]);

export interface ServerlessBuild {
  esbuild: BuildOptions;
  /** Function name → handler source file. */
  functions: Record<string, string>;
  /** provider.environment.NODE_OPTIONS, which Lambda applies at start. */
  nodeOptions: string | undefined;
}

export function readServerlessBuild(root: string): ServerlessBuild {
  const doc = yaml.load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
    custom?: { esbuild?: Record<string, unknown> };
    provider?: { environment?: Record<string, unknown> };
    functions?: Record<string, { handler?: string }>;
  };
  const esbuild = Object.fromEntries(
    Object.entries(doc.custom?.esbuild ?? {}).filter(([k]) => !PLUGIN_ONLY_OPTIONS.has(k)),
  ) as BuildOptions;
  const functions: Record<string, string> = {};
  for (const [name, fn] of Object.entries(doc.functions ?? {})) {
    if (!fn.handler) continue;
    const modulePath = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
    functions[name] = path.join(root, `${modulePath}.ts`);
  }
  const nodeOptions = doc.provider?.environment?.NODE_OPTIONS;
  return { esbuild, functions, nodeOptions: typeof nodeOptions === 'string' ? nodeOptions : undefined };
}

/**
 * Bundles the given handler modules into `outDir` (one `<name>.js` each) with
 * the deployment's options, targeting the Node that runs the local stack.
 * Returns the path of each bundle by name.
 */
export async function bundleFunctions(
  root: string,
  entries: { name: string; entry: string }[],
  outDir: string,
): Promise<Record<string, string>> {
  const { esbuild } = readServerlessBuild(root);
  await buildInChild({
    ...esbuild,
    entryPoints: Object.fromEntries(entries.map((e) => [e.name, e.entry])),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'silent',
  });
  return Object.fromEntries(entries.map((e) => [e.name, path.join(outDir, `${e.name}.js`)]));
}
