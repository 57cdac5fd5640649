/** Step Functions adapters: one client per container. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { config } from '../config';
import { SfnExecutionRedriver, SfnTaskResumer, SfnWorkflow } from '../adapters/sfn-workflow';
import type { ExecutionRedriver, TaskResumer, Workflow } from '../ports';

let client: SFNClient | undefined;
export function sfnClient(): SFNClient {
  return (client ??= new SFNClient({ region: config.region }));
}

let workflowInstance: Workflow | undefined;
export function workflow(): Workflow {
  return (workflowInstance ??= new SfnWorkflow(config.stateMachineArn, { client: sfnClient() }));
}

let resumer: TaskResumer | undefined;
export function taskResumer(): TaskResumer {
  return (resumer ??= new SfnTaskResumer({ client: sfnClient() }));
}

let redriver: ExecutionRedriver | undefined;
export function executionRedriver(): ExecutionRedriver {
  return (redriver ??= new SfnExecutionRedriver({ client: sfnClient() }));
}
