/** The S3 backup catalog, which also grants ElastiCache read on a backup. */
import { config } from '../config';
import { S3BackupCatalog } from '../adapters/s3-backup-catalog';
import type { BackupCatalog, BackupReadGrant } from '../ports';

let instance: (BackupCatalog & BackupReadGrant) | undefined;
export function backupCatalog(): BackupCatalog & BackupReadGrant {
  return (instance ??= new S3BackupCatalog({ region: config.region, forcePathStyle: config.s3ForcePathStyle }));
}
