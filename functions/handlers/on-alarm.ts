/**
 * Receives CloudWatch alarm deliveries (EventBridge rule, SNS subscription or
 * Lambda alarm action, all invoked asynchronously) and starts at most one
 * recovery execution per incident.
 *
 * A delivery that is not an alarm or breaks CloudWatch's own limits, an alarm
 * from another account or region, an ALARM about a protected cache that is
 * neither this stack's probe alarm nor listed for the cache, and a probe
 * ALARM whose state reason shows no failed probes end in a thrown
 * ValidationError after they were logged: Lambda retries twice and then hands
 * the delivery to the function's on-failure destination, where it can be
 * inspected. Nothing is started for it. An alarm that concerns no protected
 * cache is not an error: it is logged and ignored.
 */
import type { Context } from 'aws-lambda';
import { ValidationError } from '../domain/errors';
import { logger, lambdaHandler } from '../lib/observability';
import type { Clock } from '../ports';
import { config } from '../config';
import {
  intake,
  type IntakeDeps,
  type IntakeOutcome,
  type IntakeResult,
  type RejectedReason,
} from '../usecases/intake';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { workflow } from '../wiring/sfn';
import { parseAlarmDelivery } from './alarm-envelopes';

export interface OnAlarmDeps extends IntakeDeps {
  clock: Clock;
}

function logOutcome(o: IntakeOutcome): void {
  const keys = {
    outcome: o.outcome,
    alarmName: o.alarmName,
    newState: o.newState,
    stateChangeTime: o.stateChangeTime,
    ...('cacheId' in o && o.cacheId ? { cacheId: o.cacheId } : {}),
    ...('incidentId' in o && o.incidentId ? { incidentId: o.incidentId } : {}),
  };
  switch (o.outcome) {
    case 'started':
      logger.info(o.alreadyStarted ? 'incident execution already running' : 'incident opened: recovery started', {
        ...keys,
        executionName: o.executionName,
        alreadyStarted: o.alreadyStarted,
      });
      return;
    case 'duplicate':
      logger.info('alarm joined the open incident', {
        ...keys,
        executionName: o.executionName,
        restartedExecution: o.restartedExecution,
        firstDelivery: o.firstDelivery,
      });
      return;
    case 'recorded':
      logger.info('alarm state recorded on the open incident', keys);
      return;
    case 'ignored':
      logger.info('alarm ignored', { ...keys, reason: o.reason, detail: o.detail });
      return;
    case 'rejected':
      logger.warn('alarm rejected', { ...keys, reason: o.reason, detail: o.detail });
      return;
  }
}

/** The part of the delivery each refusal is about. */
const REJECTED_PATH: Record<RejectedReason, string> = {
  'foreign-account': 'account',
  'foreign-region': 'region',
  'unlisted-alarm': 'alarmName',
  'unproven-alarm': 'state.reason',
};

export function makeHandler(deps: OnAlarmDeps) {
  return lambdaHandler('on-alarm', async (event: unknown, _context: Context): Promise<IntakeResult> => {
    const result = await intake(deps, parseAlarmDelivery(event), deps.clock.now());
    for (const o of result.outcomes) logOutcome(o);
    const rejected = result.outcomes.filter((o) => o.outcome === 'rejected');
    if (rejected.length > 0) {
      throw new ValidationError(
        'alarm delivery',
        rejected.map((o) => ({ path: REJECTED_PATH[o.reason], message: o.detail })),
      );
    }
    return result;
  });
}

export const handler = makeHandler(
  lazyDeps<OnAlarmDeps>({
    store: incidentStore,
    workflow,
    clock,
    config: () => config,
  }),
);
