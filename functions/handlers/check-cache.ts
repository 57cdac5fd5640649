/**
 * Check Cache: validates the payload and polls the recovered group once.
 */
import type { Context } from 'aws-lambda';
import { checkCacheInputSchema, type RecoveryProgress } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { checkCache, type CheckCacheDeps } from '../usecases/check-cache';
import { checkCacheDeps } from './deps';

export function makeHandler(deps: CheckCacheDeps) {
  return lambdaHandler('check-cache', async (event: unknown, _context: Context): Promise<RecoveryProgress> => {
    const input = parseInput('check-cache event', checkCacheInputSchema, event);
    const out = await checkCache(deps, input);
    logger.info(out.ready ? 'cache ready' : 'cache not ready yet', {
      replicationGroupId: out.replicationGroupId,
      status: out.status,
      polls: out.polls,
      ready: out.ready,
    });
    return out;
  });
}

export const handler = makeHandler(checkCacheDeps);
