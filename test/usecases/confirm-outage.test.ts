import { confirmOutage, type ConfirmOutageDeps } from '../../functions/usecases/confirm-outage';
import { AUTH_TOKEN, CACHE_ID, INCIDENT_ID, NOW, TOKEN_PARAM, worldWithIncident } from './support';

const PARAM = '/cache/sessions/endpoint';
const RECORDED = { host: 'sessions-replacement.abc123.use1.cache.amazonaws.com', port: 6380, tls: true };
const ALARM = 'cache-outage-workflow-dev-sessions-unreachable';
const ALARM_AT = '2025-03-01T11:59:30.000Z';
const input = {
  incidentId: INCIDENT_ID,
  cacheId: CACHE_ID,
  trigger: {
    alarmName: ALARM,
    reason: 'Threshold Crossed: 1 datapoint [0.0] was less than 1.0',
    stateChangeTime: ALARM_AT,
  },
};

/** A world whose waits advance its clock, with a 10 s window of 3 PINGs, the cache's AUTH token and endpoint record set. */
function setup(cacheOverrides: Record<string, unknown> = { authTokenParameter: TOKEN_PARAM }) {
  const world = worldWithIncident(cacheOverrides);
  world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
  world.endpoints.set(PARAM, RECORDED);
  const waits: number[] = [];
  const deps: ConfirmOutageDeps = {
    ...world,
    sleep: async (ms) => {
      waits.push(ms);
      world.clock.advance({ ms });
    },
    confirmation: { seconds: 10, pings: 3 },
  };
  return { world, deps, waits };
}

describe('confirmOutage', () => {
  it('confirms an outage on the first PING that fails, through the record clients read, with AUTH, and tells nobody', async () => {
    const { world, deps, waits } = setup();
    world.probe.script(RECORDED, [true, false]).requireAuth(RECORDED, AUTH_TOKEN);

    const out = await confirmOutage(deps, input);

    expect(out.confirmed).toBe(true);
    expect(out.pings.map((p) => p.ok)).toEqual([true, false]);
    expect(out.error).toBe('ECONNREFUSED');
    expect(out.endpoint).toBe(`${RECORDED.host}:6380 (TLS)`);
    expect(out.through).toBe(`the endpoint record ${PARAM}`);
    expect(out.from).toBe("the workflow's confirm-outage function in us-east-1");
    expect(world.probe.calls.every((c) => c.authToken === AUTH_TOKEN)).toBe(true);
    // The second PING 5 s after the first: 3 PINGs over 10 s; no third after the failure.
    expect(waits).toEqual([5000]);
    expect(world.probe.pingsTo(RECORDED)).toBe(2);
    const incident = world.store.incident(INCIDENT_ID);
    expect(incident?.status).toBe('OPEN');
    expect(incident?.confirmedAt).toBe(out.at);
    expect(out.alarmToDecisionSeconds).toBe(35);
    const timeline = await world.store.timeline(INCIDENT_ID);
    expect(timeline.map((e) => e.type)).toEqual(['OUTAGE_CONFIRMED']);
    expect(timeline[0]?.message).toContain(`did not answer PING 2 of 3`);
    expect(timeline[0]?.detail).toMatchObject({
      alarm: ALARM,
      error: 'ECONNREFUSED',
      through: `the endpoint record ${PARAM}`,
    });
    expect(world.notifier.status).toHaveLength(0);
    expect(world.notifier.operators).toHaveLength(0);
    expect(await world.store.getOpenLock(CACHE_ID)).toMatchObject({ incidentId: INCIDENT_ID });
  });

  it('a wrong AUTH token is an outage as clients see it', async () => {
    const { world, deps } = setup();
    world.secrets.set(TOKEN_PARAM, 'rotated-elsewhere');
    world.probe.up(RECORDED).requireAuth(RECORDED, AUTH_TOKEN);

    const out = await confirmOutage(deps, input);

    expect(out.confirmed).toBe(true);
    expect(out.error).toMatch(/WRONGPASS/);
  });

  it('a cache that answers throughout the window is a false alarm: FALSE_ALARM, lock released, one operators message, no notice', async () => {
    const { world, deps, waits } = setup();
    world.probe.up(RECORDED).requireAuth(RECORDED, AUTH_TOKEN);

    const out = await confirmOutage(deps, input);

    expect(out.confirmed).toBe(false);
    expect(out.pings).toHaveLength(3);
    expect(waits).toEqual([5000, 5000]);
    expect(out.at).toBe(new Date(Date.parse(NOW) + 10_000).toISOString());
    const incident = world.store.incident(INCIDENT_ID);
    expect(incident?.status).toBe('FALSE_ALARM');
    expect(incident?.falseAlarmAt).toBe(out.at);
    expect(incident?.confirmation).toEqual(out);
    expect(await world.store.getOpenLock(CACHE_ID)).toBeUndefined();
    expect(world.notifier.status).toHaveLength(0);
    expect(world.notifier.operators).toHaveLength(1);
    const message = world.notifier.operators[0]!;
    expect(message.kind).toBe('info');
    expect(message.subject).toContain(ALARM);
    expect(message.text).toContain(`Alarm: ${ALARM} at ${ALARM_AT}`);
    expect(message.text).toContain(
      `3 PINGs over 10 s to ${RECORDED.host}:6380 (TLS) through the endpoint record ${PARAM} with AUTH`,
    );
    expect(message.text).toContain('no customer notice was sent');
    expect(message.facts).toMatchObject({ outcome: 'FALSE_ALARM', alarm: ALARM, pings: 3, answered: 3 });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['FALSE_ALARM']);
  });

  it('a retry repeats the decision without PINGing again, and sends the operators message once', async () => {
    const { world, deps } = setup();
    world.probe.up(RECORDED).requireAuth(RECORDED, AUTH_TOKEN);
    world.notifier.failures.fail('publishOperators', new Error('SNS down'));

    await expect(confirmOutage(deps, input)).rejects.toThrow('SNS down');
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FALSE_ALARM');
    // The cache goes down between the attempts: the decision stands.
    world.probe.down(RECORDED);
    const pings = world.probe.calls.length;

    const out = await confirmOutage(deps, input);
    await confirmOutage(deps, input);

    expect(out.confirmed).toBe(false);
    expect(world.probe.calls.length).toBe(pings);
    expect(world.notifier.operators).toHaveLength(1);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['FALSE_ALARM']);
  });

  it('a retry after the operators message went out but its timeline entry did not still writes the entry, and sends nothing again', async () => {
    const { world, deps } = setup();
    world.probe.up(RECORDED).requireAuth(RECORDED, AUTH_TOKEN);
    world.store.failures.fail('appendTimeline', new Error('DynamoDB throttled'));

    await expect(confirmOutage(deps, input)).rejects.toThrow('DynamoDB throttled');
    expect(world.notifier.operators).toHaveLength(1);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([]);

    await confirmOutage(deps, input);

    expect(world.notifier.operators).toHaveLength(1);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['FALSE_ALARM']);
  });

  it('PINGs that answer slowly do not stretch the check past the window: none starts after it ends', async () => {
    const { world, deps } = setup();
    world.probe.up(RECORDED).requireAuth(RECORDED, AUTH_TOKEN);
    // Each PING answers, but only after 8 s (the probe timeout allows up to 10 s).
    const ping = world.probe.ping.bind(world.probe);
    const slow: ConfirmOutageDeps = {
      ...deps,
      confirmation: { seconds: 10, pings: 10 },
      probe: {
        ping: async (endpoint, opts) => {
          world.clock.advance({ ms: 8000 });
          return ping(endpoint, opts);
        },
      },
    };

    const out = await confirmOutage(slow, input);

    expect(out.confirmed).toBe(false);
    // PINGs at 0 s and 8 s; the third would start at 16 s, after the 10 s window: 10 would have taken 80 s.
    expect(out.pings).toHaveLength(2);
    expect(Date.parse(out.at) - Date.parse(NOW)).toBeLessThanOrEqual(10_000 + 8000);
  });

  it('with an empty record, PINGs the configured endpoint and says so', async () => {
    const { world, deps } = setup({});
    const configured = world.caches[0]!.endpoint;
    world.probe.up(configured);

    const out = await confirmOutage({ ...deps, endpoints: worldWithIncident().endpoints }, input);

    expect(out.confirmed).toBe(false);
    expect(out.through).toBe(`the configured endpoint (${PARAM} is empty)`);
    expect(out.auth).toBe(false);
  });

  it('a false alarm releases only its own lock', async () => {
    const { world, deps } = setup();
    world.probe.up(RECORDED).requireAuth(RECORDED, AUTH_TOKEN);
    world.store.seedLock(CACHE_ID, 'sessions-20250301T120500Z');

    await confirmOutage(deps, input);

    expect(await world.store.getOpenLock(CACHE_ID)).toMatchObject({ incidentId: 'sessions-20250301T120500Z' });
  });
});
