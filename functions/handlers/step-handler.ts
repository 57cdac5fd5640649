/**
 * The one shape of a recovery step's handler: parse the state's payload with
 * the step's schema, call the step's use case with its deps, log one line
 * about the outcome, return the use case's output to the state machine.
 */
import type { LogItemMessage } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { lambdaHandler, logger } from '../lib/observability';
import { parseInput } from '../domain/validation';

export interface StepSpec<S extends z.ZodType, D, O> {
  /** The step's function name: the `step` key of its log lines, and `<name> event` in its validation errors. */
  name: string;
  /** The payload the state machine sends. */
  schema: S;
  /** The step's use case. */
  run: (deps: D, input: z.output<S>) => Promise<O>;
  deps: D;
  /** The step's one info line: a message, or a message with keys. Never the task token. */
  log: (out: O, input: z.output<S>) => LogItemMessage;
}

export function stepHandler<S extends z.ZodType, D, O>(step: StepSpec<S, D, O>) {
  return lambdaHandler(step.name, async (event: unknown, _context: Context): Promise<O> => {
    const input = parseInput(`${step.name} event`, step.schema, event);
    const out = await step.run(step.deps, input);
    logger.info(step.log(out, input));
    return out;
  });
}
