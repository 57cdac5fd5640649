/**
 * backup_sync_ratio, backup_scan_dump_ratio and backup_peak_rss_mb: the
 * product's scheduled backup (both methods, into the local S3, read back and
 * verified) against `redis-cli --rdb` writing the same server's RDB file to a
 * local file.
 */
import { spawn, execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { manifestKeyOf } from '../functions/domain/backup/manifest';
import type { BackupRun } from '../functions/ports';
import { RespError, redisCommand } from '../local/elasticache/resp';
import { s3ClientConfig, startS3 } from '../local/s3';
import { bundleScript } from './build';
import { backupDatasetCommands, writeCommands } from './dataset';
import { REDIS_CLI_BINARY, dbsize, freshRedis, pipeFile } from './redis';
import { ratioOf, summarize, type Summary } from './stats';

export type ProductMethod = 'sync' | 'scan-dump';

export interface MethodResult {
  keysPerSecond: Summary;
  rdbMb: number;
  peakRssMb: Summary;
  /** Wall time of the whole run (connect, stream, upload, read back, verify, manifest). */
  seconds: Summary;
}

export interface BackupBenchResult {
  keys: number;
  cliRdbMb: number;
  cliKeysPerSecond: Summary;
  sync: MethodResult;
  scanDump: MethodResult;
  syncRatio: Summary;
  scanDumpRatio: Summary;
  /** The larger of the two methods' peak RSS, run by run. */
  peakRssMb: Summary;
}

interface ChildResult {
  ms: number;
  run: BackupRun;
  maxRssMb: number;
}

const BUCKET = 'bench-backups';

/** `redis-cli --rdb <file>`: milliseconds from spawn to exit, and the file's size. */
async function cliRdb(port: number, file: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const child = spawn(REDIS_CLI_BINARY, ['-h', '127.0.0.1', '-p', String(port), '--rdb', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`redis-cli --rdb failed (exit ${String(code)}): ${err.trim()}`);
  const { size } = await fs.stat(file);
  await fs.rm(file, { force: true });
  return { ms, bytes: size };
}

async function productBackup(
  script: string,
  s3: { endpoint: string; client: S3Client },
  port: number,
  method: ProductMethod,
  keys: number,
): Promise<ChildResult> {
  const args = ['--expose-gc', script, s3.endpoint, BUCKET, String(port), method];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim()) as ChildResult;
  const backup = result.run.backup;
  if (result.run.outcome !== 'ok' || !backup)
    throw new Error(`${method} backup failed: ${JSON.stringify(result.run.attempts)}`);
  if (backup.keys !== keys) throw new Error(`${method} backup holds ${backup.keys} keys, the cache ${keys}`);
  for (const key of [backup.key, manifestKeyOf(backup.key)])
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  return result;
}

export async function benchBackup(opts: {
  keys: number;
  runs: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<BackupBenchResult> {
  const { keys, runs, workDir, log } = opts;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const respFile = path.join(workDir, `backup-dataset-${keys}.resp`);
  const loaded = await writeCommands(respFile, backupDatasetCommands(keys, nowSeconds));
  const script = await bundleScript(path.join(__dirname, 'backup-child.ts'), workDir);
  const server = await freshRedis();
  const s3 = await startS3();
  const client = new S3Client(s3ClientConfig(s3.endpoint));
  const cli: number[] = [];
  const sync: ChildResult[] = [];
  const scanDump: ChildResult[] = [];
  let cliBytes = 0;
  try {
    const piped = await pipeFile(server.port, respFile);
    if (piped.errors > 0 || piped.replies !== loaded.commands)
      throw new Error(`loading the cache: ${piped.replies} replies, ${piped.errors} errors`);
    if ((await dbsize(server.port)) !== keys) throw new Error('the cache does not hold every key');
    // Redis 7 waits 5 s for more replicas before a diskless transfer; neither reader is one.
    const set = await redisCommand(server.port, ['CONFIG', 'SET', 'repl-diskless-sync-delay', '0']);
    if (set instanceof RespError) throw new Error(`CONFIG SET: ${set.message}`);
    // As a backup bucket seeded into ElastiCache: ACLs enabled, so the read grant is made.
    await client.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectOwnership: 'BucketOwnerPreferred' }));
    for (let run = 0; run < runs; run += 1) {
      const c = await cliRdb(server.port, path.join(workDir, 'cli.rdb'));
      cli.push(keys / (c.ms / 1000));
      cliBytes = c.bytes;
      sync.push(await productBackup(script, { endpoint: s3.endpoint, client }, server.port, 'sync', keys));
      scanDump.push(await productBackup(script, { endpoint: s3.endpoint, client }, server.port, 'scan-dump', keys));
      const s = sync.at(-1) as ChildResult;
      const d = scanDump.at(-1) as ChildResult;
      log(
        `  backup run ${run + 1}/${runs}: redis-cli --rdb ${(c.ms / 1000).toFixed(2)} s; sync ${(s.ms / 1000).toFixed(2)} s, peak RSS ${Math.round(s.maxRssMb)} MB; scan-dump ${(d.ms / 1000).toFixed(2)} s, peak RSS ${Math.round(d.maxRssMb)} MB`,
      );
    }
  } finally {
    client.destroy();
    await s3.stop();
    await server.stop();
  }
  const cliKeysPerSecond = summarize(cli);
  const method = (results: ChildResult[]): MethodResult => ({
    keysPerSecond: summarize(results.map((r) => keys / (r.ms / 1000))),
    rdbMb: (results[0]?.run.backup?.bytes ?? 0) / 1e6,
    peakRssMb: summarize(results.map((r) => r.maxRssMb)),
    seconds: summarize(results.map((r) => r.ms / 1000)),
  });
  const syncResult = method(sync);
  const scanDumpResult = method(scanDump);
  return {
    keys,
    cliRdbMb: cliBytes / 1e6,
    cliKeysPerSecond,
    sync: syncResult,
    scanDump: scanDumpResult,
    syncRatio: ratioOf(syncResult.keysPerSecond, cliKeysPerSecond),
    scanDumpRatio: ratioOf(scanDumpResult.keysPerSecond, cliKeysPerSecond),
    peakRssMb: summarize(sync.map((s, i) => Math.max(s.maxRssMb, scanDump[i]?.maxRssMb ?? 0))),
  };
}
