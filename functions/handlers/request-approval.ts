/**
 * Request Approval (waitForTaskToken): validates the payload, keeps the task
 * token with the pending approval and asks the operators to decide. The
 * token is never logged: it is only handed to the use case.
 */
import * as z from 'zod';
import { config } from '../config';
import { requestApproval, type RequestApprovalDeps } from '../usecases/request-approval';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { notifier } from '../wiring/sns';
import { assessmentSchema, incidentRef } from './schemas';
import { stepHandler } from './step-handler';

export const requestApprovalEventSchema = incidentRef.extend({
  taskToken: z.string().min(1).max(8192),
  step: z.string().regex(/^[a-z0-9-]{1,64}$/),
  assessment: assessmentSchema,
});

export const makeHandler = (deps: RequestApprovalDeps) =>
  stepHandler({
    name: 'request-approval',
    schema: requestApprovalEventSchema,
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
  }),
);
