import { Buffer } from 'node:buffer';
import { IncompatibleBackupError, ValidationError } from '../errors';
import { ChunkBuilder } from './chunk-builder';
import { parseDumpPayload } from './dump-payload';
import { MIN_WRITTEN_RDB_VERSION, OPCODE, printableKey, rdbHeader } from './rdb-format';

/** One key of a cache, as `SCAN` + `DUMP` + `PTTL` read it. */
export interface RdbEntry {
  /** The database the key lives in (`SELECT` index). */
  readonly db: number;
  readonly key: Uint8Array;
  /** What `DUMP key` returned. */
  readonly dump: Uint8Array;
  /** When the key expires (Unix milliseconds); absent when it has no TTL. */
  readonly expiresAtMs?: number;
}

export interface RdbWriterOptions {
  /** The version of the engine the keys come from, written as the `redis-ver` AUX field. */
  readonly sourceVersion: string;
  /** When the data was read, written as the `ctime` AUX field. */
  readonly createdAt: Date;
  /**
   * The newest RDB version the target engine loads (`maxRdbVersionLoadedBy`);
   * undefined when it has no limit. A payload above it is refused.
   */
  readonly maxRdbVersion?: number;
  /** How many databases the target has (`databases`, 16 by default; 1 in cluster mode). */
  readonly databases?: number;
  /** More AUX fields, e.g. `cache-outage-method`. Engines skip the ones they do not know. */
  readonly aux?: Readonly<Record<string, string>>;
  /** Key counts per database, when known before writing: written as RESIZEDB hints. */
  readonly dbSizes?: ReadonlyMap<number, { readonly keys: number; readonly expires: number }>;
}

/** What a finished file holds. */
export interface RdbWriteSummary {
  readonly rdbVersion: number;
  readonly keys: number;
  readonly keysPerDb: Readonly<Record<number, number>>;
  readonly keysWithExpiry: number;
  /** The file's size, checksum included. */
  readonly bytes: number;
}

const DEFAULT_DATABASES = 16;

/**
 * Writes an RDB file from DUMP payloads, as a stream of chunks: the file is
 * never held whole, only the entry being written and one chunk. The header
 * carries the RDB version of the payloads (the first one read; every later
 * one must not be newer, as it is when they all come from one engine), each
 * value is taken verbatim from its payload after its CRC-64 and version are
 * checked. Iterate it once; `summary` is there once the last chunk is out.
 */
export class RdbWriter implements AsyncIterable<Buffer> {
  private result: RdbWriteSummary | undefined;
  private started = false;

  constructor(
    private readonly entries: AsyncIterable<RdbEntry> | Iterable<RdbEntry>,
    private readonly options: RdbWriterOptions,
  ) {}

  get summary(): RdbWriteSummary {
    if (!this.result) throw new Error('the RDB file is not written yet');
    return this.result;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.started) throw new Error('an RdbWriter writes its file once');
    this.started = true;
    const { maxRdbVersion, databases = DEFAULT_DATABASES, dbSizes } = this.options;
    if (maxRdbVersion !== undefined && maxRdbVersion < MIN_WRITTEN_RDB_VERSION)
      throw new IncompatibleBackupError(
        `the target engine loads RDB files up to version ${maxRdbVersion}; backups are written in RDB ${MIN_WRITTEN_RDB_VERSION} or newer`,
      );
    const out = new ChunkBuilder();
    const keysPerDb: Record<number, number> = {};
    let rdbVersion: number | undefined;
    let keys = 0;
    let keysWithExpiry = 0;
    let currentDb: number | undefined;
    const resized = new Set<number>();

    for await (const entry of this.entries) {
      const payload = parseDumpPayload(entry.dump, entry.key);
      const key = () => printableKey(entry.key);
      if (maxRdbVersion !== undefined && payload.rdbVersion > maxRdbVersion)
        throw new IncompatibleBackupError(
          `key ${key()} is serialized in RDB ${payload.rdbVersion}; the target engine loads RDB files up to version ${maxRdbVersion}`,
        );
      if (rdbVersion === undefined) {
        rdbVersion = Math.max(payload.rdbVersion, MIN_WRITTEN_RDB_VERSION);
        this.preamble(out, rdbVersion);
      } else if (payload.rdbVersion > rdbVersion)
        throw new IncompatibleBackupError(
          `key ${key()} is serialized in RDB ${payload.rdbVersion}, newer than the RDB ${rdbVersion} of the keys before it: the source changed engine version during the backup`,
        );
      checkEntry(entry, databases, key);
      if (entry.db !== currentDb) {
        currentDb = entry.db;
        out.byte(OPCODE.SELECTDB);
        out.length(entry.db);
        const size = dbSizes?.get(entry.db);
        if (size && !resized.has(entry.db)) {
          resized.add(entry.db);
          out.byte(OPCODE.RESIZEDB);
          out.length(size.keys);
          out.length(size.expires);
        }
      }
      if (entry.expiresAtMs !== undefined) {
        keysWithExpiry++;
        out.byte(OPCODE.EXPIRETIME_MS);
        out.int64(entry.expiresAtMs);
      }
      out.byte(payload.type);
      out.string(entry.key);
      out.raw(payload.value);
      keys++;
      keysPerDb[entry.db] = (keysPerDb[entry.db] ?? 0) + 1;
      yield* out.drain();
    }

    if (rdbVersion === undefined) {
      rdbVersion = Math.min(EMPTY_FILE_RDB_VERSION, maxRdbVersion ?? EMPTY_FILE_RDB_VERSION);
      this.preamble(out, rdbVersion);
    }
    out.byte(OPCODE.EOF);
    yield* out.end();
    this.result = { rdbVersion, keys, keysPerDb, keysWithExpiry, bytes: out.bytes };
  }

  /** The header and AUX fields, as Redis writes them: `redis-ver`, `redis-bits`, `ctime`, then ours. */
  private preamble(out: ChunkBuilder, rdbVersion: number): void {
    const { sourceVersion, createdAt, aux = {} } = this.options;
    out.raw(rdbHeader(rdbVersion));
    const fields: [string, string][] = [
      ['redis-ver', sourceVersion],
      ['redis-bits', '64'],
      ['ctime', String(Math.floor(createdAt.getTime() / 1000))],
      ...Object.entries(aux),
    ];
    for (const [name, value] of fields) {
      out.byte(OPCODE.AUX);
      out.string(Buffer.from(name));
      out.string(Buffer.from(value));
    }
  }
}

/** An empty file's version: one that every engine since Redis 5 loads. */
const EMPTY_FILE_RDB_VERSION = 9;

function checkEntry(entry: RdbEntry, databases: number, key: () => string): void {
  if (!Number.isSafeInteger(entry.db) || entry.db < 0)
    throw new ValidationError(`backup entry for key ${key()}`, [
      { path: 'db', message: `${entry.db} is not a database index` },
    ]);
  if (entry.db >= databases)
    throw new IncompatibleBackupError(
      `key ${key()} is in database ${entry.db}; the target engine has ${databases} database${databases === 1 ? '' : 's'}`,
    );
  if (entry.expiresAtMs !== undefined && (!Number.isSafeInteger(entry.expiresAtMs) || entry.expiresAtMs < 0))
    throw new ValidationError(`backup entry for key ${key()}`, [
      { path: 'expiresAtMs', message: `${entry.expiresAtMs} is not a time in milliseconds` },
    ]);
}
