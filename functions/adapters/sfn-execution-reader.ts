/**
 * ExecutionReader on Step Functions: DescribeExecution for the status and the
 * newest `…StateEntered` event of GetExecutionHistory for the current state.
 * Execution data (input, output) is never read into the view.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { awsCall, errorName } from './aws-errors';
import type { ExecutionReader, ExecutionState } from '../ports';

export class SfnExecutionReader implements ExecutionReader {
  private readonly client: SFNClient;

  constructor(options: { client?: SFNClient; region?: string } = {}) {
    this.client = options.client ?? new SFNClient(options.region ? { region: options.region } : {});
  }

  async describe(executionArn: string): Promise<ExecutionState | undefined> {
    let described;
    try {
      described = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      if (errorName(err) === 'ExecutionDoesNotExist') return undefined;
      return awsCall('Step Functions DescribeExecution', () => Promise.reject(err));
    }
    const history = await awsCall('Step Functions GetExecutionHistory', () =>
      this.client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          maxResults: 100,
          includeExecutionData: false,
        }),
      ),
    );
    const entered = (history.events ?? []).find(
      (e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name,
    );
    const state: ExecutionState = { status: described.status ?? 'UNKNOWN' };
    const currentState = entered?.stateEnteredEventDetails?.name;
    if (currentState) state.currentState = currentState;
    if (described.startDate) state.startedAt = new Date(described.startDate).toISOString();
    if (described.stopDate) state.stoppedAt = new Date(described.stopDate).toISOString();
    if (described.error) state.error = described.error;
    if (typeof described.redriveCount === 'number') state.redriveCount = described.redriveCount;
    return state;
  }
}
