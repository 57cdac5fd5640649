import { ValidationError } from '../../functions/domain/errors';
import { notify } from '../../functions/usecases/notify';
import { CACHE_ID, INCIDENT_ID, worldWithIncident } from './support';

describe('notify', () => {
  it('publishes the stage notice rendered from the templates and records it', async () => {
    const world = worldWithIncident();

    const out = await notify(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'INVESTIGATING' });

    expect(out).toEqual({ stage: 'INVESTIGATING', published: true, messageId: 'msg-0001' });
    expect(world.notifier.status).toHaveLength(1);
    const sent = world.notifier.status[0]!;
    expect(sent.notice.subject).toBe('Acme: system outage');
    expect(sent.notice.text).toContain('Acme is experiencing a system outage');
    expect(sent.attributes).toEqual({ incidentId: INCIDENT_ID, cacheId: CACHE_ID });
    expect(world.store.notice(INCIDENT_ID, 'INVESTIGATING')).toMatchObject({ status: 'SENT', messageId: 'msg-0001' });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['NOTICE_SENT']);
    expect(world.store.incident(INCIDENT_ID)?.stage).toBe('INVESTIGATING');
  });

  it('puts the ETA and the support contact into the stages that use them', async () => {
    const world = worldWithIncident();

    await notify(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'ETA', etaMinutes: 15 });
    await notify(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'PARTIALLY_RESTORED' });

    const [eta, partial] = world.notifier.status;
    expect(eta?.notice.subject).toBe('Acme: back in about 15 minutes');
    expect(eta?.notice.json.etaMinutes).toBe(15);
    expect(partial?.notice.text).toContain('support@acme.test');
    expect(world.notifier.allText()).not.toMatch(/\{[a-zA-Z]+\}/);
  });

  it('never publishes the same stage twice, even when the step is retried', async () => {
    const world = worldWithIncident();
    const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'RESOLVED' as const };

    await notify(world, input);
    const again = await notify(world, input);

    expect(again).toEqual({ stage: 'RESOLVED', published: false });
    expect(world.notifier.status).toHaveLength(1);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['NOTICE_SENT']);
  });

  it('publishes on the retry when the first publish failed', async () => {
    const world = worldWithIncident();
    const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'INVESTIGATING' as const };
    world.notifier.failures.fail('publishStatus', new Error('SNS unavailable'));

    await expect(notify(world, input)).rejects.toThrow('SNS unavailable');
    expect(world.store.notice(INCIDENT_ID, 'INVESTIGATING')?.status).toBe('CLAIMED');
    const retry = await notify(world, input);

    expect(retry.published).toBe(true);
    expect(world.notifier.status).toHaveLength(1);
  });

  it('refuses an ETA notice without an ETA, publishing nothing', async () => {
    const world = worldWithIncident();

    await expect(notify(world, { incidentId: INCIDENT_ID, cacheId: CACHE_ID, stage: 'ETA' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(world.notifier.status).toHaveLength(0);
    expect(world.store.notice(INCIDENT_ID, 'ETA')).toBeUndefined();
  });
});
