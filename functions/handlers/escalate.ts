/**
 * The state machine's Record Failure / Record Rejection / Approval Timed Out
 * steps: validates the escalation payload and hands it to the escalate use
 * case. (The execution status events that escalate an execution stopped at a
 * step go to ./execution-status.ts.)
 */
import { config } from '../config';
import { escalateInputSchema } from '../domain/steps';
import { escalate, type EscalateDeps } from '../usecases/escalate';
import { clock } from '../wiring/clock';
import { incidentStore, statusPages } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { executionReader } from '../wiring/sfn-executions';
import { reportArchive } from '../wiring/s3';
import { notifier } from '../wiring/sns';
import { stepHandler } from './step-handler';

export const makeHandler = (deps: EscalateDeps) =>
  stepHandler({
    name: 'escalate',
    schema: escalateInputSchema,
    run: escalate,
    deps,
    log: (out, input) => ({
      message: out.published ? 'operators escalated' : 'operators already escalated',
      kind: out.kind,
      error: input.error?.Error,
      published: out.published,
    }),
  });

export const handler = makeHandler(
  lazyDeps<EscalateDeps>({
    store: incidentStore,
    notifier,
    clock,
    templates: () => config.templates,
    notices: () => config.notices,
    statusPage: statusPages,
    executions: executionReader,
    reports: reportArchive,
    timeZone: () => config.operatorTimeZone,
  }),
);
