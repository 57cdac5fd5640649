import 'aws-sdk-client-mock-jest';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3BackupCatalog } from '../../functions/adapters/s3-backup-catalog';
import { InvalidBackupError, TransientDependencyError } from '../../functions/domain/errors';
import { sdkError, serverError } from './aws-errors';

const s3 = mockClient(S3Client);
const catalog = () => new S3BackupCatalog({ client: s3 as unknown as S3Client });

function body(bytes: Uint8Array) {
  return { transformToByteArray: async () => bytes } as never;
}

afterEach(() => s3.reset());

describe('S3BackupCatalog', () => {
  it('lists RDB backups of every page, newest first', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'next',
        Contents: [
          { Key: 'sessions/2025-02-28.rdb', LastModified: new Date('2025-02-28T03:00:00Z'), Size: 100 },
          { Key: 'sessions/notes.txt', LastModified: new Date('2025-03-01T04:00:00Z'), Size: 5 },
        ],
      })
      .resolvesOnce({
        IsTruncated: false,
        Contents: [{ Key: 'sessions/2025-03-01.RDB', LastModified: new Date('2025-03-01T03:00:00Z'), Size: 120 }],
      });

    // Act
    const backups = await catalog().list('backups', 'sessions/');

    // Assess
    expect(backups).toEqual([
      { bucket: 'backups', key: 'sessions/2025-03-01.RDB', lastModified: '2025-03-01T03:00:00.000Z', sizeBytes: 120 },
      { bucket: 'backups', key: 'sessions/2025-02-28.rdb', lastModified: '2025-02-28T03:00:00.000Z', sizeBytes: 100 },
    ]);
    expect(s3).toHaveReceivedNthSpecificCommandWith(1, ListObjectsV2Command, {
      Bucket: 'backups',
      Prefix: 'sessions/',
    });
    expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListObjectsV2Command, { ContinuationToken: 'next' });
  });

  it('reads only the requested first bytes', async () => {
    // Prepare
    s3.on(GetObjectCommand).resolves({ Body: body(Buffer.from('REDIS0011')) });

    // Act
    const header = await catalog().readHeader('backups', 'sessions/2025-03-01.rdb', 9);

    // Assess
    expect(Buffer.from(header).toString('latin1')).toBe('REDIS0011');
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'backups',
      Key: 'sessions/2025-03-01.rdb',
      Range: 'bytes=0-8',
    });
  });

  it('returns no bytes for an empty object', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(sdkError('InvalidRange', { $metadata: { httpStatusCode: 416 } }));

    // Act
    const header = await catalog().readHeader('backups', 'empty.rdb', 9);

    // Assess
    expect(header).toHaveLength(0);
  });

  it('reports a missing object as an invalid backup', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));

    // Act
    const attempt = catalog().readHeader('backups', 'gone.rdb', 9);

    // Assess
    await expect(attempt).rejects.toThrow(InvalidBackupError);
  });

  it('reports a 5xx while listing as transient', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).rejects(serverError());

    // Act
    const attempt = catalog().list('backups', '');

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });
});
