import type { RecoveryPlan } from '../../functions/domain/incident';
import {
  chooseRecovery,
  describeLag,
  nodeMemoryBytes,
  requiresApproval,
  type AssessmentFacts,
  type BackupFacts,
  type ReplicaFacts,
  type StandbyFacts,
} from '../../functions/domain/recovery';

const GIB = 1024 ** 3;

const replica: ReplicaFacts = {
  replicationGroupId: 'sessions-rg',
  cacheClusterId: 'sessions-rg-002',
  endpoint: { host: 'sessions-rg-002.abc123.use1.cache.amazonaws.com', port: 6379, tls: true },
  primaryClusterId: 'sessions-rg-001',
};
const failedOver: ReplicaFacts = { ...replica, primaryClusterId: undefined, alreadyPrimary: true };
const globalSecondary = {
  globalReplicationGroupId: 'ldgnf-sessions-global',
  replicationGroupId: 'sessions-rg-usw2',
  region: 'us-west-2',
};
const backup: BackupFacts = {
  bucket: 'acme-cache-backups',
  key: 'sessions/2024-05-14T09-00.rdb',
  snapshotArn: 'arn:aws:s3:::acme-cache-backups/sessions/2024-05-14T09-00.rdb',
  lastModified: '2024-05-14T09:00:00.000Z',
  sizeBytes: 1_200_000_000,
  ageMinutes: 31,
  rdbVersion: 11,
};
const standby: StandbyFacts = {
  replicationGroupId: 'sessions-standby',
  endpoint: { host: 'master.sessions-standby.abc123.use1.cache.amazonaws.com', port: 6379, tls: true },
  watermark: '2024-05-14T09:30:00.000Z',
  lagSeconds: 45,
};
const neverMirrored = {
  replicationGroupId: 'sessions-standby',
  reason: 'no mirror cycle into it ever completed: it holds none of the cache data',
};
const down: AssessmentFacts = { primaryReachable: false, rejectedBackups: [] };

describe('chooseRecovery: the cheapest and least risky plan that can work', () => {
  it.each<[string, AssessmentFacts, RecoveryPlan, string[]]>([
    [
      'a primary that answers again needs nothing, whatever else is there',
      { ...down, primaryReachable: true, replica, globalSecondary, backup },
      'RECOVERED',
      ['PING'],
    ],
    [
      'a healthy replica is promoted rather than failing over the Global Datastore or restoring a backup',
      { ...down, replica, globalSecondary, backup },
      'PROMOTE_REPLICA',
      ['sessions-rg-002'],
    ],
    [
      "a replica ElastiCache's automatic failover already promoted is the one to use",
      { ...down, replica: failedOver, backup },
      'PROMOTE_REPLICA',
      ['already failed', 'sessions-rg', 'sessions-rg-002'],
    ],
    [
      'a primary that answers again needs nothing, even with a standby',
      { ...down, primaryReachable: true, standby },
      'RECOVERED',
      ['PING'],
    ],
    [
      'a healthy replica is promoted rather than cutting over to the standby',
      { ...down, replica, standby, globalSecondary, backup },
      'PROMOTE_REPLICA',
      ['sessions-rg-002'],
    ],
    [
      'without a replica, the standby is taken rather than failing over the Global Datastore or restoring',
      { ...down, standby, globalSecondary, backup },
      'PROMOTE_STANDBY',
      ['sessions-standby', '45 s behind', 'mirrored up to 2024-05-14T09:30:00.000Z'],
    ],
    [
      'a standby an hour behind is still taken, and the reason says how far behind',
      { ...down, standby: { ...standby, lagSeconds: 3720 }, backup },
      'PROMOTE_STANDBY',
      ['62 min behind'],
    ],
    [
      'a standby that cannot be used falls through to the Global Datastore, and the reason says why',
      { ...down, rejectedStandby: neverMirrored, globalSecondary, backup },
      'GLOBAL_FAILOVER',
      ['us-west-2', 'standby sessions-standby not used: no mirror cycle into it ever completed'],
    ],
    [
      'a standby that cannot be used falls through to the backup, and the reason says why',
      { ...down, rejectedStandby: neverMirrored, backup },
      'PROVISION_FROM_BACKUP',
      ['sessions/2024-05-14T09-00.rdb', 'standby sessions-standby not used: no mirror cycle'],
    ],
    [
      'with an unusable standby and no backup, operators are called and told about both',
      {
        ...down,
        rejectedStandby: {
          replicationGroupId: 'sessions-standby',
          reason: 'its replication group is modifying, not available',
        },
      },
      'ESCALATE',
      ['standby sessions-standby not used: its replication group is modifying', 'no backup found'],
    ],
    [
      'without a replica, the Global Datastore secondary is promoted rather than restoring a backup',
      { ...down, globalSecondary, backup },
      'GLOBAL_FAILOVER',
      ['us-west-2'],
    ],
    [
      'without a replica or a secondary, the newest usable backup is restored',
      { ...down, backup },
      'PROVISION_FROM_BACKUP',
      ['sessions/2024-05-14T09-00.rdb', '31 min old'],
    ],
    ['with nothing to recover from, operators are called', down, 'ESCALATE', ['no healthy replica', 'no backup found']],
    [
      'with only unusable backups, operators are called and told why each was refused',
      {
        ...down,
        rejectedBackups: [
          { key: 'sessions/new.rdb', reason: 'backup does not start with the RDB magic "REDIS"' },
          { key: 'sessions/old.rdb', reason: '1600 min old, older than the 24 h limit' },
        ],
      },
      'ESCALATE',
      [
        'no usable backup',
        'sessions/new.rdb: backup does not start with the RDB magic "REDIS"',
        'sessions/old.rdb: 1600 min old, older than the 24 h limit',
      ],
    ],
  ])('%s', (_case, facts, plan, reasonMentions) => {
    const decision = chooseRecovery(facts);
    expect(decision.plan).toBe(plan);
    for (const words of reasonMentions) expect(decision.reason).toContain(words);
  });
});

describe('describeLag: how far behind a standby is, as a person says it', () => {
  it.each<[number, string]>([
    [0, '0 s'],
    [45.4, '45 s'],
    [119, '119 s'],
    [120, '2 min'],
    [600, '10 min'],
    [7140, '119 min'],
    [7200, '2 h'],
    [3 * 3600 + 5 * 60, '3 h 5 min'],
  ])('%s s is "%s"', (seconds, words) => {
    expect(describeLag(seconds)).toBe(words);
  });
});

describe('requiresApproval', () => {
  const byDefault = { requireApprovalFor: ['PROVISION_FROM_BACKUP', 'GLOBAL_FAILOVER'] as RecoveryPlan[] };
  const everything = {
    requireApprovalFor: [
      'RECOVERED',
      'PROMOTE_REPLICA',
      'PROMOTE_STANDBY',
      'GLOBAL_FAILOVER',
      'PROVISION_FROM_BACKUP',
      'ESCALATE',
    ],
  } as { requireApprovalFor: RecoveryPlan[] };
  const nothing = { requireApprovalFor: [] as RecoveryPlan[] };

  it.each<[string, RecoveryPlan, { requireApprovalFor: RecoveryPlan[] }, boolean]>([
    ['a restore from a backup waits for an operator by default', 'PROVISION_FROM_BACKUP', byDefault, true],
    ['a Global Datastore failover waits for an operator by default', 'GLOBAL_FAILOVER', byDefault, true],
    ['a replica promotion runs at once by default', 'PROMOTE_REPLICA', byDefault, false],
    ['a replica promotion waits when the policy lists it', 'PROMOTE_REPLICA', everything, true],
    ['a cut-over to the standby runs at once by default: it provisions nothing', 'PROMOTE_STANDBY', byDefault, false],
    ['a cut-over to the standby waits when the policy lists it', 'PROMOTE_STANDBY', everything, true],
    ['a restore runs at once when the policy lists nothing', 'PROVISION_FROM_BACKUP', nothing, false],
    ['a cache that came back by itself asks nobody, even when listed', 'RECOVERED', everything, false],
    ['an escalation asks nobody, even when listed: nothing would run', 'ESCALATE', everything, false],
  ])('%s', (_case, plan, policy, expected) => {
    expect(requiresApproval(plan, policy)).toBe(expected);
  });
});

describe('nodeMemoryBytes (does a backup fit the replacement node?)', () => {
  it.each<[string, string, number | undefined]>([
    ['the default replacement node, cache.r7g.large, has about 13 GiB', 'cache.r7g.large', 13.07 * GIB],
    ['an r-family node of the next size has twice as much', 'cache.r7g.xlarge', 26.32 * GIB],
    ['a micro node has half a GiB', 'cache.t4g.micro', 0.5 * GIB],
    ['an m-family node has about half the memory of the r-family node of its size', 'cache.m7g.large', 6.535 * GIB],
    ['an unknown size has no known memory', 'cache.r7g.huge', undefined],
    ['a name that is not a node type has no known memory', 'valkey', undefined],
  ])('%s', (_case, nodeType, bytes) => {
    const memory = nodeMemoryBytes(nodeType);
    if (bytes === undefined) expect(memory).toBeUndefined();
    else expect(memory).toBeCloseTo(bytes, -1);
  });

  it('grows with the node size within a family', () => {
    const sizes = [
      'micro',
      'small',
      'medium',
      'large',
      'xlarge',
      '2xlarge',
      '4xlarge',
      '8xlarge',
      '12xlarge',
      '16xlarge',
    ];
    const memory = sizes.map((size) => nodeMemoryBytes(`cache.r6g.${size}`) as number);
    for (let i = 1; i < memory.length; i++) expect(memory[i]).toBeGreaterThan(memory[i - 1] as number);
  });
});
