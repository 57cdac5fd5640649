/** RDB backups in S3: listing, reading the first bytes of one, and letting ElastiCache read one. */
import {
  GetObjectAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectAclCommand,
  S3Client,
  type Grant,
  type PutObjectAclCommandInput,
} from '@aws-sdk/client-s3';
import { CacheProvisioningFailedError, InvalidBackupError } from '../domain/errors';
import type { BackupCatalog, BackupObject, BackupReadGrant } from '../ports';
import { awsCall, errorName, rethrowAws } from './aws-errors';

export interface S3BackupCatalogOptions {
  client?: S3Client;
  region?: string;
  forcePathStyle?: boolean;
}

export class S3BackupCatalog implements BackupCatalog, BackupReadGrant {
  private readonly client: S3Client;

  constructor(options: S3BackupCatalogOptions = {}) {
    this.client =
      options.client ??
      new S3Client({
        ...(options.region ? { region: options.region } : {}),
        forcePathStyle: options.forcePathStyle ?? false,
      });
  }

  async list(bucket: string, prefix: string): Promise<BackupObject[]> {
    const found: BackupObject[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall('S3 ListObjectsV2', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            ...(prefix ? { Prefix: prefix } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || !o.Key.toLowerCase().endsWith('.rdb') || !o.LastModified) continue;
        found.push({ bucket, key: o.Key, lastModified: o.LastModified.toISOString(), sizeBytes: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => b.lastModified.localeCompare(a.lastModified) || b.key.localeCompare(a.key));
  }

  async readHeader(bucket: string, key: string, bytes: number): Promise<Uint8Array> {
    if (bytes <= 0) return new Uint8Array(0);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }),
      );
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      // A server that ignores Range sends the whole object.
      return body.length > bytes ? body.subarray(0, bytes) : body;
    } catch (err) {
      const name = errorName(err);
      if (name === 'InvalidRange') return new Uint8Array(0);
      if (name === 'NoSuchKey' || name === 'NotFound') {
        throw new InvalidBackupError(`backup s3://${bucket}/${key} does not exist`, { cause: err });
      }
      rethrowAws(err, 'S3 GetObject');
    }
  }

  /**
   * Adds READ and READ_ACP for `canonicalId` to the object's ACL ("Tutorial: Seeding a
   * new node-based cluster with an externally created backup", step 4, default
   * Regions: read object and read object permissions). PutObjectAcl replaces the
   * whole ACL, so the grants the object has are sent again with the new ones.
   * A bucket with ACLs disabled (BucketOwnerEnforced) answers
   * AccessControlListNotSupported ("Controlling ownership of objects and
   * disabling ACLs for your bucket", S3 User Guide).
   */
  async grantRead(bucket: string, key: string, canonicalId: string): Promise<{ alreadyGranted: boolean }> {
    try {
      return await grantObjectRead(this.client, bucket, key, canonicalId);
    } catch (err) {
      const name = errorName(err);
      if (name === 'NoSuchKey' || name === 'NotFound') {
        throw new InvalidBackupError(`backup s3://${bucket}/${key} does not exist`, { cause: err });
      }
      if (name === 'AccessControlListNotSupported') {
        throw new CacheProvisioningFailedError(
          `ElastiCache cannot be granted read on s3://${bucket}/${key}: ${name}: ${(err as Error).message} ` +
            '(the bucket has ACLs disabled; enable them with object ownership BucketOwnerPreferred, or seed from a bucket that has them)',
          { cause: err },
        );
      }
      rethrowAws(err, 'S3 PutObjectAcl');
    }
  }
}

/**
 * READ and READ_ACP for `canonicalId` on the object's ACL, the grants it has
 * kept (GetObjectAcl, then PutObjectAcl with them all). Throws S3's errors
 * untranslated, AccessControlListNotSupported included.
 */
export async function grantObjectRead(
  client: S3Client,
  bucket: string,
  key: string,
  canonicalId: string,
): Promise<{ alreadyGranted: boolean }> {
  const acl = await client.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
  const grants = acl.Grants ?? [];
  const has = (permission: string) =>
    grants.some(
      (g) =>
        g.Grantee?.Type === 'CanonicalUser' &&
        g.Grantee.ID === canonicalId &&
        (g.Permission === permission || g.Permission === 'FULL_CONTROL'),
    );
  if (has('READ') && has('READ_ACP')) return { alreadyGranted: true };
  const reader = { Type: 'CanonicalUser' as const, ID: canonicalId };
  const wanted: Grant[] = [
    ...grants,
    ...(has('READ') ? [] : [{ Grantee: reader, Permission: 'READ' as const }]),
    ...(has('READ_ACP') ? [] : [{ Grantee: reader, Permission: 'READ_ACP' as const }]),
  ];
  await client.send(new PutObjectAclCommand({ Bucket: bucket, Key: key, ...grantHeaders(wanted) }));
  return { alreadyGranted: false };
}

type GrantHeader = 'GrantFullControl' | 'GrantRead' | 'GrantReadACP' | 'GrantWriteACP';
const GRANT_HEADERS: Record<string, GrantHeader> = {
  FULL_CONTROL: 'GrantFullControl',
  READ: 'GrantRead',
  READ_ACP: 'GrantReadACP',
  WRITE_ACP: 'GrantWriteACP',
};

/** Grants as the x-amz-grant-* headers of PutObjectAcl: `id="…"`, `uri="…"` or `emailAddress="…"`, comma separated. */
function grantHeaders(grants: readonly Grant[]): Pick<PutObjectAclCommandInput, GrantHeader> {
  const byHeader: Partial<Record<GrantHeader, string[]>> = {};
  for (const grant of grants) {
    const header = grant.Permission ? GRANT_HEADERS[grant.Permission] : undefined;
    const grantee = grant.Grantee;
    if (!header || !grantee) continue;
    const value =
      grantee.Type === 'CanonicalUser' && grantee.ID
        ? `id="${grantee.ID}"`
        : grantee.Type === 'Group' && grantee.URI
          ? `uri="${grantee.URI}"`
          : grantee.EmailAddress
            ? `emailAddress="${grantee.EmailAddress}"`
            : undefined;
    if (value && !(byHeader[header] ??= []).includes(value)) byHeader[header].push(value);
  }
  return Object.fromEntries(Object.entries(byHeader).map(([h, values]) => [h, values.join(', ')]));
}
