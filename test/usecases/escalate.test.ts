import type { ExecutionInput } from '../../functions/domain/incident';
import { escalate, MAX_CAUSE_CHARS } from '../../functions/usecases/escalate';
import { CACHE_ID, INCIDENT_ID, OPENED_AT, worldWithIncident } from './support';

const lambdaCause = JSON.stringify({
  errorType: 'CacheProvisioningFailedError',
  errorMessage: 'replication group r-sessions-abc123 is restore-failed',
  trace: ['at checkCache (/var/task/index.js:1:1)'],
});
const failed = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  kind: 'failed' as const,
  error: { Error: 'CacheProvisioningFailedError', Cause: lambdaCause },
};

describe('escalate', () => {
  it('a false alarm has nothing to escalate: a late delivery leaves it FALSE_ALARM and tells nobody', async () => {
    const world = worldWithIncident();
    await world.store.updateIncident(INCIDENT_ID, { status: 'FALSE_ALARM' });

    const out = await escalate(world, failed);

    expect(out).toEqual({ kind: 'failed', published: false });
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FALSE_ALARM');
    expect(world.notifier.operators).toHaveLength(0);
  });

  it('marks the incident failed and tells the operators what failed and what to do next', async () => {
    const world = worldWithIncident({}, { consoleUrl: 'https://console.acme.test' });
    await world.store.acquireOpenLock({
      cacheId: CACHE_ID,
      incidentId: INCIDENT_ID,
      executionName: 'e',
      executionInput: {} as ExecutionInput,
      openedAt: OPENED_AT,
    });

    const out = await escalate(world, failed);

    expect(out).toMatchObject({ kind: 'failed', published: true });
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({
      status: 'FAILED',
      failedAt: world.clock.iso(),
      error: { error: 'CacheProvisioningFailedError', cause: 'replication group r-sessions-abc123 is restore-failed' },
    });
    const [message] = world.notifier.operators;
    expect(message?.kind).toBe('escalation');
    expect(message?.text).toContain('Error: CacheProvisioningFailedError');
    expect(message?.text).toContain('Cause: replication group r-sessions-abc123 is restore-failed');
    expect(message?.text).toContain(
      `https://console.acme.test/login?next=${encodeURIComponent(`/incidents/${INCIDENT_ID}`)}`,
    );
    expect(message?.text).toContain(`cache-outage show ${INCIDENT_ID}`);
    expect(message?.text).toContain('its next ALARM opens a new incident');
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['FAILED', 'ESCALATED']);
    expect(await world.store.getOpenLock(CACHE_ID)).toBeDefined();
  });

  it('publishes once even when called twice', async () => {
    const world = worldWithIncident();

    await escalate(world, failed);
    const again = await escalate(world, failed);

    expect(again).toEqual({ kind: 'failed', published: false });
    expect(world.notifier.operators).toHaveLength(1);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['FAILED', 'ESCALATED']);
  });

  it('truncates a long cause', async () => {
    const world = worldWithIncident();

    await escalate(world, { ...failed, error: { Error: 'Boom', Cause: 'x'.repeat(5000) } });

    const cause = world.store.incident(INCIDENT_ID)?.error?.cause ?? '';
    expect(cause.length).toBe(MAX_CAUSE_CHARS);
    expect(world.notifier.operators[0]?.text.length).toBeLessThan(2000);
  });

  it('records a rejection as a failure with ApprovalRejectedError, next to the REJECTED event the console wrote', async () => {
    const world = worldWithIncident();

    await escalate(world, {
      incidentId: INCIDENT_ID,
      cacheId: CACHE_ID,
      kind: 'rejected',
      error: { Error: 'ApprovalRejectedError', Cause: 'backup too old, restoring by hand' },
    });

    expect(world.store.incident(INCIDENT_ID)).toMatchObject({
      status: 'FAILED',
      error: { error: 'ApprovalRejectedError', cause: 'backup too old, restoring by hand' },
    });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['ESCALATED']);
    expect(world.notifier.operators[0]?.text).toContain('rejected the recovery plan');
  });

  it.each([
    ['proceed', 'the plan runs now'],
    ['abort', 'the workflow stops'],
  ] as const)(
    'on an approval timeout says that the default (%s) applies, without failing the incident',
    async (approvalDefault, says) => {
      const world = worldWithIncident();

      await escalate(world, {
        incidentId: INCIDENT_ID,
        cacheId: CACHE_ID,
        kind: 'approval-timeout',
        error: { Error: 'States.Timeout' },
        approvalDefault,
      });

      expect(world.store.incident(INCIDENT_ID)?.status).toBe('OPEN');
      expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['APPROVAL_TIMED_OUT', 'ESCALATED']);
      expect(world.notifier.operators[0]?.text).toContain(says);
    },
  );

  it('publishes on the retry when the first publish failed', async () => {
    const world = worldWithIncident();
    world.notifier.failures.fail('publishOperators', new Error('SNS throttled'));

    await expect(escalate(world, failed)).rejects.toThrow('SNS throttled');
    await escalate(world, failed);

    expect(world.notifier.operators).toHaveLength(1);
  });

  it('still tells the operators when the incident record was never written', async () => {
    const world = worldWithIncident();

    const out = await escalate(world, { ...failed, incidentId: 'sessions-20250301T000000Z' });

    expect(out.published).toBe(true);
    expect(world.notifier.operators).toHaveLength(1);
  });
});
