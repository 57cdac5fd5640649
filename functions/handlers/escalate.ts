/**
 * The state machine's Record Failure / Record Rejection / Approval Timed Out
 * steps: validates the escalation payload and hands it to the escalate use
 * case. (The execution status events that escalate an execution stopped at a
 * step go to ./execution-status.ts.)
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { lambdaHandler, logger } from '../lib/observability';
import { escalate, type EscalateDeps, type EscalateOutput } from '../usecases/escalate';
import { escalateDeps } from './deps';
import { incidentRef, parseEvent } from './schemas';

export const escalateEventSchema = incidentRef.extend({
  kind: z.enum(['failed', 'rejected', 'approval-timeout']),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  approvalDefault: z.enum(['proceed', 'abort']).optional(),
  redriveCount: z.number().int().nonnegative().optional(),
  executionArn: z.string().startsWith('arn:').optional(),
});

export function makeHandler(deps: EscalateDeps) {
  return lambdaHandler('escalate', async (event: unknown, _context: Context): Promise<EscalateOutput> => {
    const input = parseEvent('escalate event', escalateEventSchema, event);
    const out = await escalate(deps, input);
    logger.info(out.published ? 'operators escalated' : 'operators already escalated', {
      kind: out.kind,
      error: input.error?.Error,
      published: out.published,
    });
    return out;
  });
}

export const handler = makeHandler(escalateDeps);
