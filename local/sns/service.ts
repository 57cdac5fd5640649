import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Deliverer } from './delivery';
import type { ConfirmationFields } from './envelope';
import { SNS_USER_AGENT, confirmationEnvelope, confirmationText, notificationEnvelope } from './envelope';
import type { MessageInput, ValidMessage } from './message';
import { messageForProtocol, validateMessage } from './message';
import type { PublishedMessage, Subscription, Topic } from './model';
import { invalidParameter, notFound } from './model';
import {
  isAutoConfirmed,
  isRawDelivery,
  parseProtocol,
  validateEndpoint,
  validateSubscriptionAttributes,
} from './subscriptions';
import { topicArn, validateTopicAttribute, validateTopicName } from './topics';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/;
const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

export interface SnsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  /** Base URL of this server, used in SubscribeURL, UnsubscribeURL and SigningCertURL. */
  readonly endpoint: string;
  readonly deliverer: Deliverer;
}

export interface PublishInput extends MessageInput {
  readonly topicArn: string | undefined;
  readonly messageGroupId: string | undefined;
  readonly messageDeduplicationId: string | undefined;
}

export interface PublishResult {
  readonly messageId: string;
  readonly sequenceNumber?: string;
}

export interface SubscribeInput {
  readonly topicArn: string | undefined;
  readonly protocol: string | undefined;
  readonly endpoint: string | undefined;
  readonly attributes: ReadonlyMap<string, string>;
  readonly returnSubscriptionArn: boolean;
}

interface TopicState extends Topic {
  sequence: bigint;
  readonly deduplication: Map<string, { result: PublishResult; expires: number }>;
}

/** Topics, subscriptions and publishing: the behaviour behind the Query actions. */
export class SnsService {
  private readonly topics = new Map<string, TopicState>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly log: PublishedMessage[] = [];

  constructor(private readonly options: SnsServiceOptions) {}

  createTopic(
    name: string | undefined,
    attributes: ReadonlyMap<string, string>,
    tags: ReadonlyMap<string, string>,
  ): string {
    const fifo = validateTopicName(name, attributes.get('FifoTopic'));
    for (const [key, value] of attributes) validateTopicAttribute(key, value, fifo);
    const arn = topicArn(this.options.region, this.options.accountId, name ?? '');
    const existing = this.topics.get(arn);
    if (existing) {
      if ([...attributes].some(([key, value]) => key !== 'FifoTopic' && existing.attributes.get(key) !== value)) {
        throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
      }
      if ([...tags].some(([key, value]) => existing.tags.get(key) !== value)) {
        throw invalidParameter('Tags Reason: Topic already exists with different tags');
      }
      return arn;
    }
    const own = new Map([...attributes].filter(([key]) => key !== 'FifoTopic'));
    this.topics.set(arn, {
      arn,
      name: name ?? '',
      fifo,
      attributes: own,
      tags: new Map(tags),
      sequence: 0n,
      deduplication: new Map(),
    });
    return arn;
  }

  listTopics(): string[] {
    return [...this.topics.keys()];
  }

  subscribe(input: SubscribeInput): string {
    const topic = this.topic(input.topicArn);
    const protocol = parseProtocol(input.protocol);
    const endpoint = validateEndpoint(protocol, input.endpoint);
    const attributes = validateSubscriptionAttributes(protocol, input.attributes);
    const existing = this.subscriptionsOf(topic.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (existing && !sameEntries(existing.attributes, attributes)) {
      throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
    }
    const subscription: Subscription = existing ?? {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol,
      endpoint,
      attributes,
      token: randomBytes(64).toString('hex'),
      confirmed: isAutoConfirmed(protocol),
    };
    this.subscriptions.set(subscription.arn, subscription);
    if (!subscription.confirmed) this.sendConfirmation(subscription);
    return subscription.confirmed || input.returnSubscriptionArn ? subscription.arn : 'pending confirmation';
  }

  confirmSubscription(topicArn: string | undefined, token: string | undefined): string {
    const topic = this.topic(topicArn);
    const subscription = this.subscriptionsOf(topic.arn).find((s) => s.token === token);
    if (!subscription || token === undefined) throw invalidParameter('Token');
    subscription.confirmed = true;
    return subscription.arn;
  }

  publish(input: PublishInput): PublishResult {
    if (input.topicArn === undefined) {
      throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    }
    const topic = this.topic(input.topicArn);
    const message = validateMessage(input);
    const deduplicationId = this.validateFifo(topic, input, message);
    const now = Date.now();
    const previous = deduplicationId === undefined ? undefined : topic.deduplication.get(deduplicationId);
    if (previous && previous.expires > now) return previous.result;
    const result: PublishResult = {
      messageId: randomUUID(),
      sequenceNumber: topic.fifo ? String(++topic.sequence).padStart(20, '0') : undefined,
    };
    if (deduplicationId !== undefined)
      topic.deduplication.set(deduplicationId, { result, expires: now + DEDUPLICATION_WINDOW_MS });
    const timestamp = new Date(now).toISOString();
    this.log.push({
      messageId: result.messageId,
      topicArn: topic.arn,
      message: message.message,
      subject: message.subject,
      messageStructure: message.messageStructure,
      messageAttributes: Object.fromEntries(message.attributes),
      messageGroupId: input.messageGroupId,
      messageDeduplicationId: deduplicationId,
      sequenceNumber: result.sequenceNumber,
      timestamp,
    });
    for (const subscription of this.subscriptionsOf(topic.arn)) {
      if (subscription.confirmed) this.notify(subscription, topic, message, result, timestamp);
    }
    return result;
  }

  published(topicArn?: string): PublishedMessage[] {
    return this.log.filter((m) => topicArn === undefined || m.topicArn === topicArn);
  }

  /** The topic for an ARN; InvalidParameter when malformed, NotFound when unknown. */
  private topic(arn: string | undefined): TopicState {
    if (arn === undefined || !TOPIC_ARN.test(arn)) throw invalidParameter('TopicArn');
    const topic = this.topics.get(arn);
    if (!topic) throw notFound('Topic does not exist');
    return topic;
  }

  private subscriptionsOf(topicArn: string): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.topicArn === topicArn);
  }

  private validateFifo(topic: TopicState, input: PublishInput, message: ValidMessage): string | undefined {
    if (!topic.fifo) {
      if (input.messageDeduplicationId !== undefined) {
        throw invalidParameter(
          'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
        );
      }
      return undefined;
    }
    if (!input.messageGroupId) throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
    if (input.messageDeduplicationId) return input.messageDeduplicationId;
    if (topic.attributes.get('ContentBasedDeduplication') !== 'true') {
      throw invalidParameter(
        'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
    return createHash('sha256').update(message.message).digest('hex');
  }

  private notify(
    subscription: Subscription,
    topic: TopicState,
    message: ValidMessage,
    result: PublishResult,
    timestamp: string,
  ): void {
    const body = messageForProtocol(message, subscription.protocol);
    const raw = isRawDelivery(subscription);
    const envelope = notificationEnvelope({
      messageId: result.messageId,
      sequenceNumber: result.sequenceNumber,
      topicArn: topic.arn,
      subject: message.subject,
      message: body,
      timestamp,
      // Every notification carries one; Unsubscribe is not implemented locally, so it answers InvalidAction.
      unsubscribeUrl: this.url({ Action: 'Unsubscribe', SubscriptionArn: subscription.arn }),
      attributes: message.attributes,
      ...this.signing(topic),
    });
    this.options.deliverer.send({
      type: 'Notification',
      messageId: result.messageId,
      topicArn: topic.arn,
      subscriptionArn: subscription.arn,
      protocol: subscription.protocol,
      endpoint: subscription.endpoint,
      headers: {
        ...this.headers('Notification', result.messageId, topic.arn),
        'x-amz-sns-subscription-arn': subscription.arn,
        ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
      },
      body: raw || subscription.protocol === 'email' ? body : envelope,
    });
  }

  private sendConfirmation(subscription: Subscription): void {
    const topic = this.topic(subscription.topicArn);
    const type = 'SubscriptionConfirmation';
    const fields: ConfirmationFields = {
      messageId: randomUUID(),
      token: subscription.token,
      topicArn: topic.arn,
      subscribeUrl: this.url({ Action: 'ConfirmSubscription', TopicArn: topic.arn, Token: subscription.token }),
      timestamp: new Date().toISOString(),
      ...this.signing(topic),
    };
    this.options.deliverer.send({
      type,
      messageId: fields.messageId,
      topicArn: topic.arn,
      subscriptionArn: subscription.arn,
      protocol: subscription.protocol,
      endpoint: subscription.endpoint,
      headers: this.headers(type, fields.messageId, topic.arn),
      body:
        subscription.protocol === 'email'
          ? `${confirmationText(fields)}\n\n${fields.subscribeUrl}`
          : confirmationEnvelope(fields),
    });
  }

  private headers(type: string, messageId: string, topicArn: string): Record<string, string> {
    return {
      'Content-Type': 'text/plain; charset=UTF-8',
      'User-Agent': SNS_USER_AGENT,
      'x-amz-sns-message-type': type,
      'x-amz-sns-message-id': messageId,
      'x-amz-sns-topic-arn': topicArn,
    };
  }

  private signing(topic: Topic): { signatureVersion: string; signingCertUrl: string } {
    return {
      signatureVersion: topic.attributes.get('SignatureVersion') ?? '1',
      signingCertUrl: `${this.options.endpoint}/SimpleNotificationService-local.pem`,
    };
  }

  private url(query: Readonly<Record<string, string>>): string {
    return `${this.options.endpoint}/?${new URLSearchParams(query).toString()}`;
  }
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}
