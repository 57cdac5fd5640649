/**
 * The local S3 keeps what S3 keeps about access and encryption, and refuses
 * what S3 refuses (Amazon S3 User Guide: "Controlling ownership of objects and
 * disabling ACLs for your bucket", "Setting default server-side encryption
 * behavior for Amazon S3 buckets"; API Reference: GetBucketPolicy,
 * PutObjectAcl).
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetObjectAclCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3BackupCatalog } from '../../functions/adapters/s3-backup-catalog';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { CacheProvisioningFailedError } from '../../functions/domain/errors';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';

const EC = ELASTICACHE_CANONICAL_IDS.default;
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client(s3ClientConfig(s3.endpoint));
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the request to fail');
}

describe('object ownership and ACLs', () => {
  it('creates buckets with ACLs disabled unless asked otherwise, and refuses ACL writes there with AccessControlListNotSupported', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'enforced' }));
    const controls = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'enforced' }));
    expect(controls.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    await client.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'a.rdb', Body: 'REDIS0011' }));

    expect(
      await failure(
        client.send(new PutObjectAclCommand({ Bucket: 'enforced', Key: 'a.rdb', GrantRead: `id="${EC}"` })),
      ),
    ).toMatchObject({
      name: 'AccessControlListNotSupported',
      status: 400,
    });
    expect(
      await failure(
        client.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'b.rdb', Body: 'x', GrantRead: `id="${EC}"` })),
      ),
    ).toMatchObject({ name: 'AccessControlListNotSupported', status: 400 });
    // bucket-owner-full-control is the one ACL such a bucket accepts; reading ACLs still works.
    await client.send(
      new PutObjectCommand({ Bucket: 'enforced', Key: 'c.rdb', Body: 'x', ACL: 'bucket-owner-full-control' }),
    );
    const acl = await client.send(new GetObjectAclCommand({ Bucket: 'enforced', Key: 'a.rdb' }));
    expect(acl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: acl.Owner?.ID }, Permission: 'FULL_CONTROL' }]);
  });

  it('keeps object grants on a bucket with ACLs enabled, from PutObject headers and from PutObjectAcl', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'preferred', ObjectOwnership: 'BucketOwnerPreferred' }));
    await client.send(new PutObjectCommand({ Bucket: 'preferred', Key: 'a.rdb', Body: 'x', GrantRead: `id="${EC}"` }));
    const first = await client.send(new GetObjectAclCommand({ Bucket: 'preferred', Key: 'a.rdb' }));
    expect(first.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: EC }, Permission: 'READ' }]);

    await client.send(
      new PutObjectAclCommand({
        Bucket: 'preferred',
        Key: 'a.rdb',
        GrantFullControl: `id="${s3.accessControl.ownerId}"`,
        GrantReadACP: `id="${EC}"`,
      }),
    );
    const second = await client.send(new GetObjectAclCommand({ Bucket: 'preferred', Key: 'a.rdb' }));
    expect(second.Grants?.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([
      [s3.accessControl.ownerId, 'FULL_CONTROL'],
      [EC, 'READ_ACP'],
    ]);
  });

  it('switches a bucket to ACLs disabled with PutBucketOwnershipControls', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'switched', ObjectOwnership: 'ObjectWriter' }));
    await client.send(new PutObjectCommand({ Bucket: 'switched', Key: 'a.rdb', Body: 'x' }));
    await client.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: 'switched',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
    expect(
      await failure(client.send(new PutObjectAclCommand({ Bucket: 'switched', Key: 'a.rdb', ACL: 'public-read' }))),
    ).toMatchObject({
      name: 'AccessControlListNotSupported',
    });
  });
});

describe('bucket policies', () => {
  it('stores, returns and deletes a policy; a bucket without one answers NoSuchBucketPolicy', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'with-policy' }));
    expect(await failure(client.send(new GetBucketPolicyCommand({ Bucket: 'with-policy' })))).toMatchObject({
      name: 'NoSuchBucketPolicy',
      status: 404,
    });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'ap-east-1.elasticache-snapshot.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::with-policy/*',
        },
      ],
    });
    await client.send(new PutBucketPolicyCommand({ Bucket: 'with-policy', Policy: policy }));
    expect(JSON.parse((await client.send(new GetBucketPolicyCommand({ Bucket: 'with-policy' }))).Policy ?? '')).toEqual(
      JSON.parse(policy),
    );
    await client.send(new DeleteBucketPolicyCommand({ Bucket: 'with-policy' }));
    expect(await failure(client.send(new GetBucketPolicyCommand({ Bucket: 'with-policy' })))).toMatchObject({
      name: 'NoSuchBucketPolicy',
    });
    expect(
      await failure(client.send(new PutBucketPolicyCommand({ Bucket: 'with-policy', Policy: 'not json' }))),
    ).toMatchObject({ name: 'MalformedPolicy', status: 400 });
  });
});

describe('server-side encryption', () => {
  it('encrypts new objects with SSE-S3 by default, or as the request or the bucket default says', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'encrypted' }));
    await client.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'default.rdb', Body: 'x' }));
    await client.send(
      new PutObjectCommand({
        Bucket: 'encrypted',
        Key: 'kms.rdb',
        Body: 'x',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/backups',
      }),
    );
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: 'encrypted',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/default' } }],
        },
      }),
    );
    await client.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'bucket-default.rdb', Body: 'x' }));

    const head = (Key: string) => client.send(new HeadObjectCommand({ Bucket: 'encrypted', Key }));
    expect((await head('default.rdb')).ServerSideEncryption).toBe('AES256');
    expect(await head('kms.rdb')).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/backups' });
    expect(await head('bucket-default.rdb')).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/default',
    });
  });
});

describe('S3BackupCatalog.grantRead on the local S3', () => {
  const catalog = () => new S3BackupCatalog({ client });

  it('adds READ and READ_ACP for ElastiCache, keeps the grants the object had, and does it once', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'external-backups', ObjectOwnership: 'BucketOwnerPreferred' }));
    await client.send(
      new PutObjectCommand({
        Bucket: 'external-backups',
        Key: 'c/1.rdb',
        Body: 'REDIS0011',
        GrantFullControl: `id="${s3.accessControl.ownerId}"`,
        GrantRead: 'id="another-reader"',
      }),
    );

    expect(await catalog().grantRead('external-backups', 'c/1.rdb', EC)).toEqual({ alreadyGranted: false });
    expect(await catalog().grantRead('external-backups', 'c/1.rdb', EC)).toEqual({ alreadyGranted: true });

    const acl = await client.send(new GetObjectAclCommand({ Bucket: 'external-backups', Key: 'c/1.rdb' }));
    expect(acl.Grants?.map((g) => `${g.Grantee?.ID} ${g.Permission}`).sort()).toEqual(
      [`${s3.accessControl.ownerId} FULL_CONTROL`, 'another-reader READ', `${EC} READ`, `${EC} READ_ACP`].sort(),
    );
  });

  it("reports a bucket with ACLs disabled as a provisioning failure that names S3's refusal", async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'no-acls' }));
    await client.send(new PutObjectCommand({ Bucket: 'no-acls', Key: 'c/1.rdb', Body: 'REDIS0011' }));

    const refused = catalog().grantRead('no-acls', 'c/1.rdb', EC);
    await expect(refused).rejects.toBeInstanceOf(CacheProvisioningFailedError);
    await expect(refused).rejects.toThrow(/AccessControlListNotSupported/);
  });
});
