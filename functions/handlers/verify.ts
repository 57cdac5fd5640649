/**
 * Verify Cache / Verify Data: validates the payload and checks the recovered
 * cache as clients see it (mode cache) or against the source of truth (mode data).
 */
import type { Context } from 'aws-lambda';
import { verifyInputSchema, type VerifyOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { verify, type VerifyDeps } from '../usecases/verify';
import { verifyDeps } from './deps';

export function makeHandler(deps: VerifyDeps) {
  return lambdaHandler('verify', async (event: unknown, _context: Context): Promise<VerifyOutput> => {
    const input = parseInput('verify event', verifyInputSchema, event);
    const out = await verify(deps, input);
    logger.info(out.mode === 'cache' ? 'cache verified' : 'data verified', {
      mode: out.mode,
      keysChecked: out.keysChecked,
    });
    return out;
  });
}

export const handler = makeHandler(verifyDeps);
