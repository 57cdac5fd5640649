/**
 * Check Cache: validates the payload and polls the recovered group once.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { RecoveryProgress } from '../domain/steps';
import { lambdaHandler, logger } from '../lib/observability';
import { checkCache, type CheckCacheDeps } from '../usecases/check-cache';
import { checkCacheDeps } from './deps';
import { incidentRef, parseEvent, recoverySchema } from './schemas';

export const checkCacheEventSchema = incidentRef.extend({
  recovery: recoverySchema,
  maxPolls: z.number().int().min(1),
});

export function makeHandler(deps: CheckCacheDeps) {
  return lambdaHandler('check-cache', async (event: unknown, _context: Context): Promise<RecoveryProgress> => {
    const input = parseEvent('check-cache event', checkCacheEventSchema, event);
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
