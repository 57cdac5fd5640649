/**
 * How ElastiCache is allowed to read an RDB backup it seeds a replacement from.
 *
 * AWS, "Tutorial: Seeding a new node-based cluster with an externally created
 * backup", step "Grant ElastiCache read access to the .rdb file"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-seeding-redis.html):
 * - in a Region enabled by default (introduced before March 20, 2019), the
 *   object's ACL grants the Region's ElastiCache canonical user read on the
 *   object and on its ACL, so the bucket must have ACLs enabled;
 * - in an opt-in Region, the bucket policy allows the service principal
 *   `<region>.elasticache-snapshot.amazonaws.com` s3:GetObject, s3:ListBucket
 *   and s3:GetBucketAcl;
 * - the object may be encrypted with SSE-S3 only.
 */

/**
 * Regions that are disabled by default (introduced after March 20, 2019), from
 * the AWS General Reference, "Managing AWS Regions"
 * (https://docs.aws.amazon.com/general/latest/gr/rande-manage.html).
 */
export const OPT_IN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
];

/** Canonical user ElastiCache reads backups as, per partition (same tutorial, step 4). */
export const ELASTICACHE_CANONICAL_IDS = {
  /** AWS GovCloud (US). */
  govcloud: '40fa568277ad703bd160f66ae4f83fc9dfdfd06c2f1b5060ca22442ac3ef8be6',
  /** China (Beijing) and China (Ningxia), from the earlier edition of the tutorial. */
  china: 'b14d6a125bdf69854ed8ef2e71d8a20b7c490f252229b806e514966e490b8d83',
  /** Every Region enabled by default. */
  default: '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353',
} as const;

/** Actions the opt-in Region bucket policy must allow the ElastiCache snapshot principal. */
export const OPT_IN_BUCKET_POLICY_ACTIONS = ['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'] as const;

export type ElastiCacheReader =
  { kind: 'object-acl'; canonicalId: string } | { kind: 'bucket-policy'; servicePrincipal: string };

export function isOptInRegion(region: string): boolean {
  return OPT_IN_REGIONS.includes(region);
}

/** Who ElastiCache reads a backup as in `region`, and so what grant lets it. */
export function elastiCacheReaderFor(region: string): ElastiCacheReader {
  if (isOptInRegion(region)) {
    return { kind: 'bucket-policy', servicePrincipal: `${region}.elasticache-snapshot.amazonaws.com` };
  }
  if (region.startsWith('us-gov-')) return { kind: 'object-acl', canonicalId: ELASTICACHE_CANONICAL_IDS.govcloud };
  if (region.startsWith('cn-')) return { kind: 'object-acl', canonicalId: ELASTICACHE_CANONICAL_IDS.china };
  return { kind: 'object-acl', canonicalId: ELASTICACHE_CANONICAL_IDS.default };
}
