/**
 * Notify Investigating / ETA / Partially Restored / Resolved: validates the
 * state's payload and publishes the stage's status notice once per incident.
 */
import { config } from '../config';
import { notify, type NotifyDeps } from '../usecases/notify';
import { clock } from '../wiring/clock';
import { incidentStore, statusPages } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { notifier } from '../wiring/sns';
import { stepHandler } from './step-handler';
import { notifyInputSchema } from '../domain/steps';

export const makeHandler = (deps: NotifyDeps) =>
  stepHandler({
    name: 'notify',
    schema: notifyInputSchema,
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
    statusPage: statusPages,
  }),
);
