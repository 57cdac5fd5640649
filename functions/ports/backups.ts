/** The RDB backups in S3 the restore path seeds a replacement from. */

export interface BackupObject {
  bucket: string;
  key: string;
  lastModified: string;
  sizeBytes: number;
}

export interface BackupCatalog {
  /** Newest first. */
  list(bucket: string, prefix: string): Promise<BackupObject[]>;
  readHeader(bucket: string, key: string, bytes: number): Promise<Uint8Array>;
}

/**
 * Lets ElastiCache read a backup object: a read grant to ElastiCache's canonical
 * user on the object's ACL, added to the grants the object already has.
 */
export interface BackupReadGrant {
  /**
   * Idempotent: `alreadyGranted` when the ACL already let `canonicalId` read the
   * object. Throws CacheProvisioningFailedError when S3 refuses ACLs on the bucket.
   */
  grantRead(bucket: string, key: string, canonicalId: string): Promise<{ alreadyGranted: boolean }>;
}
