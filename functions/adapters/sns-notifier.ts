/**
 * SNS: customer-facing status notices (one message per protocol) and
 * operator messages. Messages never carry task tokens or secrets.
 */
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { snsMessageStructure, type RenderedNotice } from '../domain/notices';
import { redact } from '../lib/observability';
import type { Notifier, OperatorMessage } from '../ports';
import { awsCall } from './aws-errors';

/**
 * SNS subjects must be printable ASCII without line breaks, at most 100
 * characters: typographic punctuation becomes ASCII, anything else is dropped.
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/[\u2018\u2019\u201a\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u2026/g, '...')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
  return (ascii || 'Notice').slice(0, 100);
}

function stringAttributes(values: Record<string, string>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    // SNS rejects empty attribute values.
    if (value !== '') out[name] = { DataType: 'String', StringValue: value };
  }
  return out;
}

export interface SnsNotifierOptions {
  statusTopicArn: string;
  operatorsTopicArn: string;
  client?: SNSClient;
  region?: string;
}

export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;

  constructor(private readonly options: SnsNotifierOptions) {
    this.client = options.client ?? new SNSClient(options.region ? { region: options.region } : {});
  }

  async publishStatus(
    notice: RenderedNotice,
    attributes: { incidentId: string; cacheId: string },
  ): Promise<{ messageId: string }> {
    const out = await awsCall('SNS Publish (status notice)', () =>
      this.client.send(
        new PublishCommand({
          TopicArn: this.options.statusTopicArn,
          MessageStructure: 'json',
          Message: snsMessageStructure(notice),
          Subject: snsSubject(notice.subject),
          MessageAttributes: stringAttributes({
            incidentId: attributes.incidentId,
            cacheId: attributes.cacheId,
            stage: notice.stage,
            severity: notice.severity,
          }),
        }),
      ),
    );
    return { messageId: out.MessageId ?? '' };
  }

  async publishOperators(message: OperatorMessage): Promise<{ messageId: string }> {
    const facts = message.facts === undefined ? undefined : (redact(message.facts) as Record<string, unknown>);
    const body = JSON.stringify({
      kind: message.kind,
      ...(message.incidentId !== undefined ? { incidentId: message.incidentId } : {}),
      ...(message.groupId !== undefined ? { groupId: message.groupId } : {}),
      cacheId: message.cacheId,
      subject: message.subject,
      message: message.text,
      ...(facts !== undefined ? { facts } : {}),
    });
    const out = await awsCall('SNS Publish (operators)', () =>
      this.client.send(
        new PublishCommand({
          TopicArn: this.options.operatorsTopicArn,
          MessageStructure: 'json',
          Message: JSON.stringify({
            default: message.text,
            email: facts === undefined ? message.text : `${message.text}\n\n${JSON.stringify(facts, null, 2)}`,
            http: body,
            https: body,
            lambda: body,
            sqs: body,
          }),
          Subject: snsSubject(message.subject),
          MessageAttributes: stringAttributes({
            incidentId: message.incidentId ?? '',
            cacheId: message.cacheId,
            kind: message.kind,
            groupId: message.groupId ?? '',
          }),
        }),
      ),
    );
    return { messageId: out.MessageId ?? '' };
  }
}
