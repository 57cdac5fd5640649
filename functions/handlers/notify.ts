/**
 * Notify Investigating / ETA / Partially Restored / Resolved: validates the
 * state's payload and publishes the stage's status notice once per incident.
 */
import * as z from 'zod';
import { config } from '../config';
import { NOTICE_STAGES } from '../domain/incident';
import { notify, type NotifyDeps } from '../usecases/notify';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { notifier } from '../wiring/sns';
import { incidentRef } from './schemas';
import { stepHandler } from './step-handler';

export const notifyEventSchema = incidentRef.extend({
  stage: z.enum(NOTICE_STAGES),
  etaMinutes: z.number().int().nonnegative().optional(),
});

export const makeHandler = (deps: NotifyDeps) =>
  stepHandler({
    name: 'notify',
    schema: notifyEventSchema,
    run: notify,
    deps,
    log: (out) => ({
      message: out.published ? 'status notice published' : 'status notice already published',
      stage: out.stage,
      published: out.published,
      ...(out.messageId ? { messageId: out.messageId } : {}),
    }),
  });

export const handler = makeHandler(
  lazyDeps<NotifyDeps>({
    store: incidentStore,
    notifier,
    clock,
    templates: () => config.templates,
    notices: () => config.notices,
  }),
);
