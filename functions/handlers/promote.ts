/**
 * Promote Replica: validates the payload and promotes the replica (or fails
 * the Global Datastore over); Check Cache then polls until it serves.
 */
import type { Context } from 'aws-lambda';
import { recoveryInputSchema, type RecoveryProgress } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { promote, type PromoteDeps } from '../usecases/promote';
import { promoteDeps } from './deps';

export function makeHandler(deps: PromoteDeps) {
  return lambdaHandler('promote', async (event: unknown, _context: Context): Promise<RecoveryProgress> => {
    const input = parseInput('promote event', recoveryInputSchema, event);
    const out = await promote(deps, input);
    logger.info('promotion started', { plan: out.plan, replicationGroupId: out.replicationGroupId });
    return out;
  });
}

export const handler = makeHandler(promoteDeps);
