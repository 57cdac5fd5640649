import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { invalidParameterValue } from './errors';

export interface S3ConnectionConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: boolean;
}

export interface S3ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** Parses `arn:aws:s3:::bucket/path/to/key.rdb` (any partition). */
export function parseS3Arn(arn: string): S3ObjectLocation {
  const match = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(arn);
  if (!match?.[1] || !match[2])
    throw invalidParameterValue(`Invalid S3 snapshot ARN: ${arn}. Expected arn:aws:s3:::bucket/key.`);
  return { bucket: match[1], key: match[2] };
}

export class SnapshotFetcher {
  private readonly client: S3Client;

  constructor(config: S3ConnectionConfig) {
    this.client = new S3Client({ ...config, maxAttempts: 2 });
  }

  /** Downloads the object; an unreadable object is rejected at call time, as CreateReplicationGroup does. */
  async fetch(arn: string): Promise<Buffer> {
    const { bucket, key } = parseS3Arn(arn);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) throw new Error('empty body');
      return Buffer.from(await response.Body.transformToByteArray());
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown error';
      throw invalidParameterValue(`No permission to access S3 object: ${bucket}/${key} (${reason}).`);
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** Checks the RDB preamble: the `REDIS` magic followed by a four digit format version. */
export function rdbHeaderProblem(rdb: Buffer): string | undefined {
  if (rdb.length < 9) return `the file is ${rdb.length} bytes long, too short to be an RDB file`;
  if (rdb.toString('latin1', 0, 5) !== 'REDIS') return 'the file does not start with the REDIS magic string';
  if (!/^\d{4}$/.test(rdb.toString('latin1', 5, 9))) return 'the RDB version field is not four digits';
  return undefined;
}
