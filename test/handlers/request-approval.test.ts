import { makeHandler } from '../../functions/handlers/request-approval';
import { lambdaContext } from '../fakes';
import { captureLogs } from '../fakes/log-capture';
import { assessment, CACHE_ID, INCIDENT_ID, worldWithIncident } from '../usecases/support';

const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAUtask-token-that-must-stay-secret';

describe('request-approval handler', () => {
  const captured = captureLogs();

  it('logs the step outcome without the task token', async () => {
    const world = worldWithIncident();

    await makeHandler(world)(
      { incidentId: INCIDENT_ID, cacheId: CACHE_ID, taskToken: TOKEN, step: 'recovery-plan', assessment: assessment() },
      lambdaContext(),
    );

    const logs = captured.text();
    expect(logs).toContain('"message":"approval requested"');
    expect(logs).toContain('"step":"request-approval"');
    expect(logs).not.toContain(TOKEN);
  });

  it('does not log the task token when the payload is refused', async () => {
    const world = worldWithIncident();

    await expect(
      makeHandler(world)(
        { incidentId: INCIDENT_ID, cacheId: CACHE_ID, taskToken: TOKEN, step: 'Not A Step!', assessment: assessment() },
        lambdaContext(),
      ),
    ).rejects.toThrow('step');

    expect(captured.text()).not.toContain(TOKEN);
  });
});
