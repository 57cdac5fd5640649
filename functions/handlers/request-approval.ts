/**
 * Request Approval (waitForTaskToken): validates the payload, keeps the task
 * token with the pending approval and asks the operators to decide. The
 * token is never logged: it is only handed to the use case.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { lambdaHandler, logger } from '../lib/observability';
import { requestApproval, type RequestApprovalDeps, type RequestApprovalOutput } from '../usecases/request-approval';
import { requestApprovalDeps } from './deps';
import { assessmentSchema, incidentRef, parseEvent } from './schemas';

export const requestApprovalEventSchema = incidentRef.extend({
  taskToken: z.string().min(1).max(8192),
  step: z.string().regex(/^[a-z0-9-]{1,64}$/),
  assessment: assessmentSchema,
});

export function makeHandler(deps: RequestApprovalDeps) {
  return lambdaHandler(
    'request-approval',
    async (event: unknown, _context: Context): Promise<RequestApprovalOutput> => {
      const input = parseEvent('request-approval event', requestApprovalEventSchema, event);
      const out = await requestApproval(deps, input);
      logger.info(out.published ? 'approval requested' : 'approval request already sent', {
        approvalStep: out.step,
        plan: input.assessment.plan,
        published: out.published,
      });
      return out;
    },
  );
}

export const handler = makeHandler(requestApprovalDeps);
