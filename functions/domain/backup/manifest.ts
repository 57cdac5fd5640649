/**
 * What the product records about each backup it makes: the object's metadata
 * (known when the upload starts) and a manifest object beside the RDB file
 * (written once the file was read back and checked).
 */
import * as z from 'zod';

export const BACKUP_METHODS = ['sync', 'scan-dump', 'elasticache-export'] as const;
export type BackupMethod = (typeof BACKUP_METHODS)[number];
export const backupMethodSchema = z.enum(BACKUP_METHODS);

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time');

export const backupVerificationSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), verifiedAt: isoDate }),
  z.object({ ok: z.literal(false), verifiedAt: isoDate, reason: z.string().min(1) }),
]);
export type BackupVerification = z.output<typeof backupVerificationSchema>;

export const backupManifestSchema = z.object({
  cacheId: z.string().min(1),
  method: backupMethodSchema,
  /** False for scan-dump: keys were read one by one while the cache kept changing. */
  pointInTime: z.boolean(),
  /** Every write the backup may lack is at or after this time: rehydration starts here. */
  watermark: isoDate,
  startedAt: isoDate,
  finishedAt: isoDate,
  engine: z.object({ name: z.string(), version: z.string() }),
  rdbVersion: z.number().int().min(1).max(99),
  keys: z.number().int().min(0),
  /** Keys with a TTL: a restore may hold fewer keys than `keys` by those that expired since. */
  keysWithExpiry: z.number().int().min(0),
  bytes: z.number().int().min(0),
  verification: backupVerificationSchema,
});
export type BackupManifest = z.output<typeof backupManifestSchema>;

/** The manifest of the RDB object `rdbKey`. It does not end in `.rdb`, so it is never taken for a backup. */
export function manifestKeyOf(rdbKey: string): string {
  return `${rdbKey}.manifest.json`;
}

/** `<prefix><watermark>-<method>.rdb`: keys sort by the time their data was taken. */
export function backupObjectKey(prefix: string, watermark: Date, method: BackupMethod): string {
  return `${prefix}${watermark.toISOString().replace(/[:.]/g, '-')}-${method}.rdb`;
}

/** User metadata (x-amz-meta-*) written with the object when the upload starts. */
export function backupObjectMetadata(facts: {
  cacheId: string;
  method: BackupMethod;
  pointInTime: boolean;
  watermark: Date;
  startedAt: Date;
  engine: { name: string; version: string };
}): Record<string, string> {
  return {
    'cache-id': facts.cacheId,
    method: facts.method,
    'point-in-time': String(facts.pointInTime),
    watermark: facts.watermark.toISOString(),
    'started-at': facts.startedAt.toISOString(),
    engine: facts.engine.name,
    'engine-version': facts.engine.version,
  };
}

/** True when the metadata is the product's: the object is a backup it made, to be trusted only with a passing manifest. */
export function isProductBackup(metadata: Readonly<Record<string, string>>): boolean {
  return typeof metadata['watermark'] === 'string' && typeof metadata['method'] === 'string';
}
