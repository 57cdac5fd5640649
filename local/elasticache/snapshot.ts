import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

  /** An unreadable object is rejected at call time, as CreateReplicationGroup does; the copy happens later. */
  async check(arn: string): Promise<void> {
    const { bucket, key } = parseS3Arn(arn);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown error';
      throw invalidParameterValue(`No permission to access S3 object: ${bucket}/${key} (${reason}).`);
    }
  }

  /** Streams the object to a file, without holding it in memory (RDB files are as large as the cache). */
  async download(arn: string, file: string): Promise<void> {
    const { bucket, key } = parseS3Arn(arn);
    const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error(`S3 object ${bucket}/${key} has no body`);
    await pipeline(response.Body as Readable, createWriteStream(file));
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** The first bytes of a file, enough for the RDB preamble. */
export async function fileHeader(file: string, bytes = 9): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Checks the RDB preamble: the `REDIS` magic followed by a four digit format version. */
export function rdbHeaderProblem(rdb: Buffer): string | undefined {
  if (rdb.length < 9) return `the file is ${rdb.length} bytes long, too short to be an RDB file`;
  if (rdb.toString('latin1', 0, 5) !== 'REDIS') return 'the file does not start with the REDIS magic string';
  if (!/^\d{4}$/.test(rdb.toString('latin1', 5, 9))) return 'the RDB version field is not four digits';
  return undefined;
}
