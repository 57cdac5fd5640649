import type { ExecutionReader, ExecutionState } from '../../functions/ports';

/** Executions as Step Functions would describe them, set by the test. */
export class FakeExecutionReader implements ExecutionReader {
  private readonly states = new Map<string, ExecutionState>();

  set(executionArn: string, state: ExecutionState): void {
    this.states.set(executionArn, state);
  }

  async describe(executionArn: string): Promise<ExecutionState | undefined> {
    return this.states.get(executionArn);
  }
}
