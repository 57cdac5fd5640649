/**
 * The local ElastiCache's manual snapshots and their export to S3 keep AWS's rules (ElastiCache API
 * Reference: CreateSnapshot, DescribeSnapshots, CopySnapshot and its error messages, DeleteSnapshot;
 * User Guide, "Exporting a backup"), and the local IAM evaluates them as the ElastiCache API permissions
 * reference lists them.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  HeadObjectCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { startElastiCache, type LocalElastiCache } from '../../local/elasticache';
import { IamGate, type IamPolicySet } from '../../local/iam/gate';
import { iamCalls } from '../../local/iam/requests';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const EC = `id="${ELASTICACHE_CANONICAL_IDS.default}"`;
const OPT_IN = 'ap-east-1';
let workDir: string;
let localS3: LocalS3;
let s3: S3Client;
let elastiCache: LocalElastiCache;
const clients: Record<string, ElastiCacheClient> = {};

function ec(region = LOCAL_REGION): ElastiCacheClient {
  return (clients[region] ??= new ElastiCacheClient({
    endpoint: elastiCache.endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
  }));
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('expected the call to fail');
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error('condition not met in time');
}

async function group(id: string, region = LOCAL_REGION): Promise<void> {
  await ec(region).send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'snapshots',
      CacheNodeType: 'cache.t3.micro',
      Engine: 'redis',
    }),
  );
  await until(async () => {
    const { ReplicationGroups } = await ec(region).send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    return ReplicationGroups?.[0]?.Status === 'available' ? true : undefined;
  });
}

async function availableSnapshot(groupId: string, name: string, region = LOCAL_REGION): Promise<Snapshot> {
  await ec(region).send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name }));
  return until(async () => {
    const { Snapshots } = await ec(region).send(new DescribeSnapshotsCommand({ SnapshotName: name }));
    return Snapshots?.[0]?.SnapshotStatus === 'available' ? Snapshots[0] : undefined;
  });
}

function exportTo(bucket: string, target: string, source = 'base', region = LOCAL_REGION) {
  return ec(region).send(
    new CopySnapshotCommand({ SourceSnapshotName: source, TargetSnapshotName: target, TargetBucket: bucket }),
  );
}

async function bucket(name: string, grants: { read?: boolean; write?: boolean; readAcp?: boolean }): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectOwnership: 'BucketOwnerPreferred' }));
  const owner = `id="${localS3.accessControl.ownerId}"`;
  await s3.send(
    new PutBucketAclCommand({
      Bucket: name,
      GrantFullControl: owner,
      ...(grants.read ? { GrantRead: EC } : {}),
      ...(grants.write ? { GrantWrite: EC } : {}),
      ...(grants.readAcp ? { GrantReadACP: EC } : {}),
    }),
  );
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ec-snapshots-'));
  localS3 = await startS3({ directory: path.join(workDir, 's3') });
  s3 = new S3Client(s3ClientConfig(localS3.endpoint));
  elastiCache = await startElastiCache({ s3: s3ClientConfig(localS3.endpoint), transitEncryption: 'plaintext' });
  await group('source');
  await availableSnapshot('source', 'base');
});

afterAll(async () => {
  for (const c of Object.values(clients)) c.destroy();
  s3?.destroy();
  await elastiCache?.stop();
  await localS3?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

describe('CreateSnapshot, DescribeSnapshots, DeleteSnapshot', () => {
  it('describes an available manual snapshot with the node group and the time its data set was taken', async () => {
    const { Snapshots } = await ec().send(new DescribeSnapshotsCommand({ SnapshotName: 'base' }));
    expect(Snapshots?.[0]).toMatchObject({
      SnapshotName: 'base',
      ReplicationGroupId: 'source',
      SnapshotStatus: 'available',
      SnapshotSource: 'manual',
      Engine: 'redis',
      ARN: `arn:aws:elasticache:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:snapshot:base`,
    });
    expect(Snapshots?.[0]?.NodeSnapshots?.[0]?.NodeGroupId).toBe('0001');
    expect(Snapshots?.[0]?.NodeSnapshots?.[0]?.SnapshotCreateTime).toBeInstanceOf(Date);
  });

  it("refuses an unknown group, a name taken, an unknown snapshot, with AWS's errors", async () => {
    expect(
      (await failure(ec().send(new CreateSnapshotCommand({ ReplicationGroupId: 'nope', SnapshotName: 's' })))).name,
    ).toBe('ReplicationGroupNotFoundFault');
    expect(
      (await failure(ec().send(new CreateSnapshotCommand({ ReplicationGroupId: 'source', SnapshotName: 'base' }))))
        .name,
    ).toBe('SnapshotAlreadyExistsFault');
    expect((await failure(ec().send(new DescribeSnapshotsCommand({ SnapshotName: 'nope' })))).name).toBe(
      'SnapshotNotFoundFault',
    );
    expect((await failure(ec().send(new DeleteSnapshotCommand({ SnapshotName: 'nope' })))).name).toBe(
      'SnapshotNotFoundFault',
    );
    expect((await failure(exportTo('any-bucket', 't', 'nope'))).name).toBe('SnapshotNotFoundFault');
  });

  it('deletes a snapshot: it is gone afterwards', async () => {
    await availableSnapshot('source', 'to-delete');
    const { Snapshot: deleted } = await ec().send(new DeleteSnapshotCommand({ SnapshotName: 'to-delete' }));
    expect(deleted?.SnapshotStatus).toBe('deleting');
    await until(() =>
      ec()
        .send(new DescribeSnapshotsCommand({ SnapshotName: 'to-delete' }))
        .then(
          () => undefined,
          (err: Error) => (err.name === 'SnapshotNotFoundFault' ? true : undefined),
        ),
    );
  });
});

describe('CopySnapshot to S3', () => {
  it('writes <TargetSnapshotName>-0001.rdb, the source snapshot copying then available again', async () => {
    await bucket('granted', { read: true, write: true, readAcp: true });
    const { Snapshot: copying } = await exportTo('granted', 'weekly');
    expect(copying?.SnapshotStatus).toBe('copying');
    await until(async () => {
      const { Snapshots } = await ec().send(new DescribeSnapshotsCommand({ SnapshotName: 'base' }));
      return Snapshots?.[0]?.SnapshotStatus === 'available' ? true : undefined;
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'granted', Key: 'weekly-0001.rdb' }));
    expect(head.ServerSideEncryption).toBe('AES256');
    expect(head.ContentLength).toBeGreaterThan(9);

    expect(await failure(exportTo('granted', 'weekly'))).toEqual({
      name: 'InvalidParameterValueException',
      message: 'The S3 bucket granted already contains an object with key weekly-0001.rdb.',
    });
  });

  it('refuses a bucket that does not exist or lives in another Region', async () => {
    expect((await failure(exportTo('missing-bucket', 't'))).message).toBe(
      'The S3 bucket missing-bucket does not exist.',
    );
    await s3.send(
      new CreateBucketCommand({ Bucket: 'in-ireland', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'in-ireland' }))).LocationConstraint).toBe(
      'eu-west-1',
    );
    expect((await failure(exportTo('in-ireland', 't'))).message).toBe(
      'The S3 bucket in-ireland is outside of the region.',
    );
  });

  it.each([
    ['READ', { write: true, readAcp: true }],
    ['WRITE', { read: true, readAcp: true }],
    ['READ_ACP', { read: true, write: true }],
  ])('refuses a bucket whose ACL does not grant ElastiCache %s', async (permission, grants) => {
    const name = `lacks-${permission.toLowerCase().replace('_', '-')}`;
    await bucket(name, grants);
    expect(await failure(exportTo(name, 't'))).toEqual({
      name: 'InvalidParameterValueException',
      message: `ElastiCache has not been granted ${permission} permissions ${name} on the S3 Bucket.`,
    });
  });

  it('refuses a bucket with ACLs disabled: its ACL cannot grant ElastiCache anything', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acls-disabled' }));
    expect((await failure(s3.send(new PutBucketAclCommand({ Bucket: 'acls-disabled', GrantWrite: EC })))).name).toBe(
      'AccessControlListNotSupported',
    );
    expect((await failure(exportTo('acls-disabled', 't'))).message).toContain('has not been granted READ');
  });

  it("in an opt-in Region, needs the bucket policy to allow the Region's elasticache-snapshot principal", async () => {
    await group('far', OPT_IN);
    await availableSnapshot('far', 'far-base', OPT_IN);
    await s3.send(
      new CreateBucketCommand({ Bucket: 'hong-kong', CreateBucketConfiguration: { LocationConstraint: OPT_IN } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'hong-kong', Key: 'keep.txt', Body: 'x' }));
    const policy = (actions: string[]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: `${OPT_IN}.elasticache-snapshot.amazonaws.com` },
            Action: actions,
            Resource: ['arn:aws:s3:::hong-kong', 'arn:aws:s3:::hong-kong/*'],
          },
        ],
      });
    const all = [
      's3:PutObject',
      's3:GetObject',
      's3:ListBucket',
      's3:GetBucketAcl',
      's3:ListMultipartUploadParts',
      's3:ListBucketMultipartUploads',
    ];
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: 'hong-kong', Policy: policy(all.filter((a) => a !== 's3:GetBucketAcl')) }),
    );
    expect((await failure(exportTo('hong-kong', 'far', 'far-base', OPT_IN))).message).toBe(
      'ElastiCache has not been granted READ_ACP permissions hong-kong on the S3 Bucket.',
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'hong-kong', Policy: policy(all) }));
    await exportTo('hong-kong', 'far', 'far-base', OPT_IN);
    await until(() =>
      s3.send(new HeadObjectCommand({ Bucket: 'hong-kong', Key: 'far-0001.rdb' })).then(
        () => true,
        () => undefined,
      ),
    );
  });
});

describe('IAM for the snapshot calls', () => {
  const arn = (type: string, id: string) => `arn:aws:elasticache:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${type}:${id}`;
  const context = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
  const request = (action: string, params: Record<string, string>) =>
    iamCalls(
      { service: 'elasticache', action, body: new URLSearchParams({ Action: action, ...params }).toString() },
      context,
    );

  it('maps each call to the actions and resources the permissions reference lists', () => {
    expect(request('CreateSnapshot', { ReplicationGroupId: 'orders', SnapshotName: 'snap' })).toEqual([
      { action: 'elasticache:CreateSnapshot', resource: arn('replicationgroup', 'orders') },
      { action: 'elasticache:CreateSnapshot', resource: arn('snapshot', 'snap') },
    ]);
    expect(request('DescribeSnapshots', { SnapshotName: 'snap' })).toEqual([
      { action: 'elasticache:DescribeSnapshots', resource: arn('snapshot', 'snap') },
    ]);
    expect(request('DeleteSnapshot', { SnapshotName: 'snap' })).toEqual([
      { action: 'elasticache:DeleteSnapshot', resource: arn('snapshot', 'snap') },
    ]);
    expect(
      request('CopySnapshot', { SourceSnapshotName: 'snap', TargetSnapshotName: 'x', TargetBucket: 'backups' }),
    ).toEqual([
      { action: 'elasticache:CopySnapshot', resource: arn('snapshot', 'snap') },
      { action: 's3:GetBucketLocation', resource: 'arn:aws:s3:::backups' },
      { action: 's3:ListAllMyBuckets', resource: '*' },
    ]);
  });

  it('lets a role with the export statements export, and refuses one without s3:GetBucketLocation', async () => {
    const statements = (bucketActions: string[]) => [
      {
        Effect: 'Allow',
        Action: ['elasticache:CreateSnapshot'],
        Resource: [arn('replicationgroup', 'orders'), arn('snapshot', 'cache-outage-export-*')],
      },
      {
        Effect: 'Allow',
        Action: ['elasticache:DescribeSnapshots', 'elasticache:CopySnapshot', 'elasticache:DeleteSnapshot'],
        Resource: arn('snapshot', 'cache-outage-export-*'),
      },
      ...(bucketActions.length ? [{ Effect: 'Allow', Action: bucketActions, Resource: 'arn:aws:s3:::backups' }] : []),
      { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    ];
    const gateWith = (bucketActions: string[]) => {
      const set: IamPolicySet = {
        roles: {
          BackupRole: {
            logicalId: 'BackupRole',
            name: 'backup-role',
            arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/backup-role`,
            policies: [{ name: 'backup', policy: { Version: '2012-10-17', Statement: statements(bucketActions) } }],
          },
        },
        functions: { BackupLambdaFunction: { role: 'BackupRole', name: 'backup' } },
        stateMachines: {},
        bucketPolicies: {},
      };
      return new IamGate({
        accountId: LOCAL_ACCOUNT_ID,
        region: LOCAL_REGION,
        principals: {},
        policies: async () => set,
      });
    };
    const principal = { kind: 'function' as const, logicalId: 'BackupLambdaFunction' };
    const calls = [
      request('CreateSnapshot', { ReplicationGroupId: 'orders', SnapshotName: 'cache-outage-export-orders-1' }),
      request('DescribeSnapshots', { SnapshotName: 'cache-outage-export-orders-1' }),
      request('CopySnapshot', {
        SourceSnapshotName: 'cache-outage-export-orders-1',
        TargetSnapshotName: 'orders/x',
        TargetBucket: 'backups',
      }),
      request('DeleteSnapshot', { SnapshotName: 'cache-outage-export-orders-1' }),
    ];
    const allowed = gateWith(['s3:GetBucketLocation']);
    for (const c of calls) expect(await allowed.authorize(principal, 'elasticache', c, 'x')).toBeUndefined();

    const refused = await gateWith([]).authorize(principal, 'elasticache', calls[2], 'elasticache:CopySnapshot');
    expect(refused?.code).toBe('AccessDenied');
    expect(refused?.message).toContain('s3:GetBucketLocation');
    expect(
      await gateWith(['s3:GetBucketLocation']).authorize(
        principal,
        'elasticache',
        request('CreateSnapshot', { ReplicationGroupId: 'other', SnapshotName: 'cache-outage-export-other-1' }),
        'x',
      ),
    ).toMatchObject({ code: 'AccessDenied' });
  });
});
