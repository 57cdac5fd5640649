/**
 * Creates a bucket as the template declares it: its object ownership (whether
 * ACLs are enabled) and its default encryption, which decide whether ElastiCache
 * can be granted read on a backup and which encryption the backups get.
 */
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  type ObjectOwnership,
  type S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';

interface DeclaredBucket {
  OwnershipControls?: { Rules?: { ObjectOwnership?: string }[] };
  BucketEncryption?: {
    ServerSideEncryptionConfiguration?: {
      ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown };
    }[];
  };
}

export async function createDeclaredBucket(
  s3: S3Client,
  name: string,
  properties: Record<string, unknown>,
): Promise<void> {
  const declared = properties as DeclaredBucket;
  const ownership = declared.OwnershipControls?.Rules?.[0]?.ObjectOwnership as ObjectOwnership | undefined;
  await s3.send(new CreateBucketCommand({ Bucket: name, ...(ownership ? { ObjectOwnership: ownership } : {}) }));
  const byDefault = declared.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
  if (byDefault?.SSEAlgorithm) {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: byDefault.SSEAlgorithm as ServerSideEncryption,
                ...(typeof byDefault.KMSMasterKeyID === 'string' ? { KMSMasterKeyID: byDefault.KMSMasterKeyID } : {}),
              },
            },
          ],
        },
      }),
    );
  }
}
