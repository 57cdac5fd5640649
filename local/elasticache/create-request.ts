import { invalidParameterCombination, invalidParameterValue } from './errors';
import type { ReplicationGroupSpec } from './fleet';
import type { QueryParams } from './params';

const MAX_CACHE_CLUSTERS = 6;
const DEFAULT_ENGINE_VERSIONS = { redis: '7.0', valkey: '7.2' } as const;

/** AWS naming rules: 1–40 chars, letters/digits/hyphens, starts with a letter, no `--`, no trailing hyphen. */
export function validateReplicationGroupId(raw: string): string {
  const id = raw.toLowerCase();
  const valid = id.length <= 40 && /^[a-z][a-z0-9-]*$/.test(id) && !id.includes('--') && !id.endsWith('-');
  if (!valid) {
    throw invalidParameterValue(
      `Invalid replication group id: ${raw}. It must be 1-40 letters, digits or hyphens, begin with a letter, and contain no two consecutive hyphens or a trailing hyphen.`,
    );
  }
  return id;
}

/** 16–128 printable characters; the only special characters allowed are ! & # $ ^ < > and -. */
export function validateAuthToken(token: string): string {
  if (!/^[A-Za-z0-9!&#$^<>-]{16,128}$/.test(token)) {
    throw invalidParameterValue(
      'Invalid AuthToken: it must be 16 to 128 printable characters, and the only special characters allowed are !, &, #, $, ^, <, > and -.',
    );
  }
  return token;
}

function parseEngine(params: QueryParams): 'redis' | 'valkey' {
  const engine = (params.string('Engine') ?? 'redis').toLowerCase();
  if (engine !== 'redis' && engine !== 'valkey')
    throw invalidParameterValue(`Invalid engine ${engine}: only redis and valkey are supported.`);
  return engine;
}

function parseNumCacheClusters(params: QueryParams): number {
  const numNodeGroups = params.integer('NumNodeGroups');
  if (numNodeGroups !== undefined && numNodeGroups !== 1) {
    throw invalidParameterValue('Cluster mode enabled (NumNodeGroups > 1) is not supported by the local emulator.');
  }
  const replicasPerNodeGroup = params.integer('ReplicasPerNodeGroup');
  const count =
    params.integer('NumCacheClusters') ?? (replicasPerNodeGroup === undefined ? 1 : replicasPerNodeGroup + 1);
  if (count < 1 || count > MAX_CACHE_CLUSTERS) {
    throw invalidParameterValue(`NumCacheClusters must be between 1 and ${MAX_CACHE_CLUSTERS}, got ${count}.`);
  }
  return count;
}

function parseSnapshotArn(params: QueryParams): string | undefined {
  const arns = params.stringList('SnapshotArns');
  if (arns.length > 1)
    throw invalidParameterValue(
      'A cluster-mode-disabled replication group can be seeded from exactly one RDB snapshot.',
    );
  if (arns.length === 1 && params.string('SnapshotName') !== undefined) {
    throw invalidParameterCombination('SnapshotArns and SnapshotName cannot both be specified.');
  }
  if (params.string('SnapshotName') !== undefined)
    throw invalidParameterValue('Named ElastiCache snapshots are not supported locally; use SnapshotArns.');
  return arns[0];
}

interface SecuritySettings {
  readonly automaticFailover: boolean;
  readonly multiAz: boolean;
  readonly transitEncryption: boolean;
  readonly authToken: string | undefined;
}

function parseSecuritySettings(params: QueryParams, numCacheClusters: number): SecuritySettings {
  const automaticFailover = params.boolean('AutomaticFailoverEnabled') ?? false;
  const multiAz = params.boolean('MultiAZEnabled') ?? false;
  const transitEncryption = params.boolean('TransitEncryptionEnabled') ?? false;
  const rawToken = params.string('AuthToken');
  if (multiAz && !automaticFailover)
    throw invalidParameterCombination('Multi-AZ can only be enabled when automatic failover is enabled.');
  if (automaticFailover && numCacheClusters < 2) {
    throw invalidParameterCombination('Automatic failover requires at least 2 cache clusters (NumCacheClusters >= 2).');
  }
  // CreateReplicationGroup, TransitEncryptionEnabled: "If you enable in-transit encryption,
  // you must also specify a value for CacheSubnetGroup" (ElastiCache API Reference).
  if (transitEncryption && params.string('CacheSubnetGroupName') === undefined) {
    throw invalidParameterCombination(
      'TransitEncryptionEnabled requires the cluster to be created in an Amazon VPC: specify CacheSubnetGroupName.',
    );
  }
  // CreateReplicationGroup, AuthToken: "The AUTH token can be specified only when
  // TransitEncryptionEnabled is true", 16 to 128 printable characters, specials ! & # $ ^ < > -.
  if (rawToken !== undefined && !transitEncryption) {
    throw invalidParameterCombination('AuthToken can only be specified when TransitEncryptionEnabled is true.');
  }
  const authToken = rawToken === undefined ? undefined : validateAuthToken(rawToken);
  return { automaticFailover, multiAz, transitEncryption, authToken };
}

export function parseCreateReplicationGroup(params: QueryParams): ReplicationGroupSpec {
  const id = validateReplicationGroupId(params.requiredString('ReplicationGroupId'));
  const description = params.requiredString('ReplicationGroupDescription');
  const numCacheClusters = parseNumCacheClusters(params);
  const engine = parseEngine(params);
  const engineVersion = params.string('EngineVersion') ?? DEFAULT_ENGINE_VERSIONS[engine];
  const availabilityZones = params.stringList('PreferredCacheClusterAZs');
  if (availabilityZones.length > 0 && availabilityZones.length !== numCacheClusters) {
    throw invalidParameterValue('The number of PreferredCacheClusterAZs must match NumCacheClusters.');
  }
  return {
    id,
    description,
    numCacheClusters,
    availabilityZones,
    engine,
    engineVersion,
    cacheNodeType: params.string('CacheNodeType') ?? 'cache.t3.micro',
    cacheParameterGroupName:
      params.string('CacheParameterGroupName') ?? `default.${engine}${engineVersion.split('.')[0] ?? '7'}`,
    ...parseSecuritySettings(params, numCacheClusters),
    atRestEncryption: params.boolean('AtRestEncryptionEnabled') ?? false,
    snapshotArn: parseSnapshotArn(params),
    snapshotRetentionLimit: params.integer('SnapshotRetentionLimit') ?? 0,
    snapshotWindow: params.string('SnapshotWindow') ?? '05:00-06:00',
    preferredMaintenanceWindow: params.string('PreferredMaintenanceWindow') ?? 'sun:23:00-mon:01:30',
    cacheSubnetGroupName: params.string('CacheSubnetGroupName'),
    securityGroupIds: params.stringList('SecurityGroupIds'),
    tags: params.tagList('Tags'),
  };
}
