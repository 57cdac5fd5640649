/**
 * S3, one client per container: the backup catalog (which also grants ElastiCache read on a backup), the backup
 * store and the post-incident reports.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config';
import { S3BackupCatalog } from '../adapters/s3-backup-catalog';
import { S3BackupStore } from '../adapters/s3-backup-store';
import { S3ReportArchive } from '../adapters/s3-report-archive';
import type { BackupCatalog, BackupReadGrant, BackupStore, ReportArchive } from '../ports';

let client: S3Client | undefined;
function s3(): S3Client {
  return (client ??= new S3Client({ region: config.region, forcePathStyle: config.s3ForcePathStyle }));
}

let catalog: (BackupCatalog & BackupReadGrant) | undefined;
export function backupCatalog(): BackupCatalog & BackupReadGrant {
  return (catalog ??= new S3BackupCatalog({ client: s3() }));
}

let store: BackupStore | undefined;
export function backupStore(): BackupStore {
  return (store ??= new S3BackupStore({ client: s3() }));
}

let reports: ReportArchive | undefined;
/** The reports bucket's archive; undefined when no bucket is configured. */
export function reportArchive(): ReportArchive | undefined {
  const bucket = config.reportsBucket;
  if (!bucket) return undefined;
  return (reports ??= new S3ReportArchive({ bucket, client: s3() }));
}
