/**
 * Close Incident: validates the payload and resolves the incident, with its
 * outage and degraded durations.
 */
import type { Context } from 'aws-lambda';
import { closeInputSchema, type CloseOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { closeIncident, type CloseIncidentDeps } from '../usecases/close-incident';
import { closeIncidentDeps } from './deps';

export function makeHandler(deps: CloseIncidentDeps) {
  return lambdaHandler('close-incident', async (event: unknown, _context: Context): Promise<CloseOutput> => {
    const input = parseInput('close-incident event', closeInputSchema, event);
    const out = await closeIncident(deps, input);
    logger.info('incident resolved', { plan: input.plan, ...out });
    return out;
  });
}

export const handler = makeHandler(closeIncidentDeps);
