/**
 * Replica lag in the facts operators decide a promotion on: shown when the
 * assessment has it, "not reported" otherwise (ElastiCache's
 * DescribeReplicationGroups reports no lag), in the console and the message.
 */
import { factsList } from '../../functions/console/incident-sections';
import { requestApproval } from '../../functions/usecases/request-approval';
import { assessment, CACHE_ID, INCIDENT_ID, worldWithIncident } from '../usecases/support';

const promote = (lagSeconds?: number) =>
  assessment({
    plan: 'PROMOTE_REPLICA',
    reason: 'replica sessions-002 answers',
    etaMinutes: 2,
    replica: {
      replicationGroupId: 'sessions',
      cacheClusterId: 'sessions-002',
      endpoint: { host: 'r2.example', port: 6379, tls: true },
      ...(lagSeconds !== undefined ? { lagSeconds } : {}),
    },
  });

async function ask(lagSeconds?: number) {
  const world = worldWithIncident();
  await requestApproval(world, {
    incidentId: INCIDENT_ID,
    cacheId: CACHE_ID,
    taskToken: 'token',
    step: 'recovery-plan',
    assessment: promote(lagSeconds),
  });
  return { facts: world.store.approval(INCIDENT_ID, 'recovery-plan')!.facts, text: world.notifier.operators[0]!.text };
}

describe('replica lag in the approval facts', () => {
  it('records and shows the lag when the assessment has it', async () => {
    const { facts, text } = await ask(3);
    expect(facts).toMatchObject({ plan: 'PROMOTE_REPLICA', replica: 'sessions-002', replicaLagSeconds: 3 });
    expect(text).toContain('Replica: sessions-002 at r2.example:6379 (TLS), replication lag 3 s.');
    expect(factsList(facts)).toContain('<dt>Replica lag</dt><dd>3 s</dd>');
  });

  it('says "not reported" when nothing reported it', async () => {
    const { facts, text } = await ask();
    expect(facts).not.toHaveProperty('replicaLagSeconds');
    expect(text).toContain('replication lag not reported.');
    expect(factsList(facts)).toContain('<dt>Replica lag</dt><dd>not reported</dd>');
  });
});
