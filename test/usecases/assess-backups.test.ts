import type { BackupManifest } from '../../functions/domain/backup/manifest';
import { assess } from '../../functions/usecases/assess';
import { rdbBytes } from '../fakes';
import { CACHE_ID, INCIDENT_ID, OPENED_AT, worldWithIncident } from './support';

const BUCKET = 'acme-backups';
const input = { incidentId: INCIDENT_ID, cacheId: CACHE_ID, openedAt: OPENED_AT };
const backupConfig = { backup: { bucket: BUCKET, prefix: 'backups/', maxAgeHours: 24 } };

function manifest(overrides: Partial<BackupManifest> = {}): BackupManifest {
  return {
    cacheId: CACHE_ID,
    method: 'scan-dump',
    pointInTime: false,
    watermark: '2025-03-01T11:30:00.000Z',
    startedAt: '2025-03-01T11:30:00.000Z',
    finishedAt: '2025-03-01T11:42:00.000Z',
    engine: { name: 'redis', version: '7.0.15' },
    rdbVersion: 10,
    keys: 1000,
    keysWithExpiry: 10,
    bytes: 16,
    verification: { ok: true, verifiedAt: '2025-03-01T11:42:00.000Z' },
    ...overrides,
  };
}

/** A backup this deployment made: our metadata on the object, and a manifest when it was checked. */
async function addMade(
  world: ReturnType<typeof worldWithIncident>,
  key: string,
  lastModified: string,
  m: BackupManifest | undefined,
): Promise<void> {
  world.backups.add({ bucket: BUCKET, key, lastModified, body: rdbBytes(10) });
  world.backups.setMetadata(BUCKET, key, { method: 'scan-dump', watermark: m?.watermark ?? lastModified });
  if (m) await world.backups.writeManifest({ bucket: BUCKET, key }, m);
}

describe('assess, with the backups this deployment made', () => {
  it('ages a backup and starts rehydration from its watermark, not from when its upload finished', async () => {
    const world = worldWithIncident(backupConfig);
    await addMade(world, 'backups/a-scan-dump.rdb', '2025-03-01T11:42:00Z', manifest());

    const out = await assess(world, input);

    expect(out.plan).toBe('PROVISION_FROM_BACKUP');
    expect(out.backup).toMatchObject({
      key: 'backups/a-scan-dump.rdb',
      watermark: '2025-03-01T11:30:00.000Z',
      method: 'scan-dump',
      pointInTime: false,
      ageMinutes: 30,
    });
    // The watermark, less a minute for clock differences; not the object's time (11:42).
    expect(out.rehydrateSince).toBe('2025-03-01T11:29:00.000Z');
    // The manifest vouches for the header: no byte of the object is read.
    expect(world.backups.headerReads).toHaveLength(0);
  });

  it('never picks a backup that failed its integrity check or was never checked, and says why', async () => {
    const world = worldWithIncident(backupConfig);
    await addMade(world, 'backups/older.rdb', '2025-03-01T11:20:00Z', manifest({ watermark: '2025-03-01T11:15:00Z' }));
    await addMade(
      world,
      'backups/corrupt.rdb',
      '2025-03-01T11:40:00Z',
      manifest({ verification: { ok: false, verifiedAt: '2025-03-01T11:41:00Z', reason: 'CRC64 mismatch' } }),
    );
    await addMade(world, 'backups/unchecked.rdb', '2025-03-01T11:50:00Z', undefined);

    const out = await assess(world, input);

    expect(out.backup?.key).toBe('backups/older.rdb');
    expect(out.rejectedBackups).toEqual([
      { key: 'backups/unchecked.rdb', reason: expect.stringMatching(/never checked after upload/) },
      { key: 'backups/corrupt.rdb', reason: 'failed its integrity check: CRC64 mismatch' },
    ]);
  });

  it('still takes a backup made elsewhere by its header and object time', async () => {
    const world = worldWithIncident(backupConfig);
    world.backups.add({ bucket: BUCKET, key: 'backups/external.rdb', lastModified: '2025-03-01T11:00:00Z' });

    const out = await assess(world, input);

    expect(out.backup).toMatchObject({ key: 'backups/external.rdb', ageMinutes: 60 });
    expect(out.backup?.watermark).toBeUndefined();
    expect(out.rehydrateSince).toBe('2025-03-01T10:59:00.000Z');
  });
});
