/**
 * Verify Cache / Verify Data: validates the payload and checks the recovered
 * cache as clients see it (mode cache) or against the source of truth (mode data).
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { VerifyOutput } from '../domain/steps';
import { lambdaHandler, logger } from '../lib/observability';
import { verify, type VerifyDeps } from '../usecases/verify';
import { verifyDeps } from './deps';
import { assessmentSchema, cutoverSchema, incidentRef, parseEvent } from './schemas';

export const verifyEventSchema = z.discriminatedUnion('mode', [
  incidentRef.extend({ mode: z.literal('cache'), cutover: cutoverSchema, assessment: assessmentSchema.optional() }),
  incidentRef.extend({ mode: z.literal('data'), cutover: cutoverSchema, assessment: assessmentSchema }),
]);

export function makeHandler(deps: VerifyDeps) {
  return lambdaHandler('verify', async (event: unknown, _context: Context): Promise<VerifyOutput> => {
    const input = parseEvent('verify event', verifyEventSchema, event);
    const out = await verify(deps, input);
    logger.info(out.mode === 'cache' ? 'cache verified' : 'data verified', {
      mode: out.mode,
      keysChecked: out.keysChecked,
    });
    return out;
  });
}

export const handler = makeHandler(verifyDeps);
