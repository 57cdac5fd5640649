/**
 * restore_ratio: CreateReplicationGroup seeded from an RDB in the local S3 →
 * group available and its primary answering PING, on the local ElastiCache
 * emulator, against a bare redis-server loading the same RDB file.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { ELASTICACHE_CANONICAL_IDS } from '../functions/domain/backup-access';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startElastiCache } from '../local/elasticache';
import { redisCommand } from '../local/elasticache/resp';
import { s3ClientConfig, startS3 } from '../local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/service';
import { records, writeRespFile } from './dataset';
import { bareLoad, dbsize, freshRedis, pipeFile, saveRdb } from './redis';
import { ratioOf, summarize, type Summary } from './stats';

export interface RestoreResult {
  keys: number;
  rdbMb: number;
  emulatorSeconds: Summary;
  bareSeconds: Summary;
  /** Downloading the RDB from the local S3 alone, as the emulator does before it starts a node. */
  s3FetchSeconds: Summary;
  ratio: Summary;
}

const BUCKET = 'bench-backups';
const POLL_MS = 10;

/** An RDB file of `keys` drill records (made by loading them into a server and SAVE). */
export async function rdbOf(keys: number, workDir: string): Promise<string> {
  const rdb = path.join(workDir, `dataset-${keys}.rdb`);
  if (existsSync(rdb)) return rdb;
  const resp = path.join(workDir, `dataset-${keys}.resp`);
  if (!existsSync(resp)) await writeRespFile(resp, records(keys, Math.floor(Date.now() / 1000)));
  const server = await freshRedis();
  try {
    await pipeFile(server.port, resp);
    if ((await dbsize(server.port)) !== keys) throw new Error('the RDB source server does not hold every key');
    await fs.copyFile(await saveRdb(server), rdb);
  } finally {
    await server.stop();
  }
  return rdb;
}

async function untilAvailable(client: ElastiCacheClient, id: string): Promise<number> {
  for (;;) {
    const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    const group = out.ReplicationGroups?.[0];
    if (group?.Status === 'create-failed') throw new Error(`replication group ${id} failed to create`);
    const port = group?.NodeGroups?.[0]?.PrimaryEndpoint?.Port;
    if (group?.Status === 'available' && port) return port;
    await sleep(POLL_MS);
  }
}

async function untilDeleted(client: ElastiCacheClient, id: string): Promise<void> {
  for (;;) {
    try {
      await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    } catch {
      return;
    }
    await sleep(50);
  }
}

export async function benchRestore(opts: {
  keys: number;
  runs: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<RestoreResult> {
  const { keys, runs, workDir, log } = opts;
  const rdb = await rdbOf(keys, workDir);
  const rdbBytes = (await fs.stat(rdb)).size;
  const s3 = await startS3();
  const elasticache = await startElastiCache({
    s3: { ...s3ClientConfig(s3.endpoint), credentials: { ...LOCAL_CREDENTIALS } },
    transitEncryption: 'plaintext',
  });
  const s3Client = new S3Client(s3ClientConfig(s3.endpoint));
  const client = new ElastiCacheClient({
    endpoint: elasticache.endpoint,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
  });
  const emulator: number[] = [];
  const bare: number[] = [];
  const fetch: number[] = [];
  try {
    // As a backup seeded into ElastiCache by hand: ACLs enabled on the bucket and a read grant to
    // ElastiCache's canonical user on the object ("Tutorial: Seeding a new node-based cluster with
    // an externally created backup", step 4).
    await s3Client.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectOwnership: 'BucketOwnerPreferred' }));
    const key = `bench/${keys}.rdb`;
    await s3Client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: await fs.readFile(rdb),
        GrantRead: `id=${ELASTICACHE_CANONICAL_IDS.default}`,
      }),
    );
    for (let run = 0; run < runs; run += 1) {
      bare.push((await bareLoad(rdb)) / 1000);
      const fetchStarted = performance.now();
      const object = await s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const bytes = (await object.Body?.transformToByteArray())?.length;
      fetch.push((performance.now() - fetchStarted) / 1000);
      if (bytes !== rdbBytes) throw new Error(`the local S3 returned ${String(bytes)} bytes of ${rdbBytes}`);
      const id = `bench-restore-${run}`;
      const started = performance.now();
      await client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: id,
          ReplicationGroupDescription: 'restore benchmark',
          NumCacheClusters: 1,
          CacheNodeType: 'cache.r7g.large',
          Engine: 'redis',
          SnapshotArns: [`arn:aws:s3:::${BUCKET}/${key}`],
        }),
      );
      const port = await untilAvailable(client, id);
      const pong = await redisCommand(port, ['PING'], { timeoutMs: 5000 });
      emulator.push((performance.now() - started) / 1000);
      if (pong !== 'PONG') throw new Error(`the restored group answered ${String(pong)} to PING`);
      const loaded = await dbsize(port);
      if (loaded !== keys) throw new Error(`the restored group holds ${loaded} keys, expected ${keys}`);
      await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
      await untilDeleted(client, id);
      log(
        `  restore run ${run + 1}/${runs}: emulator ${emulator.at(-1)?.toFixed(2)} s, bare redis-server ${bare.at(-1)?.toFixed(2)} s (S3 download alone ${fetch.at(-1)?.toFixed(2)} s)`,
      );
    }
  } finally {
    client.destroy();
    s3Client.destroy();
    await elasticache.stop();
    await s3.stop();
  }
  const emulatorSeconds = summarize(emulator);
  const bareSeconds = summarize(bare);
  return {
    keys,
    rdbMb: rdbBytes / 1e6,
    emulatorSeconds,
    bareSeconds,
    s3FetchSeconds: summarize(fetch),
    ratio: ratioOf(emulatorSeconds, bareSeconds),
  };
}
