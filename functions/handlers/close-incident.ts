/**
 * Close Incident: validates the payload and resolves the incident, with its
 * outage and degraded durations.
 */
import type { Context } from 'aws-lambda';
import type { CloseOutput } from '../domain/steps';
import { lambdaHandler, logger } from '../lib/observability';
import { closeIncident, type CloseIncidentDeps } from '../usecases/close-incident';
import { closeIncidentDeps } from './deps';
import { incidentRef, parseEvent, planSchema } from './schemas';

export const closeEventSchema = incidentRef.extend({ plan: planSchema });

export function makeHandler(deps: CloseIncidentDeps) {
  return lambdaHandler('close-incident', async (event: unknown, _context: Context): Promise<CloseOutput> => {
    const input = parseEvent('close-incident event', closeEventSchema, event);
    const out = await closeIncident(deps, input);
    logger.info('incident resolved', { plan: input.plan, ...out });
    return out;
  });
}

export const handler = makeHandler(closeIncidentDeps);
