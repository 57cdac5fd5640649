/**
 * Confirm Outage: validates the payload and checks the cache as clients reach
 * it before any customer notice: a confirmed outage, or a false alarm told to
 * the operators only.
 */
import type { Context } from 'aws-lambda';
import { confirmInputSchema, type ConfirmOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { confirmOutage, type ConfirmOutageDeps } from '../usecases/confirm-outage';
import { confirmOutageDeps } from './deps';

export function makeHandler(deps: ConfirmOutageDeps) {
  return lambdaHandler('confirm-outage', async (event: unknown, _context: Context): Promise<ConfirmOutput> => {
    const input = parseInput('confirm-outage event', confirmInputSchema, event);
    const out = await confirmOutage(deps, input);
    logger.info(out.confirmed ? 'outage confirmed' : 'false alarm', {
      confirmed: out.confirmed,
      pings: out.pings.length,
      ...(out.error ? { error: out.error } : {}),
    });
    return out;
  });
}

export const handler = makeHandler(confirmOutageDeps);
