/**
 * Cut Over: points the endpoint record clients follow at the recovered
 * cache. The previous endpoint is saved on the incident before the write, so
 * a retry after the write still reports (and keeps, for rollback) the
 * endpoint clients used before.
 */
import type { ProtectedCache } from '../domain/caches';
import { ValidationError } from '../domain/errors';
import type { CutOverInput, CutOverOutput } from '../domain/steps';
import { describeEndpoint, sameEndpoint } from '../domain/endpoints';
import type { Clock, EndpointRecord, IncidentLocks, IncidentRecords, Timeline } from '../ports';
import { assertCurrentIncident } from './shared/current-incident';
import { findCache } from './shared/protected-cache';
import { addTimeline } from './shared/timeline';

export interface CutOverDeps {
  store: IncidentRecords & Timeline & IncidentLocks;
  endpoints: EndpointRecord;
  clock: Clock;
  caches: readonly ProtectedCache[];
}

export async function cutOver(deps: CutOverDeps, input: CutOverInput): Promise<CutOverOutput> {
  const { incidentId, cacheId, recovery } = input;
  const target = recovery.endpoint;
  if (!recovery.ready || !target) {
    throw new ValidationError('cut-over input', [
      { path: 'recovery', message: 'the recovered cache is not ready or has no endpoint' },
    ]);
  }
  const cache = findCache(deps.caches, cacheId);
  await assertCurrentIncident(deps.store, cacheId, incidentId);
  const parameter = cache.endpointParameter;
  const current = await deps.endpoints.read(parameter);
  const incident = await deps.store.getIncident(incidentId);

  let previous = current;
  let version = 0;
  const changed = !sameEndpoint(current, target);
  if (changed) {
    await deps.store.updateIncident(incidentId, {
      ...(current ? { previousEndpoint: current } : {}),
      newEndpoint: target,
    });
    ({ version } = await deps.endpoints.write(parameter, target));
  } else if (incident?.previousEndpoint && sameEndpoint(incident.newEndpoint, target)) {
    previous = incident.previousEndpoint;
  } else {
    await deps.store.updateIncident(incidentId, {
      ...(current ? { previousEndpoint: current } : {}),
      newEndpoint: target,
    });
  }

  const at = deps.clock.now().toISOString();
  const message = changed
    ? `${parameter} now points at ${describeEndpoint(target)}${previous ? ` (was ${describeEndpoint(previous)})` : ''}`
    : `${parameter} already points at ${describeEndpoint(target)}`;
  await addTimeline(deps, incidentId, 'CUT_OVER', message, { parameter, previous, current: target, version, changed });
  return { parameter, ...(previous ? { previous } : {}), current: target, version, at };
}
