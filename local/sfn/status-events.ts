/**
 * "Step Functions Execution Status Change" events, as Step Functions sends
 * them to the account's default EventBridge bus: one when an execution
 * starts or is redriven (RUNNING) and one when it ends.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionDescription } from './execution';

export const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

export interface ExecutionStatusEvent {
  version: '0';
  id: string;
  'detail-type': typeof STATUS_CHANGE_DETAIL_TYPE;
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionDescription['status'];
    startDate: number;
    stopDate: number | null;
    input: string;
    output: string | null;
    inputDetails: { included: true };
    outputDetails: { included: true } | null;
    error: string | null;
    cause: string | null;
    redriveCount: number;
    redriveDate: number | null;
    redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
    redriveStatusReason: string;
  };
}

export type StatusChangeListener = (event: ExecutionStatusEvent) => void;

export function statusChangeEvent(
  d: ExecutionDescription,
  where: { region: string; account: string },
): ExecutionStatusEvent {
  const redrivable = d.status === 'FAILED' || d.status === 'TIMED_OUT' || d.status === 'ABORTED';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': STATUS_CHANGE_DETAIL_TYPE,
    source: 'aws.states',
    account: where.account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [d.executionArn],
    detail: {
      executionArn: d.executionArn,
      stateMachineArn: d.stateMachineArn,
      name: d.name,
      status: d.status,
      startDate: d.startDate.getTime(),
      stopDate: d.stopDate ? d.stopDate.getTime() : null,
      input: d.input,
      output: d.output ?? null,
      inputDetails: { included: true },
      outputDetails: d.output !== undefined ? { included: true } : null,
      error: d.error ?? null,
      cause: d.cause ?? null,
      redriveCount: d.redriveCount,
      redriveDate: d.redriveDate ? d.redriveDate.getTime() : null,
      redriveStatus: redrivable ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      redriveStatusReason: redrivable ? '' : `Execution is ${d.status} and cannot be redriven`,
    },
  };
}
