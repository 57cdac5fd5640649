import { timeZoneOf } from '../../functions/domain/time-labels';
import { factsList } from '../../functions/console/incident-sections';
import { requestApproval } from '../../functions/usecases/request-approval';
import { assessment, CACHE_ID, INCIDENT_ID, worldWithIncident } from './support';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAe+task-token/secret==';
const input = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  taskToken: TOKEN,
  step: 'recovery-plan',
  assessment: assessment(),
};

describe('request approval', () => {
  it('keeps the token with the pending approval and tells operators what to approve, with the facts', async () => {
    const world = worldWithIncident({}, { consoleUrl: 'https://console.acme.test/' });

    const out = await requestApproval(world, input);

    expect(out).toMatchObject({ step: 'recovery-plan', published: true });
    expect(world.store.approval(INCIDENT_ID, 'recovery-plan')).toMatchObject({
      status: 'PENDING',
      taskToken: TOKEN,
      facts: {
        plan: 'PROVISION_FROM_BACKUP',
        backupKey: 'backups/sessions-0001.rdb',
        backupAgeMinutes: 30,
        etaMinutes: 15,
      },
    });
    const [message] = world.notifier.operators;
    expect(message).toMatchObject({ kind: 'approval-request', incidentId: INCIDENT_ID, cacheId: CACHE_ID });
    expect(message?.subject).toContain('provision a replacement cache from a backup');
    expect(message?.text).toContain(
      's3://acme-backups/backups/sessions-0001.rdb, taken 11:30 UTC, 30 min old, 2.0 GiB',
    );
    // What each answer does, in words: no enum name reaches the operators.
    expect(message?.text).toContain('Approve to provision a replacement cache from a backup: a replacement cache');
    expect(message?.text).toContain('Reject: nothing is changed on the cache');
    expect(message?.text).toContain('Replacement: 2 × cache.r7g.large, valkey.');
    expect(message?.text).not.toMatch(/\b[A-Z]+_[A-Z_]+\b/);
    expect(message?.text).toContain('about 15 minutes');
    expect(message?.text).toContain(
      `https://console.acme.test/login?next=${encodeURIComponent(`/incidents/${INCIDENT_ID}`)}`,
    );
    expect(message?.text).toContain(`cache-outage approve ${INCIDENT_ID} --reason "…"`);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['APPROVAL_REQUESTED']);
  });

  it('never puts the task token in a message, a fact or the timeline', async () => {
    const world = worldWithIncident({}, { consoleUrl: 'https://console.acme.test' });

    await requestApproval(world, input);

    expect(world.notifier.allText()).not.toContain(TOKEN);
    expect(JSON.stringify(await world.store.timeline(INCIDENT_ID))).not.toContain(TOKEN);
    expect(JSON.stringify(world.store.approval(INCIDENT_ID, 'recovery-plan')?.facts)).not.toContain(TOKEN);
  });

  it('leaves the console link out when no console is configured', async () => {
    const world = worldWithIncident();

    await requestApproval(world, input);

    expect(world.notifier.operators[0]?.text).not.toContain('console:');
    expect(world.notifier.operators[0]?.text).toContain('cache-outage approve');
  });

  it('on a retry keeps the newest token but does not ask the operators twice', async () => {
    const world = worldWithIncident();

    await requestApproval(world, input);
    const again = await requestApproval(world, { ...input, taskToken: 'second-token' });

    expect(again.published).toBe(false);
    expect(world.store.approval(INCIDENT_ID, 'recovery-plan')?.taskToken).toBe('second-token');
    expect(world.notifier.operators).toHaveLength(1);
  });

  it('describes a replica promotion with the replica it promotes', async () => {
    const world = worldWithIncident();
    const replica = {
      replicationGroupId: 'sessions',
      cacheClusterId: 'sessions-002',
      endpoint: { host: 'r2.example', port: 6379, tls: true },
    };

    await requestApproval(world, {
      ...input,
      assessment: assessment({ plan: 'PROMOTE_REPLICA', replica, backup: undefined }),
    });

    expect(world.notifier.operators[0]?.text).toContain('Replica: sessions-002 at r2.example:6379 (TLS)');
    expect(world.notifier.operators[0]?.subject).toContain('promote a replica');
  });

  it('describes a cut-over to the warm standby: where it is, how far behind, and that nothing is provisioned', async () => {
    const world = worldWithIncident();

    await requestApproval(world, {
      ...input,
      assessment: assessment({
        plan: 'PROMOTE_STANDBY',
        reason: 'no healthy replica; standby sessions-standby answers, 6 min behind',
        etaMinutes: 1,
        backup: undefined,
        standby: {
          replicationGroupId: 'sessions-standby',
          endpoint: { host: 'master.sessions-standby.example', port: 6379, tls: true },
          watermark: '2025-03-01T11:54:00.000Z',
          lagSeconds: 360,
        },
      }),
    });

    const [message] = world.notifier.operators;
    expect(message?.subject).toBe('Approval needed: cut clients over to the warm standby for sessions');
    expect(message?.text).toContain('about 1 minute.');
    expect(message?.text).toContain(
      'Standby: sessions-standby at master.sessions-standby.example:6379 (TLS), mirrored up to 11:54:00 UTC (6 min behind).',
    );
    expect(message?.text).toContain('Nothing is provisioned');
    const facts = world.store.approval(INCIDENT_ID, 'recovery-plan')!.facts;
    expect(facts).toMatchObject({
      plan: 'PROMOTE_STANDBY',
      standby: 'sessions-standby',
      standbyEndpoint: 'master.sessions-standby.example:6379 (TLS)',
      standbyMirroredUpTo: '2025-03-01T11:54:00.000Z',
      standbyLagSeconds: 360,
    });
    const html = factsList(facts);
    expect(html).toContain('<dt>Standby</dt><dd>sessions-standby</dd>');
    expect(html).toContain('<dt>Standby behind by</dt><dd>360 s</dd>');
    expect(html).not.toContain('<dt>standbyLagSeconds</dt>');
  });

  it('says why the standby was not used when another plan needs approval', async () => {
    const world = worldWithIncident();

    await requestApproval(world, {
      ...input,
      assessment: assessment({
        rejectedStandby: { replicationGroupId: 'sessions-standby', reason: 'no mirror cycle into it ever completed' },
      }),
    });

    expect(world.notifier.operators[0]?.text).toContain(
      'Standby not used: sessions-standby (no mirror cycle into it ever completed).',
    );
    const facts = world.store.approval(INCIDENT_ID, 'recovery-plan')!.facts;
    expect(factsList(facts)).toContain(
      '<dt>Standby not used</dt><dd>sessions-standby: no mirror cycle into it ever completed</dd>',
    );
  });
});

describe('the deadline of a request', () => {
  it('records when the wait escalates and what happens then, and tells the operators in their time zone', async () => {
    const world = worldWithIncident({}, { consoleUrl: 'https://console.acme.test' });

    await requestApproval(
      { ...world, timeZone: timeZoneOf('America/New_York') },
      { ...input, settings: { approvalTimeoutSeconds: 1800, approvalHeartbeatSeconds: 600, approvalDefault: 'abort' } },
    );

    const approval = world.store.approval(INCIDENT_ID, 'recovery-plan');
    const requestedAt = Date.parse(String(approval?.requestedAt));
    expect(approval?.deadline).toEqual({
      escalatesAt: new Date(requestedAt + 600_000).toISOString(),
      expiresAt: new Date(requestedAt + 1_800_000).toISOString(),
      onTimeout: 'abort',
    });
    const text = world.notifier.operators[0]?.text ?? '';
    expect(text).toMatch(
      /If nobody decides or acknowledges by \d\d:\d\d ET \(in 10 min\), the operators are escalated/,
    );
    expect(text).toContain('the recovery stops: the incident is marked failed');
    expect(text).toMatch(/taken \d\d:\d\d ET/);
  });
});
