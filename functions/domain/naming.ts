import { createHash } from 'node:crypto';

/** ElastiCache replication group ids: at most 40 characters. */
export const REPLICATION_GROUP_ID_MAX = 40;

/**
 * ElastiCache's rule for a replication group id: 1–40 lowercase letters,
 * digits or hyphens, starting with a letter, no two consecutive hyphens and
 * no trailing hyphen.
 */
export function isValidReplicationGroupId(id: string): boolean {
  return (
    id.length <= REPLICATION_GROUP_ID_MAX && /^[a-z][a-z0-9-]*$/.test(id) && !id.includes('--') && !id.endsWith('-')
  );
}

/**
 * The id of the replacement cache for one incident: `r-<cache id>-<hash>`.
 * The same incident always yields the same id, so a retried or redriven
 * Provision Cache finds the cache it created instead of creating another.
 * The cache id is shortened to fit; the hash of the incident id keeps ids of
 * different incidents apart.
 */
export function replacementGroupIdFor(cacheId: string, incidentId: string): string {
  const hash = createHash('sha256').update(incidentId).digest('hex').slice(0, 6);
  const room = REPLICATION_GROUP_ID_MAX - 'r-'.length - '-'.length - hash.length;
  const readable = cacheId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return readable ? `r-${readable}-${hash}` : `r-${hash}`;
}
