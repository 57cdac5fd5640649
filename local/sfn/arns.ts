import { SfnApiError } from './errors';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

export interface Partition {
  region: string;
  accountId: string;
}

export function stateMachineArn(partition: Partition, name: string): string {
  return `arn:aws:states:${partition.region}:${partition.accountId}:stateMachine:${name}`;
}

export function executionArn(partition: Partition, stateMachineName: string, name: string): string {
  return `arn:aws:states:${partition.region}:${partition.accountId}:execution:${stateMachineName}:${name}`;
}

/** Throws InvalidName unless the name has 1–80 characters of letters, digits, `-` and `_`. */
export function assertValidName(name: string, what: string): void {
  if (!NAME.test(name))
    throw new SfnApiError(
      'InvalidName',
      `Invalid Name: '${name}' (${what} names have 1-80 characters: A-Z, a-z, 0-9, - and _)`,
    );
}

export function assertArn(arn: string, resource: 'stateMachine' | 'execution'): void {
  const pattern =
    resource === 'stateMachine'
      ? /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/
      : /^arn:aws:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
  if (!pattern.test(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
}
