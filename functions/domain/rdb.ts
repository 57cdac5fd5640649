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
