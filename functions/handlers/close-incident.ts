/**
 * Close Incident: validates the payload and resolves the incident, with its
 * outage and degraded durations, stores its post-incident report and tells
 * the operators the cache is back.
 */
import { config } from '../config';
import { closeIncident, type CloseIncidentDeps } from '../usecases/close-incident';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { reportArchive } from '../wiring/s3';
import { notifier } from '../wiring/sns';
import { stepHandler } from './step-handler';
import { closeInputSchema } from '../domain/steps';

export const makeHandler = (deps: CloseIncidentDeps) =>
  stepHandler({
    name: 'close-incident',
    schema: closeInputSchema,
    run: closeIncident,
    deps,
    log: (out, input) => ({ message: 'incident resolved', plan: input.plan, ...out }),
  });

export const handler = makeHandler(
  lazyDeps<CloseIncidentDeps>({
    store: incidentStore,
    clock,
    reports: reportArchive,
    notifier,
    notices: () => config.notices,
    timeZone: () => config.operatorTimeZone,
  }),
);
