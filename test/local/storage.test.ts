import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
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

const TABLE = 'incidents';

/** Command lines of running dynalite processes started on `port` (Linux /proc; undefined elsewhere). */
function dynaliteProcessesOnPort(port: string): string[] | undefined {
  if (!existsSync('/proc/self/cmdline')) return undefined;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(path.join('/proc', pid, 'cmdline'), 'utf8').split('\0');
      } catch {
        return [];
      }
    })
    .filter((argv) => argv.some((arg) => arg.endsWith(path.join('dynalite', 'cli.js'))))
    .filter((argv) => argv[argv.indexOf('--port') + 1] === port)
    .map((argv) => argv.join(' '));
}

/** Resolves to the socket error code, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('DynamoDB (dynalite)', () => {
  let dynamo: LocalService;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    documents = DynamoDBDocumentClient.from(client);
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    client.destroy();
    await dynamo.stop();
  });

  it('runs on a loopback endpoint and lists the created table', async () => {
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([TABLE]);
  });

  it('listens on 127.0.0.1 only', async () => {
    const port = Number(new URL(dynamo.endpoint).port);
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
    const other = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
    if (other === undefined) {
      console.warn('skipping the other-interface check: no non-loopback IPv4 address');
      return;
    }
    expect(await tryConnect(other.address, port)).toBe('ECONNREFUSED');
  });

  it('lets only the owning execution re-put a lock guarded by `attribute_not_exists(pk) OR executionArn = :self`', async () => {
    const lock = (executionArn: string, openedAt: string) =>
      documents.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: 'CACHE#orders', sk: 'OPEN', executionArn, openedAt },
          ConditionExpression: 'attribute_not_exists(pk) OR executionArn = :self',
          ExpressionAttributeValues: { ':self': executionArn },
        }),
      );
    await lock('arn:exec:first', '2024-01-01T00:00:00.000Z');
    await lock('arn:exec:first', '2024-01-01T00:00:05.000Z');
    await expect(lock('arn:exec:second', '2024-01-01T00:00:09.000Z')).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    const { Item } = await documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'CACHE#orders', sk: 'OPEN' } }),
    );
    expect(Item).toEqual({
      pk: 'CACHE#orders',
      sk: 'OPEN',
      executionArn: 'arn:exec:first',
      openedAt: '2024-01-01T00:00:05.000Z',
    });
  });

  it("orders an incident's FAILED / OPEN writes by workflow attempt with the store's real conditions", async () => {
    const store = new DynamoDbIncidentStore({ tableName: TABLE, client: documents, clock: { now: () => new Date() } });
    await documents.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'INCIDENT#orders-1', sk: 'META', incidentId: 'orders-1', cacheId: 'orders', status: 'OPEN' },
      }),
    );
    const steps = [
      await store.markAttempt('orders-1', {
        status: 'FAILED',
        attempt: 0,
        fields: { failedAt: 't0', error: { error: 'E', cause: 'c' } },
      }),
      await store.markAttempt('orders-1', { status: 'OPEN', attempt: 1 }), // the redrive reopens it
      await store.markAttempt('orders-1', { status: 'FAILED', attempt: 0 }), // a late duplicate of the first failure
      await store.markAttempt('orders-1', { status: 'OPEN', attempt: 1 }), // the redrive's own event, again
      await store.markAttempt('orders-1', { status: 'FAILED', attempt: 1 }), // the redriven attempt fails
      await store.markAttempt('orders-1', { status: 'OPEN', attempt: 1 }), // its RUNNING event, late
    ];
    expect(steps).toEqual([true, true, false, false, true, false]);
    expect(await store.getIncident('orders-1')).toMatchObject({
      status: 'FAILED',
      attempt: 1,
      failedAt: 't0',
      error: { error: 'E' },
    });
    await store.updateIncident('orders-1', { status: 'RESOLVED' });
    expect(await store.markAttempt('orders-1', { status: 'FAILED', attempt: 2 })).toBe(false);
    expect(await store.markAttempt('nope', { status: 'FAILED', attempt: 0 })).toBe(false);
    expect((await store.getIncident('orders-1'))?.status).toBe('RESOLVED');
  });

  it('applies UpdateItem SET and REMOVE together and returns the new item', async () => {
    const Key = { pk: 'INCIDENT#u1', sk: 'META' };
    await documents.send(
      new PutCommand({ TableName: TABLE, Item: { ...Key, status: 'OPEN', error: 'boom', outageSeconds: 3 } }),
    );
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key,
        UpdateExpression:
          'SET #status = :resolved, resolvedAt = :at, outageSeconds = outageSeconds + :more REMOVE #error',
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ':resolved': 'RESOLVED',
          ':open': 'OPEN',
          ':at': '2024-01-01T01:00:00Z',
          ':more': 4,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const expected = { ...Key, status: 'RESOLVED', resolvedAt: '2024-01-01T01:00:00Z', outageSeconds: 7 };
    expect(Attributes).toEqual(expected);
    expect((await documents.send(new GetCommand({ TableName: TABLE, Key }))).Item).toEqual(expected);
  });

  it('queries the gsi1 index newest first', async () => {
    for (const [id, openedAt] of [
      ['g1', '2024-02-01T00:00:00Z'],
      ['g3', '2024-02-03T00:00:00Z'],
      ['g2', '2024-02-02T00:00:00Z'],
    ] as const) {
      await documents.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: `INCIDENT#${id}`, sk: 'META', incidentId: id, gsi1pk: 'INCIDENT', gsi1sk: openedAt },
        }),
      );
    }
    const { Items } = await documents.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :incident AND gsi1sk >= :since',
        ExpressionAttributeValues: { ':incident': 'INCIDENT', ':since': '2024-02-02' },
        ScanIndexForward: false,
      }),
    );
    expect(Items?.map((item) => item.incidentId as string)).toEqual(['g3', 'g2']);
  });

  it('writes 25 items with one BatchWriteItem', async () => {
    const sks = Array.from({ length: 25 }, (_, i) => `EVENT#${String(i).padStart(2, '0')}`);
    const { UnprocessedItems } = await documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: sks.map((sk) => ({ PutRequest: { Item: { pk: 'INCIDENT#batch', sk, type: 'note' } } })),
        },
      }),
    );
    expect(UnprocessedItems ?? {}).toEqual({});
    const { Items } = await documents.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'INCIDENT#batch' },
      }),
    );
    expect(Items?.map((item) => item.sk as string)).toEqual(sks);
  });

  it('splits a filtered Scan across parallel segments without losing or repeating items', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `KEY#${String(i).padStart(2, '0')}`);
    for (const [i, pk] of keys.entries()) {
      await documents.send(
        new PutCommand({ TableName: TABLE, Item: { pk, sk: 'SOT', kind: i % 2 === 0 ? 'customization' : 'flag' } }),
      );
    }
    const totalSegments = 4;
    const segments = await Promise.all(
      Array.from({ length: totalSegments }, async (_, segment) => {
        const found: string[] = [];
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await documents.send(
            new ScanCommand({
              TableName: TABLE,
              Segment: segment,
              TotalSegments: totalSegments,
              FilterExpression: 'kind = :kind AND begins_with(pk, :prefix)',
              ExpressionAttributeValues: { ':kind': 'customization', ':prefix': 'KEY#' },
              Limit: 7,
              ExclusiveStartKey,
            }),
          );
          found.push(...(page.Items ?? []).map((item) => item.pk as string));
          ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey !== undefined);
        return found;
      }),
    );
    const all = segments.flat();
    expect(all.slice().sort()).toEqual(keys.filter((_, i) => i % 2 === 0));
    expect(segments.filter((found) => found.length > 0).length).toBeGreaterThan(1);
  });

  it('answers the AWS CLI', async () => {
    if (!(await awsCliAvailable())) return;
    const { stdout } = await cli(
      'aws',
      ['--endpoint-url', dynamo.endpoint, '--output', 'json', 'dynamodb', 'list-tables'],
      { env: cliEnv },
    );
    expect(JSON.parse(stdout)).toEqual({ TableNames: [TABLE] });
  });
});

describe('DynamoDB (dynalite) lifecycle', () => {
  it('stops the child process idempotently', async () => {
    const dynamo = await startDynamoDb();
    const port = new URL(dynamo.endpoint).port;
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    await client.send(new ListTablesCommand({}));
    expect(dynaliteProcessesOnPort(port) ?? ['skipped']).toHaveLength(1);
    await Promise.all([dynamo.stop(), dynamo.stop()]);
    await dynamo.stop();
    expect(dynaliteProcessesOnPort(port) ?? []).toEqual([]);
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow();
    client.destroy();
  });

  it('reports the child error when the requested port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(startDynamoDb({ port })).rejects.toThrow(
        /dynalite exited with code \d+\. stderr:\n[\s\S]*EADDRINUSE/,
      );
      expect(dynaliteProcessesOnPort(String(port)) ?? []).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
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
