import { IncidentSupersededError } from '../../domain/errors';
import type { IncidentLocks } from '../../ports';

/**
 * Steps that change what clients use or are told (promote, provision, cut
 * over, rehydrate, notify) run only while their incident holds the cache's
 * open-incident lock. A failed incident whose cache a newer incident took, or
 * that a newer one resolved and released, stops here when redriven late
 * instead of racing or contradicting the newer recovery.
 */
export async function assertCurrentIncident(
  store: Pick<IncidentLocks, 'getOpenLock'>,
  cacheId: string,
  incidentId: string,
): Promise<void> {
  const lock = await store.getOpenLock(cacheId);
  if (lock?.incidentId !== incidentId) {
    const holder = lock
      ? `incident ${lock.incidentId} now holds cache ${cacheId}`
      : `cache ${cacheId} has no open incident`;
    throw new IncidentSupersededError(`${holder}; incident ${incidentId} stops here`);
  }
}
