/**
 * The S3 backup store against the local S3 (s3rver with S3's multipart,
 * ACL and encryption rules): what lands is what ElastiCache seeding needs,
 * and a failed upload leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectAclCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { MIN_PART_BYTES, S3BackupStore } from '../../functions/adapters/s3-backup-store';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { backupObjectMetadata, manifestKeyOf, type BackupManifest } from '../../functions/domain/backup/manifest';
import { InvalidBackupError } from '../../functions/domain/errors';
import { s3ClientConfig, startS3, type LocalS3 } from '../../local/s3';

const EC = ELASTICACHE_CANONICAL_IDS.default;
const ACLS = 'backups';
const NO_ACLS = 'backups-no-acls';
let s3: LocalS3;
let client: S3Client;
let store: S3BackupStore;

beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client(s3ClientConfig(s3.endpoint));
  await client.send(new CreateBucketCommand({ Bucket: ACLS, ObjectOwnership: 'BucketOwnerPreferred' }));
  await client.send(new CreateBucketCommand({ Bucket: NO_ACLS }));
  store = new S3BackupStore({ client, partBytes: MIN_PART_BYTES });
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

/** Deterministic bytes, `size` in all, in chunks of `chunk` bytes, made as they are read. */
async function* pseudoRandom(size: number, chunk = 256 * 1024, seed = 7): AsyncGenerator<Uint8Array> {
  let state = seed;
  for (let sent = 0; sent < size; sent += chunk) {
    const length = Math.min(chunk, size - sent);
    const out = Buffer.alloc(Math.ceil(length / 4) * 4);
    for (let i = 0; i < out.length; i += 4) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      out.writeUInt32LE(state, i);
    }
    yield out.subarray(0, length);
  }
}

async function digest(chunks: AsyncIterable<Uint8Array>): Promise<{ sha256: string; bytes: number; largest: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let largest = 0;
  for await (const c of chunks) {
    hash.update(c);
    bytes += c.byteLength;
    largest = Math.max(largest, c.byteLength);
  }
  return { sha256: hash.digest('hex'), bytes, largest };
}

const metadata = backupObjectMetadata({
  cacheId: 'sessions',
  method: 'sync',
  pointInTime: true,
  watermark: new Date('2025-03-01T03:00:00.000Z'),
  startedAt: new Date('2025-03-01T03:00:00.000Z'),
  engine: { name: 'redis', version: '7.2.4' },
});

const manifest: BackupManifest = {
  cacheId: 'sessions',
  method: 'sync',
  pointInTime: true,
  watermark: '2025-03-01T03:00:00.000Z',
  startedAt: '2025-03-01T03:00:00.000Z',
  finishedAt: '2025-03-01T03:00:09.000Z',
  engine: { name: 'redis', version: '7.2.4' },
  rdbVersion: 11,
  keys: 1000,
  keysWithExpiry: 10,
  bytes: 12_000_000,
  verification: { ok: true, verifiedAt: '2025-03-01T03:00:10.000Z' },
};

async function pendingUploads(bucket: string): Promise<number> {
  return (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0;
}

describe('S3BackupStore', () => {
  it('streams a backup of several parts in, encrypted SSE-S3, with its metadata and the read grant, and reads it back byte for byte', async () => {
    const size = 2 * MIN_PART_BYTES + 1_234_567; // three parts
    const location = { bucket: ACLS, key: 'sessions/2025-03-01T03-00-00-000Z-sync.rdb' };

    const result = await store.upload(location, pseudoRandom(size), { metadata, readerCanonicalId: EC });

    expect(result).toEqual({ bytes: size, readGrant: 'granted' });
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    expect(head.ServerSideEncryption).toBe('AES256');
    expect(head.Metadata).toEqual(metadata);
    expect(await store.head(location)).toEqual({ sizeBytes: size, metadata });
    const acl = await client.send(new GetObjectAclCommand({ Bucket: location.bucket, Key: location.key }));
    const grants = acl.Grants?.map((g) => `${g.Grantee?.ID}:${g.Permission}`).sort();
    expect(grants).toEqual([`${EC}:READ`, `${EC}:READ_ACP`, `${s3.accessControl.ownerId}:FULL_CONTROL`].sort());
    const read = await digest(await store.read(location));
    expect(read).toMatchObject({ bytes: size, sha256: (await digest(pseudoRandom(size))).sha256 });
    // Streamed: no chunk is the whole object.
    expect(read.largest).toBeLessThan(size);
    expect(await pendingUploads(ACLS)).toBe(0);
  });

  it('writes a small backup in one request, encrypted and granted the same way', async () => {
    const location = { bucket: ACLS, key: 'sessions/small.rdb' };

    const result = await store.upload(location, pseudoRandom(1000, 100), { metadata, readerCanonicalId: EC });

    expect(result).toEqual({ bytes: 1000, readGrant: 'granted' });
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    expect(head).toMatchObject({ ServerSideEncryption: 'AES256', ContentLength: 1000, Metadata: metadata });
  });

  it('aborts the upload when the body fails after some parts: no object and no pending upload remain, and the body’s error is the one thrown', async () => {
    const location = { bucket: ACLS, key: 'sessions/broken.rdb' };
    const failing = async function* () {
      yield* pseudoRandom(2 * MIN_PART_BYTES + 100);
      throw new Error('the cache closed the connection');
    };

    await expect(store.upload(location, failing(), { metadata, readerCanonicalId: EC })).rejects.toThrow(
      'the cache closed the connection',
    );

    const listed = await client.send(new ListObjectsV2Command({ Bucket: ACLS, Prefix: 'sessions/broken' }));
    expect(listed.Contents ?? []).toEqual([]);
    expect(await pendingUploads(ACLS)).toBe(0);
    expect(await store.head(location)).toBeUndefined();
  });

  it('still writes the backup to a bucket with ACLs disabled, saying the grant was not made', async () => {
    const location = { bucket: NO_ACLS, key: 'sessions/no-acls.rdb' };

    const result = await store.upload(location, pseudoRandom(MIN_PART_BYTES + 10), {
      metadata,
      readerCanonicalId: EC,
    });

    expect(result).toEqual({ bytes: MIN_PART_BYTES + 10, readGrant: 'acls-disabled' });
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    expect(head).toMatchObject({ ServerSideEncryption: 'AES256', ContentLength: MIN_PART_BYTES + 10 });
    expect(await pendingUploads(NO_ACLS)).toBe(0);
  });

  it('asks for no grant when no reader is given', async () => {
    const location = { bucket: ACLS, key: 'sessions/private.rdb' };

    expect(await store.upload(location, pseudoRandom(10, 10), { metadata })).toEqual({ bytes: 10 });

    const acl = await client.send(new GetObjectAclCommand({ Bucket: location.bucket, Key: location.key }));
    expect(acl.Grants?.map((g) => g.Grantee?.ID)).toEqual([s3.accessControl.ownerId]);
  });

  it('reports a missing backup: read is InvalidBackupError, head is undefined', async () => {
    const location = { bucket: ACLS, key: 'sessions/none.rdb' };
    await expect(store.read(location)).rejects.toBeInstanceOf(InvalidBackupError);
    expect(await store.head(location)).toBeUndefined();
  });

  it('writes the manifest beside the backup as JSON, SSE-S3, and reads it back', async () => {
    const location = { bucket: ACLS, key: 'sessions/with-manifest.rdb' };
    expect(await store.readManifest(location)).toBeUndefined();

    await store.writeManifest(location, manifest);

    const head = await client.send(new HeadObjectCommand({ Bucket: ACLS, Key: manifestKeyOf(location.key) }));
    expect(head).toMatchObject({ ContentType: 'application/json', ServerSideEncryption: 'AES256' });
    expect(await store.readManifest(location)).toEqual(manifest);
  });

  it.each([
    ['not JSON', '{"cacheId": "sessions", '],
    ['missing the watermark', JSON.stringify({ ...manifest, watermark: undefined })],
    ['with an unknown method', JSON.stringify({ ...manifest, method: 'rsync' })],
  ])('refuses a manifest %s with InvalidBackupError', async (_what, text) => {
    const location = { bucket: ACLS, key: `sessions/corrupt-${_what.replace(/\W/g, '-')}.rdb` };
    await client.send(
      new PutObjectCommand({
        Bucket: ACLS,
        Key: manifestKeyOf(location.key),
        Body: text,
        ContentType: 'application/json',
      }),
    );

    await expect(store.readManifest(location)).rejects.toThrow(InvalidBackupError);
  });
});
