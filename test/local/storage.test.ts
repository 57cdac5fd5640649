import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  TransactionCanceledException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startDynamoDb } from '../../local/dynamodb';
import type { LocalS3 } from '../../local/s3';
import { s3ClientConfig, startS3 } from '../../local/s3';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

const cli = promisify(execFile);
const cliEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_DEFAULT_REGION: 'us-east-1',
};

async function awsCliAvailable(): Promise<boolean> {
  const available = await cli('aws', ['--version'], { env: cliEnv }).then(
    () => true,
    () => false,
  );
  if (!available) console.warn('skipping AWS CLI check: `aws` is not installed');
  return available;
}

describe('DynamoDB Local', () => {
  let dynamo: LocalService;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    documents = DynamoDBDocumentClient.from(client);
    await client.send(
      new CreateTableCommand({
        TableName: 'incidents',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
  });

  afterAll(async () => {
    client.destroy();
    await dynamo.stop();
  });

  it('runs on a loopback endpoint and lists the created table', async () => {
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['incidents']);
  });

  it('applies TransactWriteItems atomically', async () => {
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'incidents', Item: { pk: 'incident#1', stage: 'detect' } } },
          {
            Put: {
              TableName: 'incidents',
              Item: { pk: 'lock#cache', owner: 'incident#1' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    expect((await documents.send(new GetCommand({ TableName: 'incidents', Key: { pk: 'incident#1' } }))).Item).toEqual({
      pk: 'incident#1',
      stage: 'detect',
    });

    const conflicting = documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'incidents', Item: { pk: 'incident#2', stage: 'detect' } } },
          {
            Put: {
              TableName: 'incidents',
              Item: { pk: 'lock#cache', owner: 'incident#2' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    await expect(conflicting).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(conflicting).rejects.toMatchObject({
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
    expect(
      (await documents.send(new GetCommand({ TableName: 'incidents', Key: { pk: 'incident#2' } }))).Item,
    ).toBeUndefined();
  });

  it('enables TTL', async () => {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: 'incidents',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: 'incidents' }));
    expect(TimeToLiveDescription).toEqual({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('fails a conditional put with ConditionalCheckFailedException', async () => {
    await documents.send(
      new PutCommand({
        TableName: 'incidents',
        Item: { pk: 'once', n: 1 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await expect(
      documents.send(
        new PutCommand({
          TableName: 'incidents',
          Item: { pk: 'once', n: 2 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('answers the AWS CLI', async () => {
    if (!(await awsCliAvailable())) return;
    const { stdout } = await cli(
      'aws',
      [
        '--endpoint-url',
        dynamo.endpoint,
        '--output',
        'json',
        'dynamodb',
        'describe-table',
        '--table-name',
        'incidents',
      ],
      {
        env: cliEnv,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ Table: { TableName: 'incidents', TableStatus: 'ACTIVE' } });
  });
});

describe('DynamoDB Local lifecycle', () => {
  it('stops the Java process idempotently', async () => {
    const dynamo = await startDynamoDb();
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    await client.send(new ListTablesCommand({}));
    await Promise.all([dynamo.stop(), dynamo.stop()]);
    await dynamo.stop();
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow();
    client.destroy();
  });

  it('explains how to install Java when it is missing', async () => {
    const java = path.join(tmpdir(), 'no-such-dir', 'java');
    await expect(startDynamoDb({ java })).rejects.toThrow(
      'DynamoDB Local needs Java 17: apt-get install default-jre-headless',
    );
  });
});

describe('S3 (s3rver)', () => {
  let s3: LocalS3;
  let client: S3Client;
  const bucket = 'snapshots';

  beforeAll(async () => {
    s3 = await startS3();
    client = new S3Client(s3ClientConfig(s3.endpoint));
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    client.destroy();
    await s3.stop();
  });

  const read = async (Key: string, Range?: string): Promise<Buffer> => {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key, Range }));
    return Buffer.from((await Body?.transformToByteArray()) ?? []);
  };

  it('round-trips a Buffer exactly', async () => {
    const bytes = randomBytes(70_000);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dumps/buffer.rdb', Body: bytes }));
    expect((await read('dumps/buffer.rdb')).equals(bytes)).toBe(true);
  });

  it('round-trips a stream without storing aws-chunked framing', async () => {
    const chunks = [randomBytes(40_000), randomBytes(40_000), randomBytes(123)];
    const expected = Buffer.concat(chunks);
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'dumps/stream.rdb',
        Body: Readable.from(chunks),
        ContentLength: expected.length,
      }),
    );
    expect((await read('dumps/stream.rdb')).equals(expected)).toBe(true);
  });

  it('decodes aws-chunked uploads from clients using default checksum settings', async () => {
    const defaults = new S3Client({
      endpoint: s3.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    const chunks = [randomBytes(70_000), randomBytes(5)];
    const expected = Buffer.concat(chunks);
    try {
      await defaults.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'dumps/chunked.rdb',
          Body: Readable.from(chunks),
          ContentLength: expected.length,
        }),
      );
    } finally {
      defaults.destroy();
    }
    const { Body, ContentEncoding, ContentLength } = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'dumps/chunked.rdb' }),
    );
    expect(Buffer.from((await Body?.transformToByteArray()) ?? []).equals(expected)).toBe(true);
    expect(ContentEncoding).toBeUndefined();
    expect(ContentLength).toBe(expected.length);
  });

  it('lists objects by prefix with ListObjectsV2', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/readme.txt', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dumps/listed.rdb', Body: 'y' }));
    const { Contents, KeyCount } = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dumps/' }));
    const keys = Contents?.map((object) => object.Key) ?? [];
    expect(keys).toContain('dumps/listed.rdb');
    expect(keys.every((key) => key?.startsWith('dumps/'))).toBe(true);
    expect(KeyCount).toBe(keys.length);
  });

  it('serves byte ranges', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'range.txt', Body: Buffer.from('0123456789') }));
    const { Body, ContentRange } = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: 'bytes=2-5' }),
    );
    expect(Buffer.from((await Body?.transformToByteArray()) ?? []).toString()).toBe('2345');
    expect(ContentRange).toBe('bytes 2-5/10');
  });

  it('accepts uploads from the AWS CLI byte for byte', async () => {
    if (!(await awsCliAvailable())) return;
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-upload-'));
    try {
      const bytes = randomBytes(200_000);
      await writeFile(path.join(dir, 'dump.rdb'), bytes);
      await cli(
        'aws',
        ['--endpoint-url', s3.endpoint, 's3', 'cp', path.join(dir, 'dump.rdb'), `s3://${bucket}/cli/dump.rdb`],
        { env: cliEnv },
      );
      expect((await read('cli/dump.rdb')).equals(bytes)).toBe(true);
      await cli(
        'aws',
        [
          '--endpoint-url',
          s3.endpoint,
          's3api',
          'get-object',
          '--bucket',
          bucket,
          '--key',
          'cli/dump.rdb',
          path.join(dir, 'back.rdb'),
        ],
        {
          env: cliEnv,
        },
      );
      expect((await readFile(path.join(dir, 'back.rdb'))).equals(bytes)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('S3 lifecycle', () => {
  it('removes its temporary directory on stop, idempotently', async () => {
    const s3 = await startS3();
    expect(existsSync(s3.directory)).toBe(true);
    await Promise.all([s3.stop(), s3.stop()]);
    expect(existsSync(s3.directory)).toBe(false);
  });

  it('keeps a directory it was given', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'given-s3-'));
    try {
      const s3 = await startS3({ directory });
      const client = new S3Client(s3ClientConfig(s3.endpoint));
      await client.send(new CreateBucketCommand({ Bucket: 'kept' }));
      client.destroy();
      await s3.stop();
      expect(existsSync(path.join(directory, 'kept'))).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
