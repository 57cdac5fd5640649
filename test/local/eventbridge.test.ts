import { matchesPattern, startEventBus } from '../../local/eventbridge';

const redriven = {
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { stateMachineArn: 'arn:sm', status: 'RUNNING', redriveCount: 1 },
};

describe('local EventBridge patterns', () => {
  it('matches literal values, nested fields and numeric ranges', () => {
    const pattern = {
      source: ['aws.states'],
      detail: { stateMachineArn: ['arn:sm'], status: ['RUNNING'], redriveCount: [{ numeric: ['>', 0] }] },
    };
    expect(matchesPattern(pattern, redriven)).toBe(true);
    expect(matchesPattern(pattern, { ...redriven, detail: { ...redriven.detail, redriveCount: 0 } })).toBe(false);
    expect(matchesPattern(pattern, { ...redriven, detail: { ...redriven.detail, stateMachineArn: 'arn:other' } })).toBe(
      false,
    );
    expect(matchesPattern(pattern, { ...redriven, source: 'aws.cloudwatch' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.states' })).toBe(false);
  });

  it('matches prefix, exists and anything-but, and any element of an array field', () => {
    expect(
      matchesPattern({ detail: { alarmName: [{ prefix: 'svc-' }, 'exact'] } }, { detail: { alarmName: 'svc-a' } }),
    ).toBe(true);
    expect(
      matchesPattern({ detail: { alarmName: [{ prefix: 'svc-' }, 'exact'] } }, { detail: { alarmName: 'exact' } }),
    ).toBe(true);
    expect(matchesPattern({ detail: { alarmName: [{ prefix: 'svc-' }] } }, { detail: { alarmName: 'other' } })).toBe(
      false,
    );
    expect(matchesPattern({ detail: { error: [{ exists: false }] } }, { detail: {} })).toBe(true);
    expect(matchesPattern({ detail: { error: [{ exists: true }] } }, { detail: {} })).toBe(false);
    expect(matchesPattern({ status: [{ 'anything-but': ['SUCCEEDED'] }] }, { status: 'FAILED' })).toBe(true);
    expect(matchesPattern({ status: [{ 'anything-but': ['SUCCEEDED'] }] }, { status: 'SUCCEEDED' })).toBe(false);
    expect(matchesPattern({ resources: ['arn:x'] }, { resources: ['arn:y', 'arn:x'] })).toBe(true);
  });

  it('refuses a matcher it does not implement rather than never matching', () => {
    expect(() =>
      matchesPattern(
        { detail: { alarmName: [{ suffix: '-unreachable' }] } },
        { detail: { alarmName: 'x-unreachable' } },
      ),
    ).toThrow(/does not support/);
  });

  it('delivers an event to every rule it matches, and to no other', () => {
    const delivered: string[] = [];
    const bus = startEventBus(
      [
        { functionName: 'escalate', pattern: { source: ['aws.states'], detail: { status: ['FAILED'] } } },
        { functionName: 'reopen', pattern: { source: ['aws.states'], detail: { status: ['RUNNING'] } } },
        { functionName: 'on-alarm', pattern: { source: ['aws.cloudwatch'] } },
      ],
      (fn) => delivered.push(fn),
    );
    expect(bus.put(redriven)).toEqual(['reopen']);
    expect(bus.put({ source: 'aws.cloudwatch', detail: {} })).toEqual(['on-alarm']);
    expect(bus.put('not an event')).toEqual([]);
    expect(delivered).toEqual(['reopen', 'on-alarm']);
  });
});
