/**
 * Provision Cache: validates the payload and creates the replacement
 * replication group from the chosen backup (once per incident).
 */
import type { Context } from 'aws-lambda';
import type { RecoveryProgress } from '../domain/steps';
import { lambdaHandler, logger } from '../lib/observability';
import { provision, type ProvisionDeps } from '../usecases/provision';
import { provisionDeps } from './deps';
import { assessmentSchema, incidentRef, parseEvent } from './schemas';

export const provisionEventSchema = incidentRef.extend({ assessment: assessmentSchema });

export function makeHandler(deps: ProvisionDeps) {
  return lambdaHandler('provision', async (event: unknown, _context: Context): Promise<RecoveryProgress> => {
    const input = parseEvent('provision event', provisionEventSchema, event);
    const out = await provision(deps, input);
    logger.info('replacement requested', { replicationGroupId: out.replicationGroupId, status: out.status });
    return out;
  });
}

export const handler = makeHandler(provisionDeps);
