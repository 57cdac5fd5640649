import 'aws-sdk-client-mock-jest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier, snsSubject } from '../../functions/adapters/sns-notifier';
import { TransientDependencyError } from '../../functions/domain/errors';
import type { RenderedNotice } from '../../functions/domain/notices';
import { throttled } from './aws-errors';

const sns = mockClient(SNSClient);
const STATUS = 'arn:aws:sns:eu-west-1:1:status';
const OPERATORS = 'arn:aws:sns:eu-west-1:1:operators';
const notifier = () =>
  new SnsNotifier({ statusTopicArn: STATUS, operatorsTopicArn: OPERATORS, client: sns as unknown as SNSClient });

const notice: RenderedNotice = {
  stage: 'ETA',
  severity: 'critical',
  subject: 'Shop: back in about 15 minutes',
  text: 'Shop should be back up and running in about 15 minutes.',
  sms: 'Shop: back in about 15 min.',
  json: {
    incidentId: 'i-1',
    cacheId: 'sessions',
    stage: 'ETA',
    severity: 'critical',
    subject: 'Shop: back in about 15 minutes',
    message: 'Shop should…',
    etaMinutes: 15,
  },
};

afterEach(() => sns.reset());

describe('SnsNotifier', () => {
  it('publishes a status notice with one message per protocol and filterable attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    const result = await notifier().publishStatus(notice, { incidentId: 'i-1', cacheId: 'sessions' });

    // Assess
    expect(result).toEqual({ messageId: 'm-1' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: STATUS,
      MessageStructure: 'json',
      Subject: 'Shop: back in about 15 minutes',
      MessageAttributes: {
        incidentId: { DataType: 'String', StringValue: 'i-1' },
        cacheId: { DataType: 'String', StringValue: 'sessions' },
        stage: { DataType: 'String', StringValue: 'ETA' },
        severity: { DataType: 'String', StringValue: 'critical' },
      },
    });
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(message.default).toBe(notice.text);
    expect(message.sms).toBe(notice.sms);
    expect(JSON.parse(message.https)).toEqual(notice.json);
  });

  it('publishes operator messages with a JSON body for webhooks and no task token', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });

    // Act
    await notifier().publishOperators({
      kind: 'approval-request',
      incidentId: 'i-1',
      cacheId: 'sessions',
      subject: 'Approval needed',
      text: 'Approve restoring sessions from backup',
      facts: { plan: 'PROVISION_FROM_BACKUP', taskToken: 'SECRET-TOKEN' },
    });

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: OPERATORS,
      MessageStructure: 'json',
      Subject: 'Approval needed',
      MessageAttributes: {
        incidentId: { DataType: 'String', StringValue: 'i-1' },
        cacheId: { DataType: 'String', StringValue: 'sessions' },
        kind: { DataType: 'String', StringValue: 'approval-request' },
      },
    });
    expect(input?.Message).not.toContain('SECRET-TOKEN');
    const message = JSON.parse(input?.Message ?? '{}');
    expect(message.default).toBe('Approve restoring sessions from backup');
    expect(JSON.parse(message.https)).toEqual({
      kind: 'approval-request',
      incidentId: 'i-1',
      cacheId: 'sessions',
      subject: 'Approval needed',
      message: 'Approve restoring sessions from backup',
      facts: { plan: 'PROVISION_FROM_BACKUP', taskToken: '[redacted]' },
    });
  });

  it('reports throttling as transient', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(throttled());

    // Act
    const attempt = notifier().publishStatus(notice, { incidentId: 'i-1', cacheId: 'sessions' });

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });

  it('makes subjects SNS accepts: printable ASCII, one line, at most 100 characters', () => {
    // Act / Assess
    expect(snsSubject('Café — back “soon”…\nreally')).toBe('Cafe - back "soon"... really');
    expect(snsSubject('x'.repeat(150))).toHaveLength(100);
    expect(snsSubject('🚨')).toBe('Notice');
  });
});
