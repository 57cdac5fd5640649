/**
 * The recovery state machine's "Step Functions Execution Status Change"
 * events, sent by an EventBridge rule: a step failed and stopped the
 * execution, the execution timed out, was stopped or was redriven. The event
 * is validated and handed to the execution-status use case.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { config } from '../config';
import { ValidationError } from '../domain/errors';
import { incidentRefSchema } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import {
  executionStatusChanged,
  type ExecutionStatusChange,
  type ExecutionStatusDeps,
  type ExecutionStatusOutcome,
} from '../usecases/execution-status';
import { clock } from '../wiring/clock';
import { incidentStore, statusPages } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { executionReader } from '../wiring/sfn-executions';
import { notifier } from '../wiring/sns';

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

export function makeHandler(deps: ExecutionStatusDeps) {
  return lambdaHandler(
    'execution-status',
    async (event: unknown, _context: Context): Promise<{ outcome: ExecutionStatusOutcome; failedState?: string }> => {
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
    },
  );
}

export const handler = makeHandler(
  lazyDeps<ExecutionStatusDeps>({
    store: incidentStore,
    notifier,
    clock,
    templates: () => config.templates,
    notices: () => config.notices,
    statusPage: statusPages,
    executions: executionReader,
  }),
);
