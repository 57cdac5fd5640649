/**
 * Two callers. The state machine's Record Failure / Record Rejection /
 * Approval Timed Out steps send an escalation payload; an EventBridge rule
 * sends the recovery state machine's "Step Functions Execution Status Change"
 * events (a step failed and stopped the execution, the execution timed out,
 * was stopped or was redriven). Each is validated and handed to its use case.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../domain/errors';
import { escalateInputSchema, incidentRefSchema } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { escalate, type EscalateOutput } from '../usecases/escalate';
import {
  executionStatusChanged,
  type ExecutionStatusChange,
  type ExecutionStatusDeps,
  type ExecutionStatusOutcome,
} from '../usecases/execution-status';
import { escalateDeps } from './deps';

const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

export const executionStatusEventSchema = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal(STATUS_CHANGE_DETAIL_TYPE),
  detail: z.object({
    executionArn: z.string().startsWith('arn:'),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
    redriveCount: z.number().int().nonnegative().nullish(),
  }),
});

const isStatusChange = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.states';

/** The event's detail as the use case reads it; the execution input names the incident. */
export function statusChangeOf(event: unknown): ExecutionStatusChange {
  const { detail } = parseInput('execution status event', executionStatusEventSchema, event);
  let input: unknown;
  try {
    input = detail.input ? (JSON.parse(detail.input) as unknown) : undefined;
  } catch (cause) {
    throw new ValidationError('execution status event', [{ path: 'detail.input', message: 'is not JSON' }], { cause });
  }
  return {
    executionArn: detail.executionArn,
    status: detail.status,
    input: parseInput('execution input', incidentRefSchema, input),
    error: detail.error ?? undefined,
    cause: detail.cause ?? undefined,
    redriveCount: detail.redriveCount ?? 0,
  };
}

export type EscalateHandlerOutput = EscalateOutput | { outcome: ExecutionStatusOutcome; failedState?: string };

export function makeHandler(deps: ExecutionStatusDeps) {
  return lambdaHandler('escalate', async (event: unknown, _context: Context): Promise<EscalateHandlerOutput> => {
    if (isStatusChange(event)) {
      const change = statusChangeOf(event);
      const out = await executionStatusChanged(deps, change);
      logger.info(`execution ${change.status.toLowerCase()}: ${out.outcome}`, {
        incidentId: change.input.incidentId,
        status: change.status,
        error: change.error,
        redriveCount: change.redriveCount,
        ...out,
      });
      return out;
    }
    const input = parseInput('escalate event', escalateInputSchema, event);
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
