import { RdbWriter } from '../../functions/domain/backup/rdb-writer';
import type { Endpoint } from '../../functions/domain/caches';
import { BackupMethodRefusedError } from '../../functions/domain/errors';
import type {
  BackupLocation,
  BackupSource,
  BackupSourceOptions,
  KeyDump,
  KeyspaceDump,
  RdbSnapshot,
  SnapshotExporter,
} from '../../functions/ports';
import { stringDump } from '../backup/rdb-bytes';
import type { FakeBackupCatalog } from './backup-catalog';
import { Failures } from './failures';

/** A key of the fake cache: a string value, with an absolute expiry when it has a TTL. */
export interface FakeKey {
  db?: number;
  key: string;
  value: string;
  expiresAtMs?: number;
}

/**
 * A cache in memory that serves SYNC (an RDB file of its keys) and SCAN +
 * DUMP (real DUMP payloads of string values). `refuse` makes it answer a
 * method as a managed provider does; `corruptSync` flips a byte of the file it
 * sends; `syncRdbVersion` is the RDB version its engine writes.
 */
export class FakeBackupSource implements BackupSource {
  readonly failures = new Failures<keyof BackupSource>();
  readonly calls: { method: 'sync' | 'scan-dump'; endpoint: Endpoint; authToken?: string }[] = [];
  keys: FakeKey[] = [];
  refuse = new Set<'sync' | 'scan-dump'>();
  corruptSync = false;
  syncRdbVersion = 10;
  engine = { name: 'redis', version: '7.0.15' };

  constructor(private readonly now: () => Date = () => new Date()) {}

  async sync(endpoint: Endpoint, options: BackupSourceOptions): Promise<RdbSnapshot> {
    this.calls.push({ method: 'sync', endpoint, ...options });
    this.failures.check('sync');
    if (this.refuse.has('sync')) throw new BackupMethodRefusedError('sync', 'SYNC', "ERR unknown command 'SYNC'");
    const watermark = this.now();
    const writer = new RdbWriter(this.entries(this.syncRdbVersion), {
      sourceVersion: this.engine.version,
      createdAt: watermark,
    });
    const parts: Buffer[] = [];
    for await (const chunk of writer) parts.push(chunk);
    const file = Buffer.concat(parts);
    if (this.corruptSync) {
      const at = Math.floor(file.length / 2);
      file.writeUInt8((file.readUInt8(at) ^ 0xff) & 0xff, at);
    }
    const state = { bytesRead: 0 };
    return {
      method: 'sync',
      pointInTime: true,
      watermark,
      engine: { ...this.engine },
      transfer: 'disk',
      announcedBytes: file.length,
      chunks: (async function* () {
        for (let at = 0; at < file.length; at += 1000) {
          const chunk = file.subarray(at, at + 1000);
          state.bytesRead += chunk.length;
          yield chunk;
        }
      })(),
      get bytesRead() {
        return state.bytesRead;
      },
      peakBufferedBytes: 1000,
      close: () => undefined,
    };
  }

  async scanDump(endpoint: Endpoint, options: BackupSourceOptions): Promise<KeyspaceDump> {
    this.calls.push({ method: 'scan-dump', endpoint, ...options });
    this.failures.check('scanDump');
    if (this.refuse.has('scan-dump'))
      throw new BackupMethodRefusedError('scan-dump', 'DUMP', "ERR unknown command 'DUMP'");
    const entries = [...this.entries(10)];
    const counts = { dumped: 0, vanished: 0, duplicates: 0 };
    return {
      method: 'scan-dump',
      pointInTime: false,
      watermark: this.now(),
      engine: { ...this.engine },
      databases: [...new Set(entries.map((e) => e.db))].sort((a, b) => a - b),
      keysAtStart: entries.length,
      entries: (async function* () {
        for (const e of entries) {
          counts.dumped++;
          yield e;
        }
      })(),
      counts,
      peakBufferedBytes: 0,
      close: () => undefined,
    };
  }

  private *entries(version: number): Generator<KeyDump> {
    const sorted = [...this.keys].sort((a, b) => (a.db ?? 0) - (b.db ?? 0));
    for (const k of sorted) {
      yield {
        db: k.db ?? 0,
        key: Buffer.from(k.key),
        dump: stringDump(k.value, version),
        ...(k.expiresAtMs !== undefined ? { expiresAtMs: k.expiresAtMs } : {}),
      };
    }
  }
}

/** ElastiCache's export in memory: writes the RDB file it is given into the fake bucket. */
export class FakeSnapshotExporter implements SnapshotExporter {
  readonly failures = new Failures<keyof SnapshotExporter>();
  readonly exports: { replicationGroupId: string; bucket: string; snapshotName: string }[] = [];
  /** The file each export writes; none makes the export write nothing. */
  file: Buffer | undefined;

  constructor(
    private readonly bucket: FakeBackupCatalog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async exportToS3(
    replicationGroupId: string,
    target: { bucket: string; snapshotName: string },
  ): Promise<{ objects: BackupLocation[]; engine: { name: string; version: string }; snapshotCreatedAt: Date }> {
    this.failures.check('exportToS3');
    this.exports.push({ replicationGroupId, ...target });
    const objects = this.file ? [{ bucket: target.bucket, key: `${target.snapshotName}-0001.rdb` }] : [];
    for (const o of objects) this.bucket.add({ ...o, lastModified: this.now().toISOString(), body: this.file });
    return { objects, engine: { name: 'redis', version: '7.1.0' }, snapshotCreatedAt: this.now() };
  }
}
