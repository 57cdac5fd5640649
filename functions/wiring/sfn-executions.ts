/** Reads executions' status and current state for the console, on the container's one Step Functions client. */
import { SfnExecutionReader } from '../adapters/sfn-execution-reader';
import type { ExecutionReader } from '../ports';
import { sfnClient } from './sfn';

let instance: ExecutionReader | undefined;
export function executionReader(): ExecutionReader {
  return (instance ??= new SfnExecutionReader({ client: sfnClient() }));
}
