/**
 * The drill's backups are the product's: the stack's scheduled `backup`
 * function makes them. Here: which method each scenario configures, waiting
 * for a run, asking for one more, and the faults the backup scenarios need
 * (a provider that refuses replication, a stream that arrives corrupt).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import { DynamoDbBackupRecords } from '../../functions/adapters/dynamodb/backups';
import type { ProtectedCache } from '../../functions/domain/caches';
import type { TimelineEvent } from '../../functions/domain/incident';
import type { BackupRun, TestRestore } from '../../functions/ports';
import type { LocalStack } from '../stack';
import type { Scenario } from './scenarios';

export function backupMethodOf(scenario: Scenario): NonNullable<ProtectedCache['backup']>['method'] {
  if (scenario === 'no-backup') return 'none';
  // Only SYNC: a corrupt file is not replaced by a SCAN + DUMP backup of the same run.
  if (scenario === 'corrupt-backup') return 'sync';
  return 'auto';
}

/** Extra redis-server flags of the provider: in sync-refused it refuses replication, as most managed providers do. */
export function providerFlags(scenario: Scenario): string[] {
  return scenario === 'sync-refused' ? ['--rename-command', 'SYNC', '', '--rename-command', 'PSYNC', ''] : [];
}

function records(stack: LocalStack): DynamoDbBackupRecords {
  return new DynamoDbBackupRecords({
    tableName: stack.description.tables.incidents,
    client: documentClient(stack.clients.dynamodb),
  });
}

/** The first backup run of the cache that finished after `after` (epoch ms). */
export async function awaitBackupRun(
  stack: LocalStack,
  cacheId: string,
  after: number,
  timeoutMs = 120_000,
): Promise<BackupRun> {
  const store = records(stack);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await store.backupStatus(cacheId))?.lastRun;
    if (run && Date.parse(run.finishedAt) >= after) return run;
    if (Date.now() > deadline) throw new Error(`no backup run of ${cacheId} finished within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The first test restore of the cache recorded after `after` (epoch ms). */
export async function awaitTestRestore(
  stack: LocalStack,
  cacheId: string,
  after: number,
  timeoutMs = 180_000,
): Promise<TestRestore> {
  const store = records(stack);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = (await store.backupStatus(cacheId))?.lastTestRestore;
    if (result && Date.parse(result.at) >= after) return result;
    if (Date.now() > deadline) throw new Error(`no test restore of ${cacheId} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the backup function now, as its schedule would, and returns the run it recorded. */
export async function backUpNow(stack: LocalStack, cacheId: string): Promise<BackupRun> {
  const before = Date.now();
  await stack.lambda.invoke('backup', { cacheId });
  return awaitBackupRun(stack, cacheId, before);
}

export function describeRun(run: BackupRun): string {
  const tried = run.attempts.map((a) => `${a.method} ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`).join(', ');
  return run.backup
    ? `backup s3://${run.backup.bucket}/${run.backup.key}: ${run.backup.method}, ${run.backup.keys} keys, ${(run.backup.bytes / 1024 / 1024).toFixed(1)} MB, watermark ${run.backup.watermark} [${tried}]`
    : `backup failed [${tried}]`;
}

/**
 * A TCP proxy in front of the provider. Once `corruptNextSync()` is called,
 * the next connection that asks for SYNC gets one byte of its answer flipped
 * far into the RDB payload, as a faulty network path or provider would: the
 * file still arrives whole, and only its checksum tells.
 */
export class CorruptingProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private armed = false;
  port = 0;

  constructor(
    private readonly upstream: { host: string; port: number },
    private readonly flipAt = 20_000,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.pipe(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  corruptNextSync(): void {
    this.armed = true;
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.upstream.port, this.upstream.host);
    this.sockets.add(client).add(upstream);
    let corrupting = false;
    let seen = 0;
    client.on('data', (data: Buffer) => {
      if (this.armed && /\bSYNC\r\n/i.test(data.toString('latin1'))) {
        this.armed = false;
        corrupting = true;
      }
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (corrupting && seen <= this.flipAt && seen + data.length > this.flipAt) {
        const copy = Buffer.from(data);
        const at = this.flipAt - seen;
        copy.writeUInt8(copy.readUInt8(at) ^ 0x5a, at);
        data = copy;
        corrupting = false;
      }
      seen += data.length;
      client.write(data);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What the drill did with backups before the outage, for its report. */
export interface DrillBackups {
  runs: {
    outcome: BackupRun['outcome'];
    method?: string;
    key?: string;
    keys?: number;
    bytes?: number;
    watermark?: string;
    attempts: BackupRun['attempts'];
  }[];
  /** When the freshness alarm reached the operators' topic (ms since the drill began), and its subject. */
  freshnessAlarm?: { atMs: number; subject: string };
  /** The scheduled test restore of the first backup, where the cache has them on. */
  testRestore?: TestRestore;
}

export interface BackupStageOptions {
  scenario: Scenario;
  cacheId: string;
  /** When the stack's schedule started: its first run finishes after it. */
  scheduleStartedAt: number;
  proxy?: CorruptingProxy;
  /** The cache has scheduled test restores: wait for the first one's verdict. */
  testRestore?: boolean;
  /** Runs a command on the provider (the stale-backup scenario revokes the commands backups need). */
  provider?: (command: string[]) => Promise<unknown>;
  /** Resolves when the operators' topic received a message whose subject matches. */
  operatorsMessage: (subject: RegExp, timeoutMs: number) => Promise<{ atMs: number; subject: string }>;
  log: (line: string) => void;
}

/** Waits for the scheduled backup, then plays the scenario's backup trouble before the outage. */
export async function backupStage(stack: LocalStack, options: BackupStageOptions): Promise<DrillBackups> {
  const { scenario, cacheId, log } = options;
  const report: DrillBackups = { runs: [] };
  if (backupMethodOf(scenario) === 'none') return report;
  const note = (run: BackupRun) => {
    report.runs.push({
      outcome: run.outcome,
      attempts: run.attempts,
      ...(run.backup
        ? {
            method: run.backup.method,
            key: run.backup.key,
            keys: run.backup.keys,
            bytes: run.backup.bytes,
            watermark: run.backup.watermark,
          }
        : {}),
    });
    log(`💾 ${describeRun(run)}`);
    return run;
  };
  const first = note(await awaitBackupRun(stack, cacheId, options.scheduleStartedAt));
  if (first.outcome !== 'ok') throw new Error(`the scheduled backup failed: ${describeRun(first)}`);
  if (options.testRestore) {
    // The schedule starts a test restore once the first backup is made: the drill waits for its verdict.
    report.testRestore = await awaitTestRestore(stack, cacheId, options.scheduleStartedAt);
    const t = report.testRestore;
    log(
      `🧪 test restore of ${t.backup.key}: ${t.ok ? 'ok' : `FAILED (${t.reason ?? ''})`}, ${t.keysLoaded}/${t.keysExpected} keys, ${t.sampled} sampled, ${t.mismatched} differ, ${(t.durationMs / 1000).toFixed(1)} s`,
    );
  }

  if (scenario === 'step-fails' && first.backup) {
    // A newer RDB file dropped into the prefix by hand (not one this deployment made): its header is
    // valid, its body is not. Assess can only check the header, so the restore itself fails.
    const { bucket, key } = first.backup;
    const head = await stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-8' }));
    const header = Buffer.from((await head.Body?.transformToByteArray()) ?? []);
    const corruptKey = key.replace(
      /[^/]*$/,
      `${new Date(Date.now() + 1000).toISOString().replace(/[:.]/g, '-')}-manual.rdb`,
    );
    await new Promise((r) => setTimeout(r, 1100));
    await stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: corruptKey,
        Body: Buffer.concat([header, randomBytes(4096)]),
        ServerSideEncryption: 'AES256',
      }),
    );
    log(`newer backup s3://${bucket}/${corruptKey} is corrupt (valid header, broken body), put there by hand`);
  } else if (scenario === 'corrupt-backup') {
    options.proxy?.corruptNextSync();
    log('the path to the provider will corrupt the next backup transfer');
    note(await backUpNow(stack, cacheId));
  } else if (scenario === 'stale-backup') {
    // The provider stops allowing backups (as a plan change or an ACL would); the RPO here is one minute.
    await options.provider?.(['ACL', 'SETUSER', 'default', '-sync', '-psync', '-dump']);
    log('the provider now refuses SYNC, PSYNC and DUMP: backups fail');
    // The RPO is one minute: the scheduled runs keep failing and reporting the age until it passes.
    const alarmed = options.operatorsMessage(/^ALARM: ".*backup-age"/, 180_000);
    note(await backUpNow(stack, cacheId));
    report.freshnessAlarm = await alarmed;
    log(`⏰ operators ← ${report.freshnessAlarm.subject}`);
  }
  return report;
}

/**
 * What a backup scenario must show besides a clean recovery, or undefined when
 * it did: the method the provider allowed, the corrupt backup rejected with
 * its reason, the freshness alarm before the outage.
 */
export function backupScenarioProblem(
  scenario: Scenario,
  backups: DrillBackups,
  timeline: TimelineEvent[],
  /** When the first customer notice arrived, in ms after the cache broke. */
  firstNoticeAtMs: number | undefined,
): string | undefined {
  const assessed = timeline.find((e) => e.type === 'ASSESSED')?.detail as
    { backup?: { key?: string }; rejectedBackups?: { key: string; reason: string }[] } | undefined;
  if (backups.testRestore && !backups.testRestore.ok)
    return `the test restore failed: ${backups.testRestore.reason ?? ''}`;
  if (scenario === 'sync-refused') {
    const first = backups.runs[0];
    if (first?.method !== 'scan-dump' || first.attempts[0]?.outcome !== 'refused')
      return `the backup was expected by scan-dump after SYNC was refused, got ${JSON.stringify(first?.attempts)}`;
    if (assessed?.backup?.key !== first.key) return `the restore used ${assessed?.backup?.key}, not ${first.key}`;
  }
  if (scenario === 'corrupt-backup') {
    const [good, corrupt] = backups.runs;
    const rejected = assessed?.rejectedBackups?.find((r) => /integrity check/.test(r.reason));
    if (corrupt?.outcome !== 'failed') return 'the second backup was expected to fail its integrity check';
    if (!rejected) return `Assess did not reject the corrupt backup: ${JSON.stringify(assessed?.rejectedBackups)}`;
    if (assessed?.backup?.key !== good?.key)
      return `the restore used ${assessed?.backup?.key}, not the valid ${good?.key}`;
  }
  if (scenario === 'stale-backup') {
    if (!backups.freshnessAlarm) return 'the operators never got the freshness alarm';
    if (firstNoticeAtMs !== undefined && firstNoticeAtMs < 0) return 'customers were told before the outage';
  }
  return undefined;
}
