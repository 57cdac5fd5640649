import { IncidentNotFoundError, NotRedrivableError, ValidationError } from '../../functions/domain/errors';
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { makeHandler } from '../../functions/handlers/console';
import { redriveIncident } from '../../functions/usecases/redrive-incident';
import { viewIncident } from '../../functions/usecases/incident-view';
import { lambdaContext } from '../fakes';
import { CACHE_ID, INCIDENT_ID, worldWithIncident } from './support';

const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:recovery:${INCIDENT_ID}`;

/** An incident whose workflow stopped at Cut Over after its retries. */
async function stoppedAtCutOver(overrides: { status?: string; error?: string } = {}) {
  const world = worldWithIncident();
  await world.store.updateIncident(INCIDENT_ID, {
    status: 'FAILED',
    executionArn: EXECUTION_ARN,
    error: { error: 'AccessDeniedException', cause: 'not authorized to perform: ssm:PutParameter' },
  });
  world.executions.set(EXECUTION_ARN, {
    status: overrides.status ?? 'FAILED',
    currentState: 'Cut Over',
    error: overrides.error ?? 'AccessDeniedException',
  });
  const redriven: string[] = [];
  const deps = { ...world, redriver: { redrive: async (arn: string) => void redriven.push(arn) } };
  return { world, deps, redriven };
}

const request = { incidentId: INCIDENT_ID, requestedBy: 'ana@acme.test', reason: 'granted ssm:PutParameter' };

describe('redrive an incident', () => {
  it('continues the stopped workflow from its step, with who and why on the timeline first', async () => {
    const { world, deps, redriven } = await stoppedAtCutOver();
    // The console offers it.
    expect((await viewIncident(deps, INCIDENT_ID)).redrivable).toEqual({ state: 'Cut Over' });

    const out = await redriveIncident(deps, request);

    expect(out).toEqual({
      incidentId: INCIDENT_ID,
      executionArn: EXECUTION_ARN,
      continuesAt: 'Cut Over',
      requestedBy: 'ana@acme.test',
      requestedAt: world.clock.iso(),
    });
    expect(redriven).toEqual([EXECUTION_ARN]);
    const [event] = await world.store.timeline(INCIDENT_ID);
    expect(event).toMatchObject({
      type: 'REDRIVE_REQUESTED',
      message: 'ana@acme.test continued the workflow from Cut Over: granted ssm:PutParameter',
      detail: { requestedBy: 'ana@acme.test', continuesAt: 'Cut Over' },
    });
    // And no longer once it runs again.
    expect((await viewIncident(deps, INCIDENT_ID)).redrivable).toBeUndefined();
  });

  it.each([
    ['without a reason', { reason: '  ' }, ValidationError],
    ['for an unknown incident', { incidentId: 'nope' }, IncidentNotFoundError],
  ])('refuses %s and redrives nothing', async (_what, change, type) => {
    const { deps, redriven } = await stoppedAtCutOver();
    await expect(redriveIncident(deps, { ...request, ...change })).rejects.toBeInstanceOf(type);
    expect(redriven).toEqual([]);
  });

  it('refuses a workflow that ended the recovery itself: a redrive would end it the same way', async () => {
    const { deps, redriven } = await stoppedAtCutOver({ error: 'RecoveryFailed' });
    await expect(redriveIncident(deps, request)).rejects.toThrow(/ended the recovery itself.*reset the cache's alarm/);
    expect(redriven).toEqual([]);
    expect((await viewIncident(deps, INCIDENT_ID)).redrivable).toBeUndefined();
  });

  it('refuses a second click while the first redrive runs, and an open incident', async () => {
    const running = await stoppedAtCutOver({ status: 'RUNNING' });
    await expect(redriveIncident(running.deps, request)).rejects.toThrow(/its workflow is RUNNING/);

    const open = await stoppedAtCutOver();
    await open.world.store.updateIncident(INCIDENT_ID, { status: 'OPEN' });
    await expect(redriveIncident(open.deps, request)).rejects.toBeInstanceOf(NotRedrivableError);
    expect([...running.redriven, ...open.redriven]).toEqual([]);
  });

  it('writes no audit entry and leaves the incident failed when Step Functions refuses', async () => {
    const { world, deps } = await stoppedAtCutOver();
    const refusing = {
      ...deps,
      redriver: {
        redrive: () =>
          Promise.reject(new NotRedrivableError('Step Functions refused the redrive: ExecutionNotRedrivable')),
      },
    };
    await expect(redriveIncident(refusing, request)).rejects.toBeInstanceOf(NotRedrivableError);
    expect(await world.store.timelineTypes(INCIDENT_ID)).toEqual([]);
    expect(world.store.incident(INCIDENT_ID)?.status).toBe('FAILED');
  });

  it('opens the incident again at once, so that a new ALARM meanwhile joins it', async () => {
    const { world, deps } = await stoppedAtCutOver();
    await redriveIncident(deps, request);
    expect(world.store.incident(INCIDENT_ID)).toMatchObject({ status: 'OPEN', attempt: 1 });
  });

  it('refuses when a newer incident holds the cache', async () => {
    const { world, deps, redriven } = await stoppedAtCutOver();
    world.store.seedLock(CACHE_ID, 'newer');
    await expect(redriveIncident(deps, request)).rejects.toThrow(/incident newer now holds cache/);
    // Or that resolved and released it.
    await world.store.releaseOpenLock(CACHE_ID, 'newer');
    await expect(redriveIncident(deps, request)).rejects.toThrow(/no open incident/);
    expect(redriven).toEqual([]);
  });
});

describe('console: POST /incidents/{id}/redrive', () => {
  const event = (body: string, groups = 'operators'): ConsoleEvent =>
    ({
      version: '2.0',
      routeKey: 'POST /incidents/{id}/redrive',
      rawPath: `/incidents/${INCIDENT_ID}/redrive`,
      rawQueryString: '',
      headers: {
        accept: 'application/json',
        authorization: 'Bearer token',
        'content-type': 'application/x-www-form-urlencoded',
        host: 'console.acme.test',
      },
      requestContext: {
        http: { method: 'POST', path: `/incidents/${INCIDENT_ID}/redrive` },
        authorizer: { lambda: { username: 'ana@acme.test', groups } },
      },
      body,
      isBase64Encoded: false,
    }) as unknown as ConsoleEvent;

  async function consoleWorld() {
    const stopped = await stoppedAtCutOver();
    const handler = makeHandler({
      ...stopped.deps,
      resumer: {
        sendSuccess: async () => undefined,
        sendFailure: async () => undefined,
        heartbeat: async () => undefined,
      },
      signIn: {} as never,
    });
    const invoke = (e: ConsoleEvent) => handler(e, lambdaContext('console')) as Promise<ConsoleResult>;
    return { ...stopped, invoke };
  }

  it('an operator continues the workflow; a second request answers 409', async () => {
    const { invoke, redriven, world } = await consoleWorld();
    const first = await invoke(event('reason=granted+ssm%3APutParameter'));
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body ?? '{}')).toMatchObject({ continuesAt: 'Cut Over', requestedBy: 'ana@acme.test' });
    world.executions.set(EXECUTION_ARN, { status: 'RUNNING', currentState: 'Cut Over' });
    const second = await invoke(event('reason=again'));
    expect(second.statusCode).toBe(409);
    expect(redriven).toEqual([EXECUTION_ARN]);
  });

  it('someone outside the operators group, or without a reason, redrives nothing', async () => {
    const { invoke, redriven } = await consoleWorld();
    expect((await invoke(event('reason=x', 'viewers'))).statusCode).toBe(403);
    expect((await invoke(event('reason='))).statusCode).toBe(400);
    expect(redriven).toEqual([]);
  });
});
