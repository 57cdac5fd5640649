import { QueryError } from '../query-protocol';

export const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
export const SNS_VERSION = '2010-03-31';

/** Published message size limit: body plus attribute names, types and values. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export type Protocol =
  'http' | 'https' | 'email' | 'email-json' | 'sms' | 'sqs' | 'lambda' | 'firehose' | 'application';

export const PROTOCOLS: readonly Protocol[] = [
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'lambda',
  'firehose',
  'application',
];

export interface MessageAttribute {
  readonly DataType: string;
  /** String, Number and String.Array values; Binary values as base64. */
  readonly Value: string;
}

export interface Topic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  readonly attributes: Map<string, string>;
  readonly tags: Map<string, string>;
}

export interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: Protocol;
  readonly endpoint: string;
  readonly attributes: Map<string, string>;
  readonly token: string;
  confirmed: boolean;
}

/** A message accepted by Publish, as recorded for tests and drills. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: 'json';
  readonly messageAttributes: Readonly<Record<string, MessageAttribute>>;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
  readonly sequenceNumber?: string;
  readonly timestamp: string;
}

export function invalidParameter(message: string): QueryError {
  return new QueryError('InvalidParameter', `Invalid parameter: ${message}`);
}

export function notFound(message: string): QueryError {
  return new QueryError('NotFound', message, 404);
}
