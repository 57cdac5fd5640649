import { elastiCacheReaderFor, isOptInRegion } from '../../functions/domain/backup-access';

/**
 * The canonical users and service principal from AWS, "Tutorial: Seeding a new
 * node-based cluster with an externally created backup", step 4.
 */
const DEFAULT_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
const GOVCLOUD_CANONICAL_ID = '40fa568277ad703bd160f66ae4f83fc9dfdfd06c2f1b5060ca22442ac3ef8be6';
const CHINA_CANONICAL_ID = 'b14d6a125bdf69854ed8ef2e71d8a20b7c490f252229b806e514966e490b8d83';

describe('elastiCacheReaderFor: what lets ElastiCache read a backup in a Region', () => {
  it.each<[string, string, ReturnType<typeof elastiCacheReaderFor>]>([
    [
      'a Region enabled by default: an object ACL grant',
      'us-east-1',
      { kind: 'object-acl', canonicalId: DEFAULT_CANONICAL_ID },
    ],
    ['Europe (Ireland), enabled by default', 'eu-west-1', { kind: 'object-acl', canonicalId: DEFAULT_CANONICAL_ID }],
    [
      'Asia Pacific (Tokyo), enabled by default',
      'ap-northeast-1',
      { kind: 'object-acl', canonicalId: DEFAULT_CANONICAL_ID },
    ],
    ['AWS GovCloud (US)', 'us-gov-west-1', { kind: 'object-acl', canonicalId: GOVCLOUD_CANONICAL_ID }],
    ['China (Beijing)', 'cn-north-1', { kind: 'object-acl', canonicalId: CHINA_CANONICAL_ID }],
    ['China (Ningxia)', 'cn-northwest-1', { kind: 'object-acl', canonicalId: CHINA_CANONICAL_ID }],
    [
      'an opt-in Region: a bucket policy for the regional snapshot principal',
      'af-south-1',
      { kind: 'bucket-policy', servicePrincipal: 'af-south-1.elasticache-snapshot.amazonaws.com' },
    ],
    [
      'Asia Pacific (Hong Kong), opt-in',
      'ap-east-1',
      { kind: 'bucket-policy', servicePrincipal: 'ap-east-1.elasticache-snapshot.amazonaws.com' },
    ],
    [
      'Middle East (UAE), opt-in',
      'me-central-1',
      { kind: 'bucket-policy', servicePrincipal: 'me-central-1.elasticache-snapshot.amazonaws.com' },
    ],
    [
      'Europe (Zurich), opt-in',
      'eu-central-2',
      { kind: 'bucket-policy', servicePrincipal: 'eu-central-2.elasticache-snapshot.amazonaws.com' },
    ],
  ])('%s (%s)', (_case, region, reader) => {
    expect(elastiCacheReaderFor(region)).toEqual(reader);
  });
});

describe('isOptInRegion (introduced after March 20, 2019)', () => {
  it.each<[string, boolean]>([
    ['us-east-1', false],
    ['eu-central-1', false],
    ['ap-southeast-2', false],
    ['eu-south-1', true],
    ['il-central-1', true],
    ['ca-west-1', true],
    ['mx-central-1', true],
  ])('%s → %s', (region, optIn) => {
    expect(isOptInRegion(region)).toBe(optIn);
  });
});
