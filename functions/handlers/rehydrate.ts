/**
 * Rehydrate: validates the payload and writes back from the source of truth
 * what the recovered cache lacks, customizations first.
 */
import type { Context } from 'aws-lambda';
import type { RehydrateOutput } from '../domain/steps';
import { lambdaHandler, logger } from '../lib/observability';
import { rehydrate, type RehydrateDeps } from '../usecases/rehydrate';
import { rehydrateDeps } from './deps';
import { assessmentSchema, cutoverSchema, incidentRef, parseEvent } from './schemas';

export const rehydrateEventSchema = incidentRef.extend({ assessment: assessmentSchema, cutover: cutoverSchema });

export function makeHandler(deps: RehydrateDeps) {
  return lambdaHandler('rehydrate', async (event: unknown, _context: Context): Promise<RehydrateOutput> => {
    const input = parseEvent('rehydrate event', rehydrateEventSchema, event);
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
