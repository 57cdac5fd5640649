/**
 * functions/domain/workflow.ts against statemachines/incident-recovery.asl.json:
 * the Fail states the escalation and the redrive rules know are exactly the
 * ASL's, each with the kind of escalation its recording step sends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redriveCheck, WORKFLOW_FAIL_STATES } from '../../functions/domain/workflow';

interface State {
  Type: string;
  Next?: string;
  Error?: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
}

const ASL = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'statemachines', 'incident-recovery.asl.json'), 'utf8'),
) as { States: Record<string, State> };
const states = Object.entries(ASL.States);
const failStates = states.filter(([, s]) => s.Type === 'Fail');
const tasks = states.filter(([, s]) => s.Type === 'Task');
const failed = { status: 'FAILED' as const, error: { error: 'TransientDependencyError', cause: 'throttled' } };

describe('the workflow module and the ASL', () => {
  it('knows exactly the Fail states, each by its error and the kind its recording step escalates', () => {
    expect(failStates.length).toBeGreaterThan(0);
    const known = Object.fromEntries(
      failStates.map(([name, fail]) => {
        const recording = tasks.filter(([, s]) => s.Next === name);
        // One recording step per Fail state, and it escalates.
        expect({ name, recording: recording.map(([n]) => n).length }).toEqual({ name, recording: 1 });
        const [, step] = recording[0]!;
        expect(step.Resource).toBe('${EscalateFunctionArn}');
        return [fail.Error, step.Parameters?.kind];
      }),
    );
    expect(known).toEqual(WORKFLOW_FAIL_STATES);
  });

  it.each(failStates.map(([name, s]) => [name, s.Error!]))(
    'refuses to redrive an execution that ended in its own Fail state "%s" (%s)',
    (name, error) => {
      const check = redriveCheck(failed, { status: 'FAILED', currentState: name, error });
      expect(check).toMatchObject({
        ok: false,
        why: expect.stringContaining('the workflow ended the recovery itself'),
      });
    },
  );

  // A recording step catches everything into its Fail state: a fault stops the others where they are.
  const stoppable = tasks.filter(([, s]) => !failStates.some(([fail]) => s.Next === fail)).map(([name]) => name);

  it.each(stoppable)('continues an execution that a fault stopped at "%s"', (name) => {
    expect(redriveCheck(failed, { status: 'FAILED', currentState: name, error: 'States.TaskFailed' })).toEqual({
      ok: true,
      state: name,
    });
  });
});
