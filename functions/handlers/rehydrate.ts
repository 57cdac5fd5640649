/**
 * Rehydrate: validates the payload and writes back from the source of truth
 * what the recovered cache lacks, customizations first.
 */
import type { Context } from 'aws-lambda';
import { rehydrateInputSchema, type RehydrateOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { rehydrate, type RehydrateDeps } from '../usecases/rehydrate';
import { rehydrateDeps } from './deps';

export function makeHandler(deps: RehydrateDeps) {
  return lambdaHandler('rehydrate', async (event: unknown, _context: Context): Promise<RehydrateOutput> => {
    const input = parseInput('rehydrate event', rehydrateInputSchema, event);
    const out = await rehydrate(deps, input);
    logger.info('rehydrated', {
      since: out.since,
      written: out.written,
      expiredSkipped: out.expiredSkipped,
      byKind: out.byKind,
      seconds: out.seconds,
    });
    return out;
  });
}

export const handler = makeHandler(rehydrateDeps);
