/**
 * The execution-status handler: the recovery state machine's "Step Functions
 * Execution Status Change" events, as EventBridge delivers them, reach the
 * execution-status use case; anything else is a ValidationError.
 */
import { ValidationError } from '../../functions/domain/errors';
import { makeHandler as escalateHandler } from '../../functions/handlers/escalate';
import { makeHandler, statusChangeOf } from '../../functions/handlers/execution-status';
import { logger } from '../../functions/lib/observability';
import { lambdaContext } from '../fakes';
import { CACHE_ID, INCIDENT_ID, worldWithIncident } from '../usecases/support';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:recovery:sessions-20240514T093200Z-abc';

/** The event as EventBridge delivers it. */
function statusEvent(detail: Record<string, unknown>) {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2024-05-14T09:40:00Z',
    region: 'us-east-1',
    resources: [EXECUTION_ARN],
    detail: {
      executionArn: EXECUTION_ARN,
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:recovery',
      name: 'sessions-20240514T093200Z-abc',
      status: 'FAILED',
      startDate: 1715679120000,
      stopDate: 1715679600000,
      input: JSON.stringify({ incidentId: INCIDENT_ID, cacheId: CACHE_ID, openedAt: '2024-05-14T09:32:00.000Z' }),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: 'TransientDependencyError',
      cause: 'SSM PutParameter: ThrottlingException',
      redriveCount: 0,
      redriveDate: null,
      redriveStatus: 'REDRIVABLE',
      ...detail,
    },
  };
}

beforeAll(() => logger.setLogLevel('SILENT'));
afterAll(() => logger.setLogLevel('INFO'));

describe('execution-status handler, EventBridge status event', () => {
  it('reads the incident from the execution input and escalates', async () => {
    const world = worldWithIncident();
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Rehydrate' });
    const out = await makeHandler(world)(statusEvent({}), lambdaContext('execution-status'));
    expect(out).toEqual({ outcome: 'escalated', failedState: 'Rehydrate' });
    expect(world.notifier.operators).toHaveLength(1);
  });

  it.each([
    ['an input that is not JSON', { input: '{oops' }, 'detail.input'],
    ['an input without the incident', { input: '{}' }, 'incidentId'],
    ['an unknown status', { status: 'EXPLODED' }, 'detail.status'],
    ['an execution ARN that is not one', { executionArn: 'exec' }, 'detail.executionArn'],
  ])('%s is a ValidationError and escalates nothing', async (_what, detail, path) => {
    const world = worldWithIncident();
    let error: unknown;
    try {
      statusChangeOf(statusEvent(detail));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).join(' ')).toContain(path);
    await expect(makeHandler(world)(statusEvent(detail), lambdaContext('execution-status'))).rejects.toThrow(
      ValidationError,
    );
    expect(world.notifier.operators).toHaveLength(0);
  });
});

describe('escalate handler', () => {
  it('takes the state machine escalation payload only: a status event is a ValidationError and escalates nothing', async () => {
    const world = worldWithIncident();
    world.executions.set(EXECUTION_ARN, { status: 'FAILED', currentState: 'Rehydrate' });
    await expect(escalateHandler(world)(statusEvent({}), lambdaContext('escalate'))).rejects.toThrow(ValidationError);
    expect(world.notifier.operators).toHaveLength(0);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([]);
  });
});
