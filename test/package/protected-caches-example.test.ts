/**
 * config/protected-caches.example.json is what a new deployment copies and
 * what `serverless package` falls back to: it must pass the schema the
 * functions enforce and show both kinds of protected cache.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectedCachesSchema } from '../../functions/domain/caches';

const raw: unknown = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'config', 'protected-caches.example.json'), 'utf8'),
);

describe('config/protected-caches.example.json', () => {
  const parsed = protectedCachesSchema.safeParse(raw);

  it('is valid against protectedCachesSchema', () => {
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.success).toBe(true);
  });

  it('shows a third-party cache restored from RDB backups and rehydrated from its source of truth', () => {
    const external = parsed.data?.find((c) => c.replicationGroupId === undefined);
    expect(external?.backup?.bucket).toEqual(expect.any(String));
    expect(external?.sourceOfTruth?.tableName).toEqual(expect.any(String));
    expect(external?.authTokenParameter).toMatch(/^\//);
  });

  it('shows an ElastiCache replication group with a replica to promote', () => {
    const managed = parsed.data?.find((c) => c.replicationGroupId !== undefined);
    expect(managed?.replacement.numCacheClusters).toBeGreaterThanOrEqual(2);
    expect(managed?.endpoint.tls).toBe(true);
  });

  it('fits, minified, in the Lambda environment next to the other variables', () => {
    expect(JSON.stringify(raw).length).toBeLessThan(2500);
  });
});
