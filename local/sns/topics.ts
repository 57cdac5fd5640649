import { invalidParameter } from './model';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const FEEDBACK_ATTRIBUTE =
  /^(HTTP|HTTPS|Lambda|SQS|Application|Firehose)(Success|Failure)Feedback(RoleArn|SampleRate)$/;
const ATTRIBUTES = new Set([
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

/** Validates one CreateTopic attribute. */
export function validateTopicAttribute(name: string, value: string, fifo: boolean): void {
  if (name === 'FifoTopic') return;
  if (!ATTRIBUTES.has(name) && !FEEDBACK_ATTRIBUTE.test(name)) throw invalidParameter('AttributeName');
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

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
