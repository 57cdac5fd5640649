/** RDB backups in S3: listing and reading the first bytes of one. */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { InvalidBackupError } from '../domain/errors';
import type { BackupCatalog, BackupObject } from '../ports';
import { awsCall, errorName, rethrowAws } from './aws-errors';

export interface S3BackupCatalogOptions {
  client?: S3Client;
  region?: string;
  forcePathStyle?: boolean;
}

export class S3BackupCatalog implements BackupCatalog {
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
}
