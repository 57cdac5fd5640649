import type { MessageAttribute } from './model';

/**
 * No signing certificates exist locally, so every message carries this fixed placeholder
 * signature. Subscribers that verify signatures must skip verification against this server.
 */
export const PLACEHOLDER_SIGNATURE = Buffer.from('local-sns-placeholder-signature').toString('base64');

export const SNS_USER_AGENT = 'Amazon Simple Notification Service Agent';

interface Signed {
  readonly signatureVersion: string;
  readonly signingCertUrl: string;
}

export interface NotificationFields extends Signed {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly timestamp: string;
  readonly sequenceNumber?: string;
  readonly unsubscribeUrl: string;
  readonly attributes: ReadonlyMap<string, MessageAttribute>;
}

export interface ConfirmationFields extends Signed {
  readonly messageId: string;
  readonly token: string;
  readonly topicArn: string;
  readonly subscribeUrl: string;
  readonly timestamp: string;
}

/** The JSON document SNS POSTs for a notification, keys in the order SNS sends them. */
export function notificationEnvelope(fields: NotificationFields): string {
  const attributes = Object.fromEntries(
    [...fields.attributes].map(([name, attribute]) => [name, { Type: attribute.DataType, Value: attribute.Value }]),
  );
  return JSON.stringify({
    Type: 'Notification',
    MessageId: fields.messageId,
    SequenceNumber: fields.sequenceNumber,
    TopicArn: fields.topicArn,
    Subject: fields.subject,
    Message: fields.message,
    Timestamp: fields.timestamp,
    SignatureVersion: fields.signatureVersion,
    Signature: PLACEHOLDER_SIGNATURE,
    SigningCertURL: fields.signingCertUrl,
    UnsubscribeURL: fields.unsubscribeUrl,
    MessageAttributes: fields.attributes.size > 0 ? attributes : undefined,
  });
}

/** The JSON document SNS POSTs to a new HTTP(S) subscription, keys in the order SNS sends them. */
export function confirmationEnvelope(fields: ConfirmationFields): string {
  return JSON.stringify({
    Type: 'SubscriptionConfirmation',
    MessageId: fields.messageId,
    Token: fields.token,
    TopicArn: fields.topicArn,
    Message: confirmationText(fields),
    SubscribeURL: fields.subscribeUrl,
    Timestamp: fields.timestamp,
    SignatureVersion: fields.signatureVersion,
    Signature: PLACEHOLDER_SIGNATURE,
    SigningCertURL: fields.signingCertUrl,
  });
}

export function confirmationText(fields: ConfirmationFields): string {
  return `You have chosen to subscribe to the topic ${fields.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
}
