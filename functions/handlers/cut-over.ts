/**
 * Cut Over: validates the payload and points the endpoint record at the
 * recovered cache.
 */
import type { Context } from 'aws-lambda';
import { cutOverInputSchema, type CutOverOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { cutOver, type CutOverDeps } from '../usecases/cut-over';
import { cutOverDeps } from './deps';

export function makeHandler(deps: CutOverDeps) {
  return lambdaHandler('cut-over', async (event: unknown, _context: Context): Promise<CutOverOutput> => {
    const input = parseInput('cut-over event', cutOverInputSchema, event);
    const out = await cutOver(deps, input);
    logger.info('cut over', {
      parameter: out.parameter,
      current: `${out.current.host}:${out.current.port}`,
      ...(out.previous ? { previous: `${out.previous.host}:${out.previous.port}` } : {}),
      version: out.version,
    });
    return out;
  });
}

export const handler = makeHandler(cutOverDeps);
