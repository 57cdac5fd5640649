/**
 * What the escalate handler's use cases need, resolved on first use from the
 * wired adapters and the configuration.
 */
import { config } from '../config';
import type { ExecutionStatusDeps } from '../usecases/execution-status';
import { clock } from '../wiring/clock';
import { incidentStore } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { executionReader } from '../wiring/sfn-executions';
import { notifier } from '../wiring/sns';

export const escalateDeps = lazyDeps<ExecutionStatusDeps>({
  store: incidentStore,
  notifier: notifier,
  clock,
  notices: () => config.notices,
  executions: executionReader,
});
