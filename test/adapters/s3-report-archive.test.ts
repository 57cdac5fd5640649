/** The report archive against the local S3: each rendering under reports/<incident>/, SSE-S3, replaced when drafted again. */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ReportArchive } from '../../functions/adapters/s3-report-archive';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';

const BUCKET = 'reports';
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client(s3ClientConfig(s3.endpoint));
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

const read = async (key: string) => {
  const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: await out.Body!.transformToString(), type: out.ContentType, sse: out.ServerSideEncryption };
};

it('stores each rendering under the incident, encrypted, with its content type; a new draft replaces it', async () => {
  const archive = new S3ReportArchive({ bucket: BUCKET, client });
  const files = [
    { name: 'report.md', contentType: 'text/markdown; charset=utf-8', body: '# first' },
    { name: 'report.html', contentType: 'text/html; charset=utf-8', body: '<!doctype html><p>first</p>' },
  ];
  expect(archive.locationOf('accounts-20240216T212400Z')).toBe('s3://reports/reports/accounts-20240216T212400Z/');
  expect(await archive.storeReport('accounts-20240216T212400Z', files)).toEqual({
    location: 's3://reports/reports/accounts-20240216T212400Z/',
  });
  expect(await read('reports/accounts-20240216T212400Z/report.md')).toEqual({
    body: '# first',
    type: 'text/markdown; charset=utf-8',
    sse: 'AES256',
  });
  expect((await read('reports/accounts-20240216T212400Z/report.html')).type).toBe('text/html; charset=utf-8');
  await archive.storeReport('accounts-20240216T212400Z', [{ ...files[0]!, body: '# second' }]);
  expect((await read('reports/accounts-20240216T212400Z/report.md')).body).toBe('# second');
});

it('fails with the S3 error when the bucket is missing', async () => {
  const archive = new S3ReportArchive({ bucket: 'no-such-bucket', client });
  await expect(
    archive.storeReport('i', [{ name: 'report.md', contentType: 'text/markdown', body: 'x' }]),
  ).rejects.toThrow(/NoSuchBucket|does not exist/);
});
