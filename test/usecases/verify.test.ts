import { VerificationFailedError } from '../../functions/domain/errors';
import type { SourceRecord } from '../../functions/ports';
import { verify } from '../../functions/usecases/verify';
import {
  assessment,
  AUTH_TOKEN,
  CACHE_ID,
  cutover,
  INCIDENT_ID,
  NEW_ENDPOINT,
  TOKEN_PARAM,
  worldWithIncident,
} from './support';

const PARAM = '/cache/sessions/endpoint';
const TABLE = 'sessions-source';
const sot = { sourceOfTruth: { tableName: TABLE } };
const updatedAt = Date.parse('2025-03-01T11:45:00.000Z');
const rec = (i: number, extra: Partial<SourceRecord> = {}): SourceRecord => ({
  key: `user:${i}`,
  value: `v${i}`,
  kind: 'customization',
  updatedAt,
  ...extra,
});

describe('verify (mode cache)', () => {
  const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, mode: 'cache' as const, cutover: cutover() };

  it('checks the record clients read, PINGs through it with AUTH, samples reads and marks the incident restored', async () => {
    const world = worldWithIncident({ authTokenParameter: TOKEN_PARAM, ...sot });
    world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
    world.endpoints.set(PARAM, NEW_ENDPOINT);
    world.probe.up(NEW_ENDPOINT).requireAuth(NEW_ENDPOINT, AUTH_TOKEN);
    world.writer.requireAuth(NEW_ENDPOINT, AUTH_TOKEN);
    world.source.put(TABLE, ...Array.from({ length: 30 }, (_, i) => rec(i)));

    const out = await verify(world, input);

    expect(out).toEqual({ mode: 'cache', ok: true, latencyMs: 1, keysChecked: 20, at: world.clock.iso() });
    expect(world.writer.reads[0]?.keys).toHaveLength(20);
    expect(world.store.incident(INCIDENT_ID)?.restoredAt).toBe(world.clock.iso());
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['VERIFIED']);
  });

  it('fails when the record does not point at the cut-over endpoint', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, { host: 'somewhere-else', port: 6379, tls: true });
    world.probe.up(NEW_ENDPOINT);

    await expect(verify(world, input)).rejects.toThrow(/points at somewhere-else:6379/);
    expect(world.store.incident(INCIDENT_ID)?.restoredAt).toBeUndefined();
  });

  it('fails when the endpoint does not answer PING', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, NEW_ENDPOINT);

    await expect(verify(world, input)).rejects.toBeInstanceOf(VerificationFailedError);
    expect(world.probe.pingsTo(NEW_ENDPOINT)).toBe(3);
  });

  it('fails when sample reads fail', async () => {
    const world = worldWithIncident(sot);
    world.endpoints.set(PARAM, NEW_ENDPOINT);
    world.probe.up(NEW_ENDPOINT);
    world.source.put(TABLE, rec(1));
    world.writer.failures.fail('read', new Error('LOADING Redis is loading the dataset in memory'));

    await expect(verify(world, input)).rejects.toThrow(/sample reads .* failed: LOADING/);
  });

  it('keeps the first restoredAt when it runs again', async () => {
    const world = worldWithIncident();
    world.endpoints.set(PARAM, NEW_ENDPOINT);
    world.probe.up(NEW_ENDPOINT);

    await verify(world, input);
    const first = world.clock.iso();
    world.clock.advance({ minutes: 2 });
    await verify(world, input);

    expect(world.store.incident(INCIDENT_ID)?.restoredAt).toBe(first);
  });
});

describe('verify (mode data)', () => {
  const input = {
    incidentId: INCIDENT_ID,
    cacheId: CACHE_ID,
    mode: 'data' as const,
    cutover: cutover(),
    assessment: assessment(),
  };

  it('compares every record changed since the restored data, in batches of 500', async () => {
    const world = worldWithIncident(sot);
    const records = Array.from({ length: 1200 }, (_, i) => rec(i));
    world.source.put(TABLE, ...records, rec(5000, { updatedAt: Date.parse('2025-03-01T10:00:00Z') }));
    for (const r of records) world.writer.set(NEW_ENDPOINT, r.key, r.value);

    const out = await verify(world, input);

    expect(out).toMatchObject({ mode: 'data', ok: true, keysChecked: 1200 });
    expect(world.writer.reads.map((r) => r.keys.length)).toEqual([500, 500, 200]);
    const [event] = await world.store.timeline(INCIDENT_ID);
    expect(event).toMatchObject({ type: 'DATA_VERIFIED', detail: { keysChecked: 1200, mismatches: 0 } });
  });

  it('fails naming how many keys differ and the first of them', async () => {
    const world = worldWithIncident(sot);
    world.source.put(TABLE, rec(1), rec(2), rec(3));
    world.writer.set(NEW_ENDPOINT, 'user:1', 'v1').set(NEW_ENDPOINT, 'user:2', 'stale');

    const err = await verify(world, input).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(VerificationFailedError);
    expect((err as Error).message).toMatch(/^2 of 3 keys .* \(first: user:2, user:3\)$/);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([]);
  });

  it('does not expect expired records in the cache', async () => {
    const world = worldWithIncident(sot);
    const past = Math.floor(world.clock.now().getTime() / 1000) - 60;
    world.source.put(TABLE, rec(1), rec(2, { expiresAt: past }));
    world.writer.set(NEW_ENDPOINT, 'user:1', 'v1');

    expect((await verify(world, input)).keysChecked).toBe(1);
  });

  it("with a read budget, compares every record within its share of the table's reads and gives the share back", async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE, readUnitsPerSecond: 90 } });
    const records = Array.from({ length: 250 }, (_, i) => rec(i));
    world.source.put(TABLE, ...records);
    for (const r of records) world.writer.set(NEW_ENDPOINT, r.key, r.value);
    const now = world.clock.now().getTime();
    world.shares.seed(TABLE, 'orders-1/rehydrate', now + 30_000).seed(TABLE, 'carts-1/verify-data', now + 30_000);

    const out = await verify(world, input);

    expect(out).toMatchObject({ ok: true, keysChecked: 250 });
    expect(world.source.scans.map((s) => s.shares)).toEqual([[30, 30, 30]]);
    expect(world.shares.leaves).toEqual([{ table: TABLE, holder: `${INCIDENT_ID}/verify-data` }]);
  });

  it('has nothing to compare without a source of truth', async () => {
    const world = worldWithIncident();

    expect(await verify(world, input)).toMatchObject({ ok: true, keysChecked: 0 });
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual(['DATA_VERIFIED']);
  });
});
