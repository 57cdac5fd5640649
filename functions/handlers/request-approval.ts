/**
 * Request Approval (waitForTaskToken): validates the payload, keeps the task
 * token with the pending approval and asks the operators to decide. The
 * token is never logged: it is only handed to the use case.
 */
import type { Context } from 'aws-lambda';
import { requestApprovalInputSchema } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { requestApproval, type RequestApprovalDeps, type RequestApprovalOutput } from '../usecases/request-approval';
import { requestApprovalDeps } from './deps';

export function makeHandler(deps: RequestApprovalDeps) {
  return lambdaHandler(
    'request-approval',
    async (event: unknown, _context: Context): Promise<RequestApprovalOutput> => {
      const input = parseInput('request-approval event', requestApprovalInputSchema, event);
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
