import 'aws-sdk-client-mock-jest';
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  FailoverGlobalReplicationGroupCommand,
  InvalidReplicationGroupStateFault,
  ModifyReplicationGroupCommand,
  ReplicationGroupAlreadyExistsFault,
  ReplicationGroupNotFoundFault,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { ElastiCacheFleet } from '../../functions/adapters/elasticache-fleet';
import {
  CacheProvisioningFailedError,
  DependencyThrottledError,
  PromotionFailedError,
  QuotaExceededError,
  TransientDependencyError,
} from '../../functions/domain/errors';
import { sdkError, serverError, throttled } from './aws-errors';

const ec = mockClient(ElastiCacheClient);
const fleet = () => new ElastiCacheFleet({ client: ec as unknown as ElastiCacheClient });
const meta = { $metadata: {} };

const group: ReplicationGroup = {
  ReplicationGroupId: 'sessions',
  Status: 'available',
  AutomaticFailover: 'enabled',
  TransitEncryptionEnabled: true,
  MemberClusters: ['sessions-001', 'sessions-002'],
  NodeGroups: [
    {
      NodeGroupId: '0001',
      PrimaryEndpoint: { Address: 'master.sessions.cache.amazonaws.com', Port: 6379 },
      NodeGroupMembers: [
        {
          CacheClusterId: 'sessions-001',
          CurrentRole: 'primary',
          ReadEndpoint: { Address: 'sessions-001.cache.amazonaws.com', Port: 6379 },
        },
        {
          CacheClusterId: 'sessions-002',
          CurrentRole: 'replica',
          ReadEndpoint: { Address: 'sessions-002.cache.amazonaws.com', Port: 6379 },
        },
      ],
    },
  ],
};

const request = {
  replicationGroupId: 'sessions-r1',
  description: 'replacement for sessions',
  snapshotArn: 'arn:aws:s3:::backups/sessions/2025-03-01.rdb',
  nodeType: 'cache.r7g.large',
  engine: 'valkey' as const,
  engineVersion: '8.0',
  numCacheClusters: 2,
  port: 6379,
  authToken: 'auth-token-0123456789',
  cacheSubnetGroupName: 'private',
  securityGroupIds: ['sg-1'],
  tags: { incident: 'i-1', 'managed-by': 'cache-outage-workflow' },
};

afterEach(() => ec.reset());

describe('describeGroup', () => {
  it('maps roles, endpoints and TLS of the members', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group] });

    // Act
    const view = await fleet().describeGroup('sessions');

    // Assess
    expect(view).toEqual({
      replicationGroupId: 'sessions',
      status: 'available',
      automaticFailover: true,
      primaryEndpoint: { host: 'master.sessions.cache.amazonaws.com', port: 6379, tls: true },
      members: [
        {
          cacheClusterId: 'sessions-001',
          role: 'primary',
          endpoint: { host: 'sessions-001.cache.amazonaws.com', port: 6379, tls: true },
        },
        {
          cacheClusterId: 'sessions-002',
          role: 'replica',
          endpoint: { host: 'sessions-002.cache.amazonaws.com', port: 6379, tls: true },
        },
      ],
    });
  });

  it('reports a promotion ElastiCache is still applying', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        { ...group, Status: 'modifying', PendingModifiedValues: { PrimaryClusterId: 'sessions-002' } },
      ],
    });

    // Act
    const view = await fleet().describeGroup('sessions');

    // Assess
    expect(view).toMatchObject({ status: 'modifying', pendingPrimaryClusterId: 'sessions-002' });
  });

  it('lists members of a group that is still being created, roles unknown', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        { ReplicationGroupId: 'sessions-r1', Status: 'creating', MemberClusters: ['sessions-r1-001'], NodeGroups: [] },
      ],
    });

    // Act
    const view = await fleet().describeGroup('sessions-r1');

    // Assess
    expect(view).toEqual({
      replicationGroupId: 'sessions-r1',
      status: 'creating',
      automaticFailover: false,
      members: [{ cacheClusterId: 'sessions-r1-001', role: 'unknown' }],
    });
  });

  it('answers undefined for a group that does not exist', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).rejects(
      new ReplicationGroupNotFoundFault({ message: 'not found', ...meta }),
    );

    // Act
    const view = await fleet().describeGroup('ghost');

    // Assess
    expect(view).toBeUndefined();
  });

  it.each(['APICallRateForCustomerExceededFault', 'Throttling'])(
    'reports ElastiCache throttling (%s) as throttling, which its steps retry longer',
    async (name) => {
      // Prepare: the SDK marks neither as throttling when it does not model it so; the name alone tells.
      ec.on(DescribeReplicationGroupsCommand).rejects(sdkError(name));

      // Act
      const attempt = fleet().describeGroup('sessions');

      // Assess
      await expect(attempt).rejects.toThrow(DependencyThrottledError);
    },
  );
});

describe('promote and failover', () => {
  it('promotes a replica immediately without touching automatic failover', async () => {
    // Prepare
    ec.on(ModifyReplicationGroupCommand).resolves({});

    // Act
    await fleet().promote('sessions', 'sessions-002');

    // Assess
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      ReplicationGroupId: 'sessions',
      PrimaryClusterId: 'sessions-002',
      ApplyImmediately: true,
    });
    expect(ec.commandCalls(ModifyReplicationGroupCommand)[0]?.args[0].input).not.toHaveProperty(
      'AutomaticFailoverEnabled',
    );
  });

  it.each([
    ['InvalidReplicationGroupStateFault', new InvalidReplicationGroupStateFault({ message: 'modifying', ...meta })],
    ['InvalidParameterValueException', sdkError('InvalidParameterValueException')],
  ])('reports %s as a failed promotion', async (_name, err) => {
    // Prepare
    ec.on(ModifyReplicationGroupCommand).rejects(err);

    // Act
    const attempt = fleet().promote('sessions', 'sessions-002');

    // Assess
    await expect(attempt).rejects.toThrow(PromotionFailedError);
  });

  it('fails a Global Datastore over to the secondary region', async () => {
    // Prepare
    ec.on(FailoverGlobalReplicationGroupCommand).resolves({});

    // Act
    await fleet().failoverGlobal('ldgnf-sessions', 'us-west-2', 'sessions-west');

    // Assess
    expect(ec).toHaveReceivedCommandWith(FailoverGlobalReplicationGroupCommand, {
      GlobalReplicationGroupId: 'ldgnf-sessions',
      PrimaryRegion: 'us-west-2',
      PrimaryReplicationGroupId: 'sessions-west',
    });
  });

  // FailoverGlobalReplicationGroup (ElastiCache API Reference) names the secondary to promote; the region whose
  // outage opened the incident may not answer, so the request and the checks after it go to the secondary's region.
  it("asks the secondary's region to fail over, and describes groups in the region named", async () => {
    // Prepare
    ec.on(FailoverGlobalReplicationGroupCommand).resolves({});
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ...group, ReplicationGroupId: 'sessions-west' }],
    });
    const regional = new ElastiCacheFleet({ region: 'us-east-1' });

    // Act
    await regional.failoverGlobal('ldgnf-sessions', 'us-west-2', 'sessions-west');
    await regional.describeGroup('sessions-west', 'us-west-2');
    await regional.describeGroup('sessions');

    // Assess
    const regions = async (calls: { thisValue: unknown }[]) =>
      Promise.all(calls.map((c) => (c.thisValue as ElastiCacheClient).config.region()));
    expect(await regions(ec.commandCalls(FailoverGlobalReplicationGroupCommand))).toEqual(['us-west-2']);
    expect(await regions(ec.commandCalls(DescribeReplicationGroupsCommand))).toEqual(['us-west-2', 'us-east-1']);
  });

  it('reports a refused Global Datastore failover as a failed promotion', async () => {
    // Prepare
    ec.on(FailoverGlobalReplicationGroupCommand).rejects(sdkError('InvalidGlobalReplicationGroupStateFault'));

    // Act
    const attempt = fleet().failoverGlobal('ldgnf-sessions', 'us-west-2', 'sessions-west');

    // Assess
    await expect(attempt).rejects.toThrow(PromotionFailedError);
  });

  it('finds the associated secondary of a Global Datastore', async () => {
    // Prepare
    ec.on(DescribeGlobalReplicationGroupsCommand).resolves({
      GlobalReplicationGroups: [
        {
          GlobalReplicationGroupId: 'ldgnf-sessions',
          Members: [
            {
              ReplicationGroupId: 'sessions',
              ReplicationGroupRegion: 'eu-west-1',
              Role: 'PRIMARY',
              Status: 'associated',
            },
            {
              ReplicationGroupId: 'sessions-west',
              ReplicationGroupRegion: 'us-west-2',
              Role: 'SECONDARY',
              Status: 'associated',
            },
          ],
        },
      ],
    });

    // Act
    const secondary = await fleet().describeGlobalSecondary('ldgnf-sessions');

    // Assess
    expect(secondary).toEqual({ replicationGroupId: 'sessions-west', region: 'us-west-2' });
    expect(ec).toHaveReceivedCommandWith(DescribeGlobalReplicationGroupsCommand, {
      GlobalReplicationGroupId: 'ldgnf-sessions',
      ShowMemberInfo: true,
    });
  });

  it('answers undefined for a Global Datastore without secondary or that does not exist', async () => {
    // Prepare
    ec.on(DescribeGlobalReplicationGroupsCommand)
      .resolvesOnce({
        GlobalReplicationGroups: [
          { Members: [{ ReplicationGroupId: 'sessions', ReplicationGroupRegion: 'eu-west-1', Role: 'PRIMARY' }] },
        ],
      })
      .rejects(sdkError('GlobalReplicationGroupNotFoundFault'));

    // Act
    const none = await fleet().describeGlobalSecondary('ldgnf-sessions');
    const missing = await fleet().describeGlobalSecondary('ghost');

    // Assess
    expect(none).toBeUndefined();
    expect(missing).toBeUndefined();
  });
});

describe('createFromBackup', () => {
  it('creates an encrypted, Multi-AZ replacement from the RDB backup', async () => {
    // Prepare
    ec.on(CreateReplicationGroupCommand).resolves({
      ReplicationGroup: { ReplicationGroupId: 'sessions-r1', Status: 'creating' },
    });

    // Act
    const result = await fleet().createFromBackup(request);

    // Assess
    expect(result).toEqual({ alreadyExisted: false, status: 'creating' });
    expect(ec).toHaveReceivedCommandWith(CreateReplicationGroupCommand, {
      ReplicationGroupId: 'sessions-r1',
      ReplicationGroupDescription: 'replacement for sessions',
      SnapshotArns: ['arn:aws:s3:::backups/sessions/2025-03-01.rdb'],
      CacheNodeType: 'cache.r7g.large',
      Engine: 'valkey',
      EngineVersion: '8.0',
      NumCacheClusters: 2,
      Port: 6379,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: 'auth-token-0123456789',
      CacheSubnetGroupName: 'private',
      SecurityGroupIds: ['sg-1'],
      Tags: [
        { Key: 'incident', Value: 'i-1' },
        { Key: 'managed-by', Value: 'cache-outage-workflow' },
      ],
    });
  });

  it('creates a single node without Multi-AZ and without an AUTH token when none is given', async () => {
    // Prepare
    ec.on(CreateReplicationGroupCommand).resolves({ ReplicationGroup: { Status: 'creating' } });
    const { authToken: _omitted, ...withoutToken } = request;

    // Act
    await fleet().createFromBackup({ ...withoutToken, numCacheClusters: 1 });

    // Assess
    const sent = ec.commandCalls(CreateReplicationGroupCommand)[0]?.args[0].input;
    expect(sent).toMatchObject({
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      TransitEncryptionEnabled: true,
    });
    expect(sent).not.toHaveProperty('AuthToken');
  });

  it('returns the existing group when it was already created (retry of the same step)', async () => {
    // Prepare
    ec.on(CreateReplicationGroupCommand).rejects(
      new ReplicationGroupAlreadyExistsFault({ message: 'exists', ...meta }),
    );
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ...group, ReplicationGroupId: 'sessions-r1', Status: 'modifying' }],
    });

    // Act
    const result = await fleet().createFromBackup(request);

    // Assess
    expect(result).toEqual({ alreadyExisted: true, status: 'modifying' });
  });

  it.each([
    ['throttling', throttled('Throttling'), DependencyThrottledError],
    ['an HTTP 429', sdkError('SomethingElse', { $metadata: { httpStatusCode: 429 } }), DependencyThrottledError],
    ['a 5xx', serverError(), TransientDependencyError],
  ])('reports %s as retryable', async (_what, err, expected) => {
    // Prepare
    ec.on(CreateReplicationGroupCommand).rejects(err);

    // Act
    const attempt = fleet().createFromBackup(request);

    // Assess
    await expect(attempt).rejects.toThrow(expected);
  });

  it.each([
    ['NodeQuotaForCustomerExceededFault', 'NodeQuotaForCustomerExceeded', 'Nodes per Region'],
    ['ClusterQuotaForCustomerExceededFault', 'ClusterQuotaForCustomerExceeded', 'Clusters per customer'],
    ['NodeQuotaForClusterExceededFault', 'NodeQuotaForClusterExceeded', 'Nodes per cluster per instance type'],
    [
      'NodeGroupsPerReplicationGroupQuotaExceededFault',
      'NodeGroupsPerReplicationGroupQuotaExceeded',
      'Node groups (shards) per replication group',
    ],
  ])('reports %s as the quota it names, with the nodes the replacement needed', async (name, code, quota) => {
    // Prepare
    ec.on(CreateReplicationGroupCommand).rejects(sdkError(name));

    // Act
    const attempt = fleet().createFromBackup(request);

    // Assess
    await expect(attempt).rejects.toThrow(QuotaExceededError);
    await expect(attempt).rejects.toMatchObject({
      awsError: code,
      quota,
      nodesRequested: request.numCacheClusters,
      message: expect.stringContaining(
        `the account's quota "${quota}" is reached (${code}; this replacement needs 2 nodes)`,
      ),
    });
    await expect(attempt).rejects.not.toThrow(/auth-token-0123456789/);
  });

  it('reports a refused request as a provisioning failure', async () => {
    // Prepare
    ec.on(CreateReplicationGroupCommand).rejects(sdkError('InsufficientCacheClusterCapacityFault'));

    // Act
    const attempt = fleet().createFromBackup(request);

    // Assess
    await expect(attempt).rejects.toThrow(CacheProvisioningFailedError);
    await expect(attempt).rejects.not.toThrow(/auth-token-0123456789/);
  });
});

describe('recentEvents', () => {
  it('reads the events of the group in time order', async () => {
    // Prepare
    ec.on(DescribeEventsCommand).resolves({
      Events: [
        { Date: new Date('2025-03-01T12:05:00Z'), Message: 'Failover complete' },
        { Date: new Date('2025-03-01T12:01:00Z'), Message: 'Failover started' },
      ],
    });

    // Act
    const events = await fleet().recentEvents('sessions', 30);

    // Assess
    expect(events).toEqual([
      { at: '2025-03-01T12:01:00.000Z', message: 'Failover started' },
      { at: '2025-03-01T12:05:00.000Z', message: 'Failover complete' },
    ]);
    expect(ec).toHaveReceivedCommandWith(DescribeEventsCommand, {
      SourceIdentifier: 'sessions',
      SourceType: 'replication-group',
      Duration: 30,
    });
  });
});

describe('deleteGroup', () => {
  it('asks ElastiCache to delete the group, without a final snapshot', async () => {
    // Prepare
    ec.on(DeleteReplicationGroupCommand).resolves({ ReplicationGroup: { ...group, Status: 'deleting' } });

    // Act
    const outcome = await fleet().deleteGroup('sessions-rt');

    // Assess
    expect(outcome).toBe('deleting');
    expect(ec).toHaveReceivedCommandWith(DeleteReplicationGroupCommand, { ReplicationGroupId: 'sessions-rt' });
    expect(ec.commandCalls(DeleteReplicationGroupCommand)[0]?.args[0].input.FinalSnapshotIdentifier).toBeUndefined();
  });

  it.each([
    ['absent', new ReplicationGroupNotFoundFault({ message: 'not found', ...meta })],
    ['busy', new InvalidReplicationGroupStateFault({ message: 'creating', ...meta })],
  ])('answers %s when ElastiCache says %p', async (expected, error) => {
    ec.on(DeleteReplicationGroupCommand).rejects(error);
    await expect(fleet().deleteGroup('sessions-rt')).resolves.toBe(expected);
  });

  it('turns throttling into DependencyThrottledError and lets other refusals through', async () => {
    ec.on(DeleteReplicationGroupCommand).rejectsOnce(throttled()).rejectsOnce(sdkError('InvalidParameterValue'));
    await expect(fleet().deleteGroup('sessions-rt')).rejects.toBeInstanceOf(DependencyThrottledError);
    await expect(fleet().deleteGroup('sessions-rt')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
