import type { Topic } from './model';
import { invalidParameter } from './model';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const FEEDBACK_ATTRIBUTE =
  /^(HTTP|HTTPS|Lambda|SQS|Application|Firehose)(Success|Failure)Feedback(RoleArn|SampleRate)$/;
const MUTABLE_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'DisplayName',
  'Policy',
  'TracingConfig',
  'KmsMasterKeyId',
  'SignatureVersion',
  'ArchivePolicy',
  'DataProtectionPolicy',
  'ContentBasedDeduplication',
  'FifoThroughputScope',
]);
const JSON_ATTRIBUTES = new Set(['DeliveryPolicy', 'Policy', 'ArchivePolicy', 'DataProtectionPolicy']);

export function topicArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sns:${region}:${accountId}:${name}`;
}

/** Validates a CreateTopic name against its FifoTopic attribute; returns whether it is FIFO. */
export function validateTopicName(name: string | undefined, fifoAttribute: string | undefined): boolean {
  const fifo = fifoAttribute === 'true';
  if (fifo && !FIFO_TOPIC_NAME.test(name ?? '')) {
    throw invalidParameter(
      'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
    );
  }
  if (!fifo && !TOPIC_NAME.test(name ?? '')) throw invalidParameter('Topic Name');
  return fifo;
}

/** Validates one attribute for CreateTopic (creating = true) or SetTopicAttributes. */
export function validateTopicAttribute(name: string, value: string, fifo: boolean, creating: boolean): void {
  if (name === 'FifoTopic') {
    if (!creating) throw invalidParameter('AttributeName');
    return;
  }
  if (!MUTABLE_ATTRIBUTES.has(name) && !FEEDBACK_ATTRIBUTE.test(name)) throw invalidParameter('AttributeName');
  if (name === 'DisplayName' && value.length > 100) throw invalidParameter('DisplayName');
  if (name === 'SignatureVersion' && value !== '1' && value !== '2') {
    throw invalidParameter(
      'Attributes Reason: SignatureVersion: Invalid value [' + value + ']. Valid values are [1, 2].',
    );
  }
  if ((name === 'ContentBasedDeduplication' || name === 'FifoThroughputScope') && !fifo) {
    throw invalidParameter(`Attributes Reason: ${name} is only valid for FIFO topics`);
  }
  if (JSON_ATTRIBUTES.has(name) && value !== '' && !isJsonObject(value)) {
    throw invalidParameter(`Attributes Reason: ${name}: failed to parse JSON`);
  }
}

export interface SubscriptionCounts {
  readonly confirmed: number;
  readonly pending: number;
  readonly deleted: number;
}

/** GetTopicAttributes: SNS defaults overlaid with the attributes that were set. */
export function topicAttributes(topic: Topic, accountId: string, counts: SubscriptionCounts): Map<string, string> {
  const attributes = new Map<string, string>([
    ['Policy', defaultPolicy(topic.arn, accountId)],
    ['Owner', accountId],
    ['SubscriptionsPending', String(counts.pending)],
    ['TopicArn', topic.arn],
    ['EffectiveDeliveryPolicy', DEFAULT_DELIVERY_POLICY],
    ['SubscriptionsConfirmed', String(counts.confirmed)],
    ['DisplayName', ''],
    ['SubscriptionsDeleted', String(counts.deleted)],
  ]);
  if (topic.fifo) {
    attributes.set('FifoTopic', 'true');
    attributes.set('ContentBasedDeduplication', 'false');
  }
  for (const [name, value] of topic.attributes) attributes.set(name, value);
  const delivery = topic.attributes.get('DeliveryPolicy');
  if (delivery) attributes.set('EffectiveDeliveryPolicy', delivery);
  return attributes;
}

export const DEFAULT_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
});

function defaultPolicy(arn: string, accountId: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: arn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
