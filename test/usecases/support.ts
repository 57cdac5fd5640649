import type { Assessment } from '../../functions/domain/recovery';
import type { CutOverOutput, RecoveryProgress } from '../../functions/domain/steps';
import { fakeWorld, testCache, type FakeWorld } from '../fakes';

export const INCIDENT_ID = 'sessions-20250301T115500Z';
export const CACHE_ID = 'sessions';
export const OPENED_AT = '2025-03-01T11:55:00.000Z';
export const NOW = '2025-03-01T12:00:00.000Z';
export const TOKEN_PARAM = '/cache/sessions/auth-token';
export const AUTH_TOKEN = 's3cr3t-auth-token-value';
export const NEW_ENDPOINT = { host: 'master.r-sessions-abc123.fake.cache.amazonaws.com', port: 6379, tls: true };

/** A world with one protected cache and its incident recorded, holding the cache's lock, as after Record Incident. */
export function worldWithIncident(
  cacheOverrides: Record<string, unknown> = {},
  options: Parameters<typeof fakeWorld>[0] = {},
): FakeWorld {
  const world = fakeWorld({ now: NOW, caches: [testCache(cacheOverrides)], ...options });
  world.store.seedIncident({ incidentId: INCIDENT_ID, cacheId: CACHE_ID, openedAt: OPENED_AT });
  world.store.seedLock(CACHE_ID, INCIDENT_ID);
  return world;
}

export function assessment(overrides: Partial<Assessment> = {}): Assessment {
  return {
    primaryReachable: false,
    rejectedBackups: [],
    plan: 'PROVISION_FROM_BACKUP',
    reason: 'no healthy replica; restoring from backup backups/sessions-0001.rdb (30 min old)',
    requiresApproval: true,
    etaMinutes: 15,
    backup: {
      bucket: 'acme-backups',
      key: 'backups/sessions-0001.rdb',
      snapshotArn: 'arn:aws:s3:::acme-backups/backups/sessions-0001.rdb',
      lastModified: '2025-03-01T11:30:00.000Z',
      sizeBytes: 2 * 1024 ** 3,
      ageMinutes: 30,
      rdbVersion: 11,
    },
    rehydrateSince: '2025-03-01T11:29:00.000Z',
    ...overrides,
  };
}

export function readyRecovery(overrides: Partial<RecoveryProgress> = {}): RecoveryProgress {
  return {
    plan: 'PROVISION_FROM_BACKUP',
    replicationGroupId: 'r-sessions-abc123',
    startedAt: NOW,
    polls: 3,
    status: 'available',
    ready: true,
    endpoint: NEW_ENDPOINT,
    availableAt: NOW,
    ...overrides,
  };
}

export function cutover(overrides: Partial<CutOverOutput> = {}): CutOverOutput {
  return {
    parameter: '/cache/sessions/endpoint',
    previous: { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true },
    current: NEW_ENDPOINT,
    version: 2,
    at: NOW,
    ...overrides,
  };
}
