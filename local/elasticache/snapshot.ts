import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { elastiCacheReaderFor, OPT_IN_BUCKET_POLICY_ACTIONS } from '../../functions/domain/backup-access';
import type { ElastiCacheReader } from '../../functions/domain/backup-access';
import { LOCAL_ACCOUNT_ID } from '../service';
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

  /**
   * Refuses, at call time, an object ElastiCache could not read ("Tutorial: Seeding a new
   * node-based cluster with an externally created backup"): a missing object, one
   * encrypted with anything but SSE-S3, and one without the grant the Region needs
   * (default Regions: READ for ElastiCache's canonical user in the object's ACL;
   * opt-in Regions: a bucket policy allowing `<region>.elasticache-snapshot.amazonaws.com`
   * s3:GetObject, s3:ListBucket and s3:GetBucketAcl). The copy happens later.
   */
  async check(arn: string, region: string): Promise<void> {
    const { bucket, key } = parseS3Arn(arn);
    const denied = (reason: string) =>
      invalidParameterValue(`No permission to access S3 object: ${bucket}/${key} (${reason}).`);
    let encryption: string | undefined;
    try {
      encryption = (await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ServerSideEncryption;
    } catch (error) {
      throw denied(error instanceof Error ? error.name : 'unknown error');
    }
    if (encryption !== undefined && encryption !== 'AES256') {
      throw invalidParameterValue(
        `The S3 object ${bucket}/${key} is encrypted with ${encryption}; ElastiCache can seed a cluster only from an .rdb file encrypted with SSE-S3.`,
      );
    }
    const reader = elastiCacheReaderFor(region);
    if (reader.kind === 'object-acl') {
      const acl = await this.client.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
      const readable = (acl.Grants ?? []).some(
        (g) =>
          g.Grantee?.Type === 'CanonicalUser' &&
          g.Grantee.ID === reader.canonicalId &&
          (g.Permission === 'READ' || g.Permission === 'FULL_CONTROL'),
      );
      if (!readable)
        throw denied(`the object's ACL grants no READ to ElastiCache's canonical user ${reader.canonicalId}`);
      return;
    }
    const policy = await this.bucketPolicy(bucket);
    const objectArn = `arn:aws:s3:::${bucket}/${key}`;
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const needs: [string, string][] = OPT_IN_BUCKET_POLICY_ACTIONS.map((action) => [
      action,
      action === 's3:GetObject' ? objectArn : bucketArn,
    ]);
    const allowed = await Promise.all(
      needs.map(([action, resource]) => policyAllows(policy, reader.servicePrincipal, action, resource)),
    );
    const missing = needs.filter((_, i) => !allowed[i]);
    if (missing.length > 0) {
      throw denied(
        `the bucket policy does not allow ${reader.servicePrincipal} ${missing.map(([action]) => action).join(', ')}`,
      );
    }
  }

  private async bucketPolicy(bucket: string): Promise<object | undefined> {
    try {
      const { Policy } = await this.client.send(new GetBucketPolicyCommand({ Bucket: bucket }));
      return Policy ? (JSON.parse(Policy) as object) : undefined;
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchBucketPolicy') return undefined;
      throw error;
    }
  }

  /**
   * Refuses, at call time, an export CopySnapshot could not write ("Exporting a backup", ElastiCache User
   * Guide, and CopySnapshot's error messages in the API Reference): a bucket that does not exist or lives in
   * another Region, an object already at `key`, and a bucket that does not let ElastiCache list and read
   * (READ), write (WRITE) and read its permissions (READ_ACP): in a default Region the bucket's ACL grants
   * them to the Region's ElastiCache canonical user, in an opt-in Region the bucket policy allows them to
   * `<region>.elasticache-snapshot.amazonaws.com`.
   */
  async checkExport(bucket: string, key: string, region: string): Promise<void> {
    let location: string | undefined;
    try {
      location = (await this.client.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint;
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchBucket')
        throw invalidParameterValue(`The S3 bucket ${bucket} does not exist.`);
      throw error;
    }
    if ((location || 'us-east-1') !== region)
      throw invalidParameterValue(`The S3 bucket ${bucket} is outside of the region.`);
    const reader = elastiCacheReaderFor(region);
    for (const permission of EXPORT_PERMISSIONS) {
      if (!(await this.grants(bucket, key, reader, permission)))
        throw invalidParameterValue(
          `ElastiCache has not been granted ${permission} permissions ${bucket} on the S3 Bucket.`,
        );
    }
    if (await this.exists(bucket, key))
      throw invalidParameterValue(`The S3 bucket ${bucket} already contains an object with key ${key}.`);
  }

  private async grants(
    bucket: string,
    key: string,
    reader: ElastiCacheReader,
    permission: ExportPermission,
  ): Promise<boolean> {
    if (reader.kind === 'object-acl') {
      const acl = await this.client.send(new GetBucketAclCommand({ Bucket: bucket }));
      return (acl.Grants ?? []).some(
        (g) =>
          g.Grantee?.Type === 'CanonicalUser' &&
          g.Grantee.ID === reader.canonicalId &&
          (g.Permission === permission || g.Permission === 'FULL_CONTROL'),
      );
    }
    const policy = await this.bucketPolicy(bucket);
    const checks = OPT_IN_EXPORT_ACTIONS[permission].map(([action, onObjects]) =>
      policyAllows(
        policy,
        reader.servicePrincipal,
        action,
        onObjects ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`,
      ),
    );
    return (await Promise.all(checks)).every(Boolean);
  }

  private async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey')) return false;
      throw error;
    }
  }

  /** Writes an exported RDB file, SSE-S3 encrypted ("backups copied to an Amazon S3 bucket are encrypted"). */
  async upload(file: string, bucket: string, key: string): Promise<void> {
    const { size } = await stat(file);
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: size,
        ServerSideEncryption: 'AES256',
      }),
    );
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

/** The bucket permissions an export needs, in the order CopySnapshot's error messages name them. */
const EXPORT_PERMISSIONS = ['READ', 'WRITE', 'READ_ACP'] as const;
type ExportPermission = (typeof EXPORT_PERMISSIONS)[number];

/**
 * The bucket policy actions an opt-in Region's export needs ("Grant ElastiCache access to your S3 Bucket
 * in an opt-in Region"), by the ACL permission they stand for; `true` when authorized on the objects.
 */
const OPT_IN_EXPORT_ACTIONS: Readonly<Record<ExportPermission, readonly (readonly [string, boolean])[]>> = {
  READ: [
    ['s3:ListBucket', false],
    ['s3:GetObject', true],
  ],
  WRITE: [
    ['s3:PutObject', true],
    ['s3:ListMultipartUploadParts', true],
    ['s3:ListBucketMultipartUploads', false],
  ],
  READ_ACP: [['s3:GetBucketAcl', false]],
};

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

/**
 * Whether the bucket policy lets the service principal do `action` on `resource`, decided with
 * AWS's policy evaluation rules (@cloud-copilot/iam-simulate over the service authorization
 * reference): the service principal has no identity policy, so only an Allow in the bucket policy
 * and no Deny there let it read. ElastiCache reads over TLS: `aws:SecureTransport` is true.
 */
async function policyAllows(
  policy: object | undefined,
  principal: string,
  action: string,
  resource: string,
): Promise<boolean> {
  if (!policy) return false;
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: LOCAL_ACCOUNT_ID },
        contextVariables: { 'aws:SecureTransport': 'true' },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  return result.resultType !== 'error' && result.overallResult === 'Allowed';
}
