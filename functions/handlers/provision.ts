/**
 * Provision Cache: validates the payload and creates the replacement
 * replication group from the chosen backup (once per incident).
 */
import type { Context } from 'aws-lambda';
import { recoveryInputSchema, type RecoveryProgress } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { provision, type ProvisionDeps } from '../usecases/provision';
import { provisionDeps } from './deps';

export function makeHandler(deps: ProvisionDeps) {
  return lambdaHandler('provision', async (event: unknown, _context: Context): Promise<RecoveryProgress> => {
    const input = parseInput('provision event', recoveryInputSchema, event);
    const out = await provision(deps, input);
    logger.info('replacement requested', { replicationGroupId: out.replicationGroupId, status: out.status });
    return out;
  });
}

export const handler = makeHandler(provisionDeps);
