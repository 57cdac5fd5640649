import fc from 'fast-check';
import { ELASTICACHE_CANONICAL_IDS } from '../../functions/domain/backup-access';
import { CacheProvisioningFailedError, NoRecoveryPathError, ValidationError } from '../../functions/domain/errors';
import { isValidReplicationGroupId, replacementGroupIdFor } from '../../functions/domain/naming';
import { provision } from '../../functions/usecases/provision';
import { assessment, AUTH_TOKEN, CACHE_ID, INCIDENT_ID, TOKEN_PARAM, worldWithIncident } from './support';

const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, assessment: assessment() };
const withSubnetGroup = {
  replacement: {
    nodeType: 'cache.r7g.large',
    engine: 'valkey',
    numCacheClusters: 2,
    cacheSubnetGroupName: 'private',
    securityGroupIds: [],
    port: 6379,
  },
};

describe('replacement replication group id', () => {
  it('is always a valid ElastiCache id of at most 40 characters, and the same for the same incident', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/), fc.string()),
        fc.string({ minLength: 1 }),
        (cacheId, incidentId) => {
          const id = replacementGroupIdFor(cacheId, incidentId);
          expect(id.length).toBeLessThanOrEqual(40);
          expect(isValidReplicationGroupId(id)).toBe(true);
          expect(replacementGroupIdFor(cacheId, incidentId)).toBe(id);
        },
      ),
    );
  });

  it('differs between incidents of the same cache', () => {
    const ids = new Set(
      Array.from({ length: 200 }, (_, i) => replacementGroupIdFor('sessions', `sessions-2025030${i % 9}T1200${i}Z`)),
    );
    expect(ids.size).toBe(200);
  });

  it('keeps as much of the cache id as fits', () => {
    expect(replacementGroupIdFor('sessions', INCIDENT_ID)).toMatch(/^r-sessions-[0-9a-f]{6}$/);
    const long = replacementGroupIdFor('a-very-long-cache-name-for-account-settings', 'x');
    expect(long).toMatch(/^r-a-very-long-cache-name-for-acco-[0-9a-f]{6}$/);
    expect(long).toHaveLength(40);
    expect(replacementGroupIdFor('abcdefghij-abcdefghij-abcdefgh-xyz', 'x')).toMatch(
      /^r-abcdefghij-abcdefghij-abcdefgh-[0-9a-f]{6}$/,
    );
  });

  it('rejects what ElastiCache rejects', () => {
    for (const bad of ['1abc', 'Abc', 'a--b', 'a-', 'a_b', 'a'.repeat(41)])
      expect(isValidReplicationGroupId(bad)).toBe(false);
  });
});

describe('provision', () => {
  it('creates the replacement from the backup with the configured settings, AUTH token and tags', async () => {
    const world = worldWithIncident({
      authTokenParameter: TOKEN_PARAM,
      replacement: {
        nodeType: 'cache.r7g.xlarge',
        engine: 'redis',
        engineVersion: '7.1',
        numCacheClusters: 3,
        cacheSubnetGroupName: 'private',
        securityGroupIds: ['sg-1'],
        port: 6380,
      },
    });
    world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);

    const out = await provision(world, input);

    const id = replacementGroupIdFor(CACHE_ID, INCIDENT_ID);
    expect(world.fleet.createRequests).toEqual([
      {
        replicationGroupId: id,
        description: `Replacement for sessions (incident ${INCIDENT_ID})`,
        snapshotArn: 'arn:aws:s3:::acme-backups/backups/sessions-0001.rdb',
        nodeType: 'cache.r7g.xlarge',
        engine: 'redis',
        engineVersion: '7.1',
        numCacheClusters: 3,
        port: 6380,
        authToken: AUTH_TOKEN,
        cacheSubnetGroupName: 'private',
        securityGroupIds: ['sg-1'],
        tags: { incidentId: INCIDENT_ID, cacheId: CACHE_ID, 'managed-by': 'cache-outage-workflow' },
      },
    ]);
    expect(out).toEqual({
      plan: 'PROVISION_FROM_BACKUP',
      replicationGroupId: id,
      startedAt: world.clock.iso(),
      polls: 0,
      ready: false,
      status: 'creating',
    });
    const [started] = await world.store.timeline(INCIDENT_ID);
    expect(started).toMatchObject({
      type: 'RECOVERY_STARTED',
      detail: { replicationGroupId: id, alreadyExisted: false },
    });
    expect(JSON.stringify(started)).not.toContain(AUTH_TOKEN);
  });

  it('never creates a second cache when the step is retried', async () => {
    const world = worldWithIncident(withSubnetGroup);

    const first = await provision(world, input);
    world.clock.advance({ seconds: 5 });
    const second = await provision(world, input);

    expect(world.fleet.createdGroups()).toEqual([first.replicationGroupId]);
    expect(second.replicationGroupId).toBe(first.replicationGroupId);
    const events = await world.store.timeline(INCIDENT_ID);
    expect(events[1]?.detail).toMatchObject({ alreadyExisted: true });
  });

  it('needs a backup', async () => {
    const world = worldWithIncident(withSubnetGroup);

    await expect(provision(world, { ...input, assessment: assessment({ backup: undefined }) })).rejects.toBeInstanceOf(
      NoRecoveryPathError,
    );
    expect(world.fleet.createRequests).toHaveLength(0);
  });

  // "Tutorial: Seeding a new node-based cluster with an externally created backup", step 4:
  // default Regions grant ElastiCache's canonical user read on the object's ACL.
  it('grants ElastiCache read on the backup object before creating the replacement, in a default region', async () => {
    const world = worldWithIncident(withSubnetGroup);
    let grantedBeforeCreate = false;
    const create = world.fleet.createFromBackup.bind(world.fleet);
    world.fleet.createFromBackup = async (request) => {
      grantedBeforeCreate = (world.backups.readGrants.get('acme-backups/backups/sessions-0001.rdb') ?? []).length > 0;
      return create(request);
    };

    await provision(world, input);
    await provision(world, input);

    expect(grantedBeforeCreate).toBe(true);
    expect(world.backups.readGrants.get('acme-backups/backups/sessions-0001.rdb')).toEqual([
      ELASTICACHE_CANONICAL_IDS.default,
    ]);
    const events = await world.store.timeline(INCIDENT_ID);
    expect(events.map((e) => e.detail?.['elastiCacheRead'])).toEqual([
      'object ACL granted',
      'object ACL already granted',
    ]);
  });

  it('uses the GovCloud canonical id there, and no ACL in an opt-in region (the bucket policy names the regional principal)', async () => {
    const gov = { ...worldWithIncident(withSubnetGroup), region: 'us-gov-west-1' };
    await provision(gov, input);
    expect([...gov.backups.readGrants.values()]).toEqual([[ELASTICACHE_CANONICAL_IDS.govcloud]]);

    const optIn = { ...worldWithIncident(withSubnetGroup), region: 'ap-east-1' };
    await provision(optIn, input);
    expect(optIn.backups.readGrants.size).toBe(0);
    expect(optIn.fleet.createRequests).toHaveLength(1);
    const [started] = await optIn.store.timeline(INCIDENT_ID);
    expect(started?.detail).toMatchObject({
      elastiCacheRead: 'bucket policy for ap-east-1.elasticache-snapshot.amazonaws.com',
    });
  });

  it('creates nothing when S3 refuses the grant (a bucket with ACLs disabled)', async () => {
    const world = worldWithIncident(withSubnetGroup);
    world.backups.failures.fail(
      'grantRead',
      new CacheProvisioningFailedError('ElastiCache cannot be granted read: AccessControlListNotSupported'),
    );

    await expect(provision(world, input)).rejects.toThrow(/AccessControlListNotSupported/);
    expect(world.fleet.createRequests).toHaveLength(0);
  });

  // CreateReplicationGroup, TransitEncryptionEnabled: in-transit encryption needs a cache subnet group.
  it('refuses a replacement without a cache subnet group before calling ElastiCache', async () => {
    const world = worldWithIncident({ replacement: { nodeType: 'cache.r7g.large' } });

    const refused = provision(world, input);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow(/replacement.cacheSubnetGroupName: is required/);
    expect(world.fleet.createRequests).toHaveLength(0);
    expect(world.backups.readGrants.size).toBe(0);
  });

  // CreateReplicationGroup, AuthToken: 16-128 printable characters, specials only ! & # $ ^ < > -.
  it.each([
    ['too short', 'short-token-15ch'.slice(0, 15), /shorter than 16/],
    ['too long', 'a'.repeat(129), /longer than 128/],
    ['a forbidden special', 'valid-but-has-a-@-in-it', /other than letters, digits/],
    ['a space', 'valid but has spaces', /other than letters, digits/],
  ])('refuses an AUTH token that is %s, without echoing it', async (_what, token, reason) => {
    const world = worldWithIncident({ ...withSubnetGroup, authTokenParameter: TOKEN_PARAM });
    world.secrets.set(TOKEN_PARAM, token);

    const refused = provision(world, input);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow(reason);
    await expect(refused).rejects.not.toThrow(token);
    expect(world.fleet.createRequests).toHaveLength(0);
  });

  it('accepts an AUTH token with every allowed special character', async () => {
    const world = worldWithIncident({ ...withSubnetGroup, authTokenParameter: TOKEN_PARAM });
    world.secrets.set(TOKEN_PARAM, 'Abc123!&#$^<>-xyz');
    await provision(world, input);
    expect(world.fleet.createRequests[0]?.authToken).toBe('Abc123!&#$^<>-xyz');
  });
});
