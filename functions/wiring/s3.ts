/** The S3 backup catalog. */
import { config } from '../config';
import { S3BackupCatalog } from '../adapters/s3-backup-catalog';
import type { BackupCatalog } from '../ports';

let instance: BackupCatalog | undefined;
export function backupCatalog(): BackupCatalog {
  return (instance ??= new S3BackupCatalog({ region: config.region, forcePathStyle: config.s3ForcePathStyle }));
}
