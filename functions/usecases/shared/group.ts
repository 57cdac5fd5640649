/**
 * The incident group of a running incident, and its member's progress on it.
 * Steps do not take the group id from the state machine's input (executions
 * started before groups existed have none): the open-incident lock keeps the
 * execution input, and Confirm Outage copies the id onto the incident record
 * before the lock can be released.
 */
import type { IncidentGroup, MemberState } from '../../domain/groups';
import type { Incident } from '../../domain/incident';
import type { GroupStore, IncidentLocks } from '../../ports';

export async function groupOf(
  store: Pick<IncidentLocks, 'getOpenLock'>,
  incident: Pick<Incident, 'incidentId' | 'cacheId' | 'groupId'>,
): Promise<string> {
  if (incident.groupId) return incident.groupId;
  const lock = await store.getOpenLock(incident.cacheId);
  return (lock?.incidentId === incident.incidentId ? lock.executionInput.groupId : undefined) ?? incident.incidentId;
}

/**
 * Moves the incident's member of its group forward; nothing when the incident belongs to no group item. The
 * group as it then is.
 */
export async function markGroupMember(
  store: Pick<IncidentLocks, 'getOpenLock'> & Pick<GroupStore, 'markMember'>,
  incident: Pick<Incident, 'incidentId' | 'cacheId' | 'groupId'>,
  state: MemberState,
): Promise<IncidentGroup | undefined> {
  return store.markMember(await groupOf(store, incident), incident.incidentId, state);
}
