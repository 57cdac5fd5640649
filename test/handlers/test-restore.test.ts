import { backupObjectKey } from '../../functions/domain/backup/manifest';
import { makeHandler } from '../../functions/handlers/test-restore';
import type { TestRestoreDeps } from '../../functions/usecases/test-restore';
import { fakeWorld, lambdaContext, testCache } from '../fakes';
import { captureLogs } from '../fakes/log-capture';

const NOW = '2025-03-01T12:00:00.000Z';
const BUCKET = 'acme-backups';

function deps(remainingFor: { ms: number }) {
  const world = fakeWorld({
    now: NOW,
    caches: [testCache({ backup: { bucket: BUCKET, prefix: 'sessions/', testRestore: { enabled: true } } })],
  });
  const d: TestRestoreDeps = {
    ...world,
    sleep: async (ms) => void world.clock.advance(ms),
    metrics: { emit: () => undefined },
  };
  const context = { ...lambdaContext('testRestore'), getRemainingTimeInMillis: () => remainingFor.ms };
  return { world, handler: makeHandler(d), context };
}

describe('testRestore handler', () => {
  const logs = captureLogs();

  it('refuses an event without a cache id, naming the field', async () => {
    const { handler, context } = deps({ ms: 900_000 });
    await expect(handler({ cache: 'sessions' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/testRestore event.*cacheId/s),
    });
  });

  it('waits for the scratch group only as long as the invocation has left', async () => {
    const { world, handler, context } = deps({ ms: 300_000 });
    const watermark = new Date('2025-03-01T11:00:00.000Z');
    const key = backupObjectKey('sessions/', watermark, 'sync');
    world.backups.add({ bucket: BUCKET, key, lastModified: NOW });
    await world.backups.writeManifest(
      { bucket: BUCKET, key },
      {
        cacheId: 'sessions',
        method: 'sync',
        pointInTime: true,
        watermark: watermark.toISOString(),
        startedAt: watermark.toISOString(),
        finishedAt: watermark.toISOString(),
        engine: { name: 'valkey', version: '8.0.1' },
        rdbVersion: 11,
        keys: 0,
        keysWithExpiry: 0,
        bytes: 100,
        verification: { ok: true, verifiedAt: NOW },
      },
    );
    world.fleet.scriptStatuses('sessions-rt', ['creating']);

    const out = await handler({ cacheId: 'sessions' }, context);

    expect(out).toMatchObject({ result: { ok: false, reason: expect.stringMatching(/not available in time/) } });
    expect(world.clock.now().getTime() - Date.parse(NOW)).toBeLessThan(300_000);
    expect(logs.lines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'WARN', message: 'test restore failed', cacheId: 'sessions' }),
      ]),
    );
  });
});
