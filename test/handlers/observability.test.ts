/**
 * The logging every function shares: Lambda context and the incident's keys
 * on each line of an invocation and of that invocation only, one line per
 * failure, errors passed on unchanged, and never the event itself.
 */
import { IncidentNotFoundError } from '../../functions/domain/errors';
import { lambdaHandler, logger } from '../../functions/lib/observability';
import { lambdaContext } from '../fakes';
import { captureLogs } from '../fakes/log-capture';

type Line = Record<string, unknown>;

describe('lambdaHandler logging', () => {
  const logs = captureLogs();
  const lines = (): Line[] => logs.lines();
  const context = (awsRequestId: string) => ({ ...lambdaContext('assess'), awsRequestId });

  const working = lambdaHandler('assess', async (event: unknown) => {
    logger.info('working');
    return event;
  });

  it('puts the Lambda context, the step and the incident on every line of the invocation', async () => {
    await working({ incidentId: 'inc-1', cacheId: 'sessions' }, context('request-1'));

    expect(lines()).toEqual([
      expect.objectContaining({
        message: 'working',
        function_name: 'assess',
        function_request_id: 'request-1',
        step: 'assess',
        incidentId: 'inc-1',
        cacheId: 'sessions',
      }),
    ]);
  });

  it('does not carry the incident into the next invocation', async () => {
    await working({ incidentId: 'inc-1', cacheId: 'sessions' }, context('request-1'));
    logs.clear();

    await working({}, context('request-2'));

    const [line, ...more] = lines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ message: 'working', function_request_id: 'request-2', step: 'assess' });
    expect(line).not.toHaveProperty('incidentId');
    expect(line).not.toHaveProperty('cacheId');
  });

  it('does not carry the incident of a failed invocation into the next one', async () => {
    const failing = lambdaHandler('assess', async () => {
      throw new IncidentNotFoundError('incident inc-1 not found');
    });
    await expect(failing({ incidentId: 'inc-1', cacheId: 'sessions' }, context('request-1'))).rejects.toThrow();
    expect(lines()).toEqual([expect.objectContaining({ message: 'step failed', incidentId: 'inc-1' })]);
    logs.clear();

    await working({ something: 'else' }, context('request-2'));

    const [line] = lines();
    expect(line).toMatchObject({ message: 'working', function_request_id: 'request-2' });
    expect(line).not.toHaveProperty('incidentId');
    expect(line).not.toHaveProperty('cacheId');
  });

  it('logs a domain error as one warning with its name, and passes the same error on', async () => {
    const err = new IncidentNotFoundError('incident inc-1 not found');
    const failing = lambdaHandler('close-incident', async () => {
      throw err;
    });

    const thrown = await failing({ incidentId: 'inc-1', cacheId: 'sessions' }, context('request-1')).catch(
      (e: unknown) => e,
    );

    expect(thrown).toBe(err);
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'step failed',
        errorName: 'IncidentNotFoundError',
        errorMessage: 'incident inc-1 not found',
        step: 'close-incident',
        incidentId: 'inc-1',
      }),
    ]);
  });

  it('logs any other error as one error line, and passes the same error on', async () => {
    const err = new TypeError('cannot read properties of undefined');
    const failing = lambdaHandler('verify', async () => {
      throw err;
    });

    const thrown = await failing({ incidentId: 'inc-1', cacheId: 'sessions' }, context('request-1')).catch(
      (e: unknown) => e,
    );

    expect(thrown).toBe(err);
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'step failed',
        error: expect.objectContaining({ name: 'TypeError', message: 'cannot read properties of undefined' }),
        step: 'verify',
      }),
    ]);
  });

  it('never logs the event, even when POWERTOOLS_LOGGER_LOG_EVENT asks for it', async () => {
    const token = 'AAAAKgAAAAIAAAAAAAAAAUtask-token-that-must-stay-secret';
    const previous = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      await jest.isolateModulesAsync(async () => {
        const fresh = await import('../../functions/lib/observability');
        const handler = fresh.lambdaHandler('request-approval', async () => {
          fresh.logger.info('approval requested');
        });

        await handler({ incidentId: 'inc-1', cacheId: 'sessions', taskToken: token }, context('request-1'));
      });
    } finally {
      if (previous === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
      else process.env.POWERTOOLS_LOGGER_LOG_EVENT = previous;
    }

    expect(lines().map((l) => l.message)).toEqual(['approval requested']);
    expect(logs.text()).not.toContain(token);
  });
});
