/**
 * Assess: validates the state's payload and decides the recovery plan from
 * what the primary, the replicas, the Global Datastore and the backups show.
 */
import type { Context } from 'aws-lambda';
import { assessInputSchema, type AssessOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { assess, type AssessDeps } from '../usecases/assess';
import { assessDeps } from './deps';

export function makeHandler(deps: AssessDeps) {
  return lambdaHandler('assess', async (event: unknown, _context: Context): Promise<AssessOutput> => {
    const input = parseInput('assess event', assessInputSchema, event);
    const out = await assess(deps, input);
    logger.info('assessed', {
      plan: out.plan,
      reason: out.reason,
      requiresApproval: out.requiresApproval,
      etaMinutes: out.etaMinutes,
      rejectedBackups: out.rejectedBackups.length,
    });
    return out;
  });
}

export const handler = makeHandler(assessDeps);
