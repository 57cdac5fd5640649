/**
 * Request Approval (waitForTaskToken): validates the payload, keeps the task
 * token with the pending approval and asks the operators to decide. The
 * token is never logged: it is only handed to the use case.
 */
import { config } from '../config';
import { requestApproval, type RequestApprovalDeps } from '../usecases/request-approval';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { notifier } from '../wiring/sns';
import { stepHandler } from './step-handler';
import { requestApprovalInputSchema } from '../domain/steps';

export const makeHandler = (deps: RequestApprovalDeps) =>
  stepHandler({
    name: 'request-approval',
    schema: requestApprovalInputSchema,
    run: requestApproval,
    deps,
    log: (out, input) => ({
      message: out.published ? 'approval requested' : 'approval request already sent',
      approvalStep: out.step,
      plan: input.assessment.plan,
      published: out.published,
    }),
  });

export const handler = makeHandler(
  lazyDeps<RequestApprovalDeps>({
    store: incidentStore,
    notifier,
    clock,
    notices: () => config.notices,
    timeZone: () => config.operatorTimeZone,
    caches: () => config.protectedCaches,
  }),
);
