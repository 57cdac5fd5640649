import { RehydrationFailedError } from '../../functions/domain/errors';
import type { SourceRecord } from '../../functions/ports';
import { BUFFERED_RECORDS_MAX, rehydrate } from '../../functions/usecases/rehydrate';
import { FakeSourceOfTruth } from '../fakes';
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

const TABLE = 'sessions-source';
const since = Date.parse('2025-03-01T11:29:00.000Z');
const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, assessment: assessment(), cutover: cutover() };
const rec = (key: string, kind: string, extra: Partial<SourceRecord> = {}): SourceRecord => ({
  key,
  value: `value of ${key}`,
  kind,
  updatedAt: since + 60_000,
  ...extra,
});

describe('rehydrate', () => {
  it('writes priority kinds first, in priority order, then the rest; skips expired and older records', async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE, priorityKinds: ['customization', 'flag'] } });
    const source = new FakeSourceOfTruth(3);
    const nowSeconds = Math.floor(world.clock.now().getTime() / 1000);
    source.put(
      TABLE,
      rec('session:1', 'session'),
      rec('flag:1', 'flag'),
      rec('cust:1', 'customization'),
      rec('session:2', 'session'),
      rec('cust:expired', 'customization', { expiresAt: nowSeconds - 1 }),
      rec('flag:2', 'flag', { expiresAt: nowSeconds + 3600 }),
      rec('cust:2', 'customization'),
      rec('cust:old', 'customization', { updatedAt: since - 1 }),
    );

    const out = await rehydrate({ ...world, source }, input);

    expect(world.writer.written.map((w) => w.key)).toEqual([
      'cust:1',
      'cust:2',
      'flag:1',
      'flag:2',
      'session:1',
      'session:2',
    ]);
    expect(world.writer.value(NEW_ENDPOINT, 'cust:expired')).toBeUndefined();
    expect(world.writer.value(NEW_ENDPOINT, 'cust:old')).toBeUndefined();
    expect(out).toEqual({
      since: '2025-03-01T11:29:00.000Z',
      written: 6,
      expiredSkipped: 1,
      byKind: { customization: 2, flag: 2, session: 2 },
      seconds: 0,
    });
    // One pass over the source: the other kinds were kept in memory and written after the customizations.
    expect(source.scans).toHaveLength(1);
    expect(source.scans.every((s) => s.sinceMs === since)).toBe(true);
    const [event] = await world.store.timeline(INCIDENT_ID);
    expect(event).toMatchObject({
      type: 'REHYDRATED',
      detail: { written: 6, byKind: { customization: 2, flag: 2, session: 2 } },
    });
  });

  it("writes with the cache's AUTH token to the cut-over endpoint", async () => {
    const world = worldWithIncident({ authTokenParameter: TOKEN_PARAM, sourceOfTruth: { tableName: TABLE } });
    world.secrets.set(TOKEN_PARAM, AUTH_TOKEN);
    world.writer.requireAuth(NEW_ENDPOINT, AUTH_TOKEN);
    world.source.put(TABLE, rec('cust:1', 'customization'));

    expect((await rehydrate(world, input)).written).toBe(1);
    expect(world.writer.value(NEW_ENDPOINT, 'cust:1')).toBe('value of cust:1');
  });

  it('when more changed than it keeps in memory, it reads the source again for each later kind and keeps the order', async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE, priorityKinds: ['customization', 'flag'] } });
    const source = new FakeSourceOfTruth(5000);
    const many = Array.from({ length: BUFFERED_RECORDS_MAX + 1 }, (_, i) => rec(`session:${i}`, 'session'));
    source.put(TABLE, ...many.slice(0, 10), rec('flag:1', 'flag'), rec('cust:1', 'customization'), ...many.slice(10));

    const out = await rehydrate({ ...world, source }, input);

    const keys = world.writer.written.map((w) => w.key);
    expect(keys.slice(0, 2)).toEqual(['cust:1', 'flag:1']);
    expect(keys).toHaveLength(BUFFERED_RECORDS_MAX + 3);
    expect(new Set(keys).size).toBe(keys.length);
    expect(out.byKind).toEqual({ customization: 1, flag: 1, session: BUFFERED_RECORDS_MAX + 1 });
    expect(source.scans).toHaveLength(3);
  });

  it('with a read budget, reads within its share of the table, writes back every key and gives the share back', async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE, readUnitsPerSecond: 300 } });
    const source = new FakeSourceOfTruth(2);
    const records = Array.from({ length: 7 }, (_, i) => rec(`key:${i}`, i % 2 ? 'customization' : 'session'));
    source.put(TABLE, ...records);
    // Another cache's recovery reads the same table; a crashed one's lease ended a minute ago.
    const openedAt = world.clock.now().getTime();
    world.shares.seed(TABLE, 'orders-20250301T120000Z/rehydrate', openedAt + 30_000);
    world.shares.seed(TABLE, 'carts-20250301T110000Z/rehydrate', openedAt - 60_000);

    const out = await rehydrate({ ...world, source }, input);

    expect(out.written).toBe(7);
    expect(new Set(world.writer.written.map((w) => w.key))).toEqual(new Set(records.map((r) => r.key)));
    expect(world.shares.joins).toEqual([{ table: TABLE, holder: `${INCIDENT_ID}/rehydrate`, budget: 300 }]);
    expect(source.scans.map((s) => s.shares)).toEqual([[150, 150, 150, 150]]);
    expect(world.shares.leases(TABLE)).toEqual({ 'orders-20250301T120000Z/rehydrate': openedAt + 30_000 });
  });

  it('gives its share back when writing fails', async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE, readUnitsPerSecond: 100 } });
    world.source.put(TABLE, rec('cust:1', 'customization'));
    world.writer.failures.fail('write', new Error('OOM command not allowed when used memory > maxmemory'));

    await expect(rehydrate(world, input)).rejects.toThrow(RehydrationFailedError);
    expect(world.shares.leaves).toEqual([{ table: TABLE, holder: `${INCIDENT_ID}/rehydrate` }]);
    expect(world.shares.leases(TABLE)).toEqual({});
  });

  it('without a read budget, reads unpaced and joins no readers', async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE } });
    world.source.put(TABLE, rec('cust:1', 'customization'));

    expect((await rehydrate(world, input)).written).toBe(1);
    expect(world.source.scans).toEqual([{ table: TABLE, sinceMs: since }]);
    expect(world.shares.joins).toEqual([]);
  });

  it('writes nothing and says so when no source of truth is configured', async () => {
    const world = worldWithIncident();

    const out = await rehydrate(world, input);

    expect(out).toMatchObject({ written: 0, expiredSkipped: 0, byKind: {} });
    const [event] = await world.store.timeline(INCIDENT_ID);
    expect(event).toMatchObject({ type: 'REHYDRATED', message: expect.stringContaining('no source of truth') });
  });

  it('reports a failed write as a rehydration failure', async () => {
    const world = worldWithIncident({ sourceOfTruth: { tableName: TABLE } });
    world.source.put(TABLE, rec('cust:1', 'customization'));
    world.writer.failures.fail('write', new Error('OOM command not allowed when used memory > maxmemory'));

    await expect(rehydrate(world, input)).rejects.toThrow(RehydrationFailedError);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([]);
  });
});
