/**
 * The backups the product makes, in S3: each RDB file streamed in as a
 * multipart upload, read back as a stream, and a JSON manifest beside it.
 *
 * S3 rules followed (Amazon S3 User Guide and API Reference):
 * - every part of a multipart upload but the last is at least 5 MiB
 *   ("Amazon S3 multipart upload limits"); parts already uploaded are stored
 *   (and billed) until the upload is completed or aborted, so a failed upload
 *   is aborted ("Aborting a multipart upload"), and the bucket's lifecycle rule
 *   AbortIncompleteMultipartUpload removes any an abort could not reach;
 * - `x-amz-server-side-encryption: AES256` (SSE-S3) on every write: the only
 *   encryption ElastiCache reads when it seeds a cache from a backup
 *   ("Tutorial: Seeding a new node-based cluster with an externally created
 *   backup", Important);
 * - explicit x-amz-grant-* headers on an upload make the object's whole ACL,
 *   and a bucket with ACLs disabled refuses the whole upload
 *   (AccessControlListNotSupported), so ElastiCache's read grant is added
 *   once the object exists, on top of the grants it has (`grantObjectRead`),
 *   and skipped where ACLs are disabled.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { backupManifestSchema, manifestKeyOf, type BackupManifest } from '../domain/backup/manifest';
import { InvalidBackupError } from '../domain/errors';
import type { BackupLocation, BackupStore } from '../ports';
import { awsCall, errorName, rethrowAws } from './aws-errors';
import { grantObjectRead } from './s3-backup-catalog';

/** S3's smallest part but the last ("Amazon S3 multipart upload limits"). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
const DEFAULT_QUEUE_SIZE = 2;
/** A manifest is a few hundred bytes; a larger object is not one. */
const MAX_MANIFEST_BYTES = 64 * 1024;

export interface S3BackupStoreOptions {
  client?: S3Client;
  region?: string;
  forcePathStyle?: boolean;
  /** Bytes per part, at least MIN_PART_BYTES; 8 MiB by default. */
  partBytes?: number;
  /** Parts in flight at once; 2 by default. At most (queueSize + 1) parts are held in memory. */
  queueSize?: number;
}

const isMissing = (err: unknown) => ['NoSuchKey', 'NotFound'].includes(errorName(err));
const where = (l: BackupLocation) => `s3://${l.bucket}/${l.key}`;

export class S3BackupStore implements BackupStore {
  private readonly client: S3Client;
  private readonly partBytes: number;
  private readonly queueSize: number;

  constructor(options: S3BackupStoreOptions = {}) {
    this.client =
      options.client ??
      new S3Client({
        ...(options.region ? { region: options.region } : {}),
        forcePathStyle: options.forcePathStyle ?? false,
      });
    this.partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    if (this.partBytes < MIN_PART_BYTES) throw new RangeError(`partBytes must be at least ${MIN_PART_BYTES}`);
    if (this.queueSize < 1) throw new RangeError('queueSize must be at least 1');
  }

  async upload(
    location: BackupLocation,
    body: AsyncIterable<Uint8Array>,
    options: { metadata: Record<string, string>; readerCanonicalId?: string },
  ): Promise<{ bytes: number; readGrant?: 'granted' | 'acls-disabled' }> {
    let bytes = 0;
    let bodyFailure: { error: unknown } | undefined;
    const counted = Readable.from(
      (async function* () {
        try {
          for await (const chunk of body) {
            bytes += chunk.byteLength;
            yield chunk;
          }
        } catch (error) {
          bodyFailure = { error };
          throw error;
        }
      })(),
    );
    const upload = new Upload({
      client: this.client,
      partSize: this.partBytes,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: location.bucket,
        Key: location.key,
        Body: counted,
        ContentType: 'application/octet-stream',
        ServerSideEncryption: 'AES256',
        Metadata: options.metadata,
      },
    });
    try {
      await upload.done();
    } catch (err) {
      counted.destroy();
      // The body's own failure (the cache, the RDB writer) is the reason, not S3's.
      if (bodyFailure) throw bodyFailure.error;
      rethrowAws(err, `S3 upload of ${where(location)}`);
    }
    if (!options.readerCanonicalId) return { bytes };
    try {
      await grantObjectRead(this.client, location.bucket, location.key, options.readerCanonicalId);
      return { bytes, readGrant: 'granted' };
    } catch (err) {
      if (errorName(err) === 'AccessControlListNotSupported') return { bytes, readGrant: 'acls-disabled' };
      rethrowAws(err, `S3 PutObjectAcl on ${where(location)}`);
    }
  }

  async read(location: BackupLocation): Promise<AsyncIterable<Uint8Array>> {
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    } catch (err) {
      if (isMissing(err)) throw new InvalidBackupError(`backup ${where(location)} does not exist`, { cause: err });
      rethrowAws(err, `S3 GetObject ${where(location)}`);
    }
    const stream = out.Body;
    if (!stream) return (async function* () {})();
    const source: AsyncIterable<Uint8Array> =
      Symbol.asyncIterator in stream
        ? (stream as AsyncIterable<Uint8Array>)
        : (stream.transformToWebStream() as unknown as AsyncIterable<Uint8Array>);
    const what = `S3 GetObject ${where(location)}`;
    return (async function* () {
      try {
        yield* source;
      } catch (err) {
        rethrowAws(err, what);
      }
    })();
  }

  async head(location: BackupLocation): Promise<{ sizeBytes: number; metadata: Record<string, string> } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return { sizeBytes: out.ContentLength ?? 0, metadata: { ...(out.Metadata ?? {}) } };
    } catch (err) {
      if (isMissing(err)) return undefined;
      rethrowAws(err, `S3 HeadObject ${where(location)}`);
    }
  }

  async writeManifest(location: BackupLocation, manifest: BackupManifest): Promise<void> {
    const key = manifestKeyOf(location.key);
    await awsCall(`S3 PutObject s3://${location.bucket}/${key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: key,
          Body: JSON.stringify(manifest, null, 2),
          ContentType: 'application/json',
          ServerSideEncryption: 'AES256',
        }),
      ),
    );
  }

  async readManifest(location: BackupLocation): Promise<BackupManifest | undefined> {
    const key = manifestKeyOf(location.key);
    const at = `s3://${location.bucket}/${key}`;
    let text: string;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
      if ((out.ContentLength ?? 0) > MAX_MANIFEST_BYTES) {
        out.Body?.transformToWebStream()
          .cancel()
          .catch(() => undefined);
        throw new InvalidBackupError(`the manifest ${at} is ${out.ContentLength} bytes, too large to be one`);
      }
      text = out.Body ? await out.Body.transformToString('utf8') : '';
    } catch (err) {
      if (err instanceof InvalidBackupError) throw err;
      if (isMissing(err)) return undefined;
      rethrowAws(err, `S3 GetObject ${at}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InvalidBackupError(`the manifest ${at} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const parsed = backupManifestSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new InvalidBackupError(`the manifest ${at} does not parse: ${issues}`, { cause: parsed.error });
    }
    return parsed.data;
  }
}
