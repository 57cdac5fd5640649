import type { ExecutionInput } from '../../functions/domain/incident';
import type { Workflow } from '../../functions/ports';
import { Failures, copy } from './failures';

export const FAKE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:incident-recovery';

/**
 * Step Functions executions by name. Starting a name that already exists
 * starts nothing and reports the existing execution (what the adapter makes
 * of ExecutionAlreadyExists, or of StartExecution's idempotent answer to an
 * identical request).
 */
export class FakeWorkflow implements Workflow {
  readonly failures = new Failures<keyof Workflow>();
  readonly calls: { name: string; input: ExecutionInput }[] = [];
  private readonly executions = new Map<string, { executionArn: string; input: ExecutionInput }>();

  async start(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    this.failures.check('start');
    this.calls.push({ name, input: copy(input) });
    const existing = this.executions.get(name);
    if (existing) return { executionArn: existing.executionArn, alreadyStarted: true };
    const executionArn = `${FAKE_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
    this.executions.set(name, { executionArn, input: copy(input) });
    return { executionArn, alreadyStarted: false };
  }

  /** Executions actually started, by name. */
  started(): { name: string; executionArn: string; input: ExecutionInput }[] {
    return [...this.executions.entries()].map(([name, e]) => ({ name, ...copy(e) }));
  }
}
