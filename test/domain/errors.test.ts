import * as errors from '../../functions/domain/errors';
import {
  BackupMethodRefusedError,
  DomainError,
  QuotaExceededError,
  ValidationError,
} from '../../functions/domain/errors';

type ErrorClass = new (message: string, ...rest: unknown[]) => DomainError;
const errorClasses: [string, ErrorClass][] = Object.entries(errors as Record<string, unknown>)
  .filter(([, value]) => typeof value === 'function' && (value as ErrorClass).prototype instanceof DomainError)
  .map(([name, value]) => [name, value as ErrorClass]);
/**
 * One of each error, as the code raises it (a ValidationError also lists its
 * issues; a BackupMethodRefusedError names the method, the command and the reply;
 * a QuotaExceededError the AWS error, the quota and the nodes requested).
 */
const make = (ErrorClass: ErrorClass, message: string, cause?: unknown): DomainError =>
  ErrorClass === (ValidationError as unknown)
    ? new ErrorClass(message, [], { cause })
    : ErrorClass === (BackupMethodRefusedError as unknown)
      ? new BackupMethodRefusedError('sync', 'SYNC', message, { cause })
      : ErrorClass === (QuotaExceededError as unknown)
        ? new QuotaExceededError('NodeQuotaForCustomerExceeded', 'Nodes per Region', 2, message, { cause })
        : new ErrorClass(message, { cause });

describe('workflow errors', () => {
  // The state machine matches errors by name, and a bundler may rename classes.
  it.each(errorClasses)('%s is named by a string, not by its class', (exportedAs, ErrorClass) => {
    const error = make(ErrorClass, 'example');
    expect(error.name).toBe(exportedAs);
    expect(Object.getOwnPropertyDescriptor(error, 'name')?.value).toBe(exportedAs);
    expect(error).toBeInstanceOf(Error);
  });

  it.each(errorClasses)('%s carries the error that caused it', (_exportedAs, ErrorClass) => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:6379');
    expect(make(ErrorClass, 'example', cause).cause).toBe(cause);
  });
});

describe('ValidationError: what was refused, and where', () => {
  it.each<[string, errors.ValidationIssue[], string]>([
    [
      'one field',
      [{ path: 'assessment.plan', message: 'Required' }],
      'step payload is invalid: assessment.plan: Required',
    ],
    [
      'several fields, in order',
      [
        { path: 'incidentId', message: 'Required' },
        { path: 'cacheId', message: 'Expected string, received number' },
      ],
      'step payload is invalid: incidentId: Required; cacheId: Expected string, received number',
    ],
    ['the whole input', [{ path: '', message: 'is not JSON' }], 'step payload is invalid: is not JSON'],
  ])('%s', (_case, issues, message) => {
    const error = new ValidationError('step payload', issues);
    expect(error.message).toBe(message);
    expect(error.what).toBe('step payload');
    expect(error.issues).toEqual(issues);
  });
});
