/**
 * Assess: validates the state's payload and decides the recovery plan from
 * what the primary, the replicas, the Global Datastore and the backups show.
 */
import type { Context } from 'aws-lambda';
import type { AssessOutput } from '../domain/steps';
import { lambdaHandler, logger } from '../lib/observability';
import { assess, type AssessDeps } from '../usecases/assess';
import { assessDeps } from './deps';
import { incidentRef, isoTime, parseEvent } from './schemas';

export const assessEventSchema = incidentRef.extend({ openedAt: isoTime });

export function makeHandler(deps: AssessDeps) {
  return lambdaHandler('assess', async (event: unknown, _context: Context): Promise<AssessOutput> => {
    const input = parseEvent('assess event', assessEventSchema, event);
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
