/**
 * Notify Investigating / ETA / Partially Restored / Resolved: validates the
 * state's payload and publishes the stage's status notice once per incident.
 */
import type { Context } from 'aws-lambda';
import { notifyInputSchema, type NotifyOutput } from '../domain/steps';
import { parseInput } from '../domain/validation';
import { lambdaHandler, logger } from '../lib/observability';
import { notify, type NotifyDeps } from '../usecases/notify';
import { notifyDeps } from './deps';

export function makeHandler(deps: NotifyDeps) {
  return lambdaHandler('notify', async (event: unknown, _context: Context): Promise<NotifyOutput> => {
    const input = parseInput('notify event', notifyInputSchema, event);
    const out = await notify(deps, input);
    logger.info(out.published ? 'status notice published' : 'status notice already published', {
      stage: out.stage,
      published: out.published,
      ...(out.messageId ? { messageId: out.messageId } : {}),
    });
    return out;
  });
}

export const handler = makeHandler(notifyDeps);
