import { InvalidBackupError } from './errors';

/** Bytes needed to check an RDB header: `REDIS` + 4 digit version. */
export const RDB_HEADER_BYTES = 9;

/**
 * Checks the RDB header and returns its version. Redis 7 writes version 10/11,
 * Valkey 8 writes 11/80; anything outside 1..99 is rejected.
 */
export function rdbVersionOf(header: Uint8Array): number {
  if (header.length < RDB_HEADER_BYTES) throw new InvalidBackupError('backup is shorter than an RDB header');
  const magic = String.fromCharCode(...header.subarray(0, 5));
  if (magic !== 'REDIS') throw new InvalidBackupError('backup does not start with the RDB magic "REDIS"');
  const digits = String.fromCharCode(...header.subarray(5, 9));
  if (!/^\d{4}$/.test(digits)) throw new InvalidBackupError(`RDB version "${digits}" is not four digits`);
  const version = Number(digits);
  if (version < 1 || version > 99) throw new InvalidBackupError(`RDB version ${version} is not supported`);
  return version;
}

/** Object keys that can hold an RDB backup. */
export function looksLikeRdbKey(key: string): boolean {
  return key.endsWith('.rdb');
}

/**
 * The newest RDB format version an engine loads, or undefined when it has no
 * fixed limit (or the version is not known). Each engine refuses a newer file at
 * load ("Can't handle RDB format version N"): Redis OSS 7.0 writes and loads RDB
 * 10, Redis OSS 7.2 and Valkey 7.2/8.0 RDB 11, Redis 7.4 writes RDB 12; Valkey 8.1
 * relaxed the check (RDB version history in the Redis and Valkey sources, `RDB_VERSION`
 * in rdb.h; ElastiCache "Supported engines and versions").
 * Without an engine version ElastiCache creates the latest one, which has no limit here.
 */
export function maxRdbVersionLoadedBy(
  engine: 'redis' | 'valkey',
  engineVersion: string | undefined,
): number | undefined {
  if (engineVersion === undefined) return undefined;
  const [major = NaN, minor = 0] = engineVersion.split('.').map(Number);
  if (!Number.isFinite(major)) return undefined;
  if (engine === 'valkey') return major > 8 || (major === 8 && minor >= 1) ? undefined : 11;
  if (major >= 8 || (major === 7 && minor >= 4)) return 12;
  if (major === 7) return minor >= 2 ? 11 : 10;
  if (major === 6 || major === 5) return 9;
  if (major === 4) return 8;
  return 7;
}
