import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { QueryError } from '../query-protocol';
import type { Deliverer } from './delivery';
import type { ConfirmationFields } from './envelope';
import { SNS_USER_AGENT, confirmationEnvelope, confirmationText, notificationEnvelope } from './envelope';
import { matchesFilterPolicy } from './filter-policy';
import type { MessageInput, ValidMessage } from './message';
import { messageForProtocol, validateMessage } from './message';
import type { PublishedMessage, Subscription, Topic } from './model';
import { invalidParameter, notFound } from './model';
import {
  filterPolicyOf,
  isAutoConfirmed,
  isRawDelivery,
  parseProtocol,
  subscriptionAttributes,
  validateEndpoint,
  validateSubscriptionAttributes,
} from './subscriptions';
import { topicArn, topicAttributes, validateTopicAttribute, validateTopicName } from './topics';

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
  deleted: number;
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
    for (const [key, value] of attributes) validateTopicAttribute(key, value, fifo, true);
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
      deleted: 0,
      deduplication: new Map(),
    });
    return arn;
  }

  /** Idempotent, as in SNS: deleting a topic that does not exist succeeds. */
  deleteTopic(arn: string | undefined): void {
    if (arn === undefined || !TOPIC_ARN.test(arn)) throw invalidParameter('TopicArn');
    for (const subscription of this.subscriptionsOf(arn)) this.subscriptions.delete(subscription.arn);
    this.topics.delete(arn);
  }

  listTopics(): string[] {
    return [...this.topics.keys()];
  }

  getTopicAttributes(arn: string | undefined): Map<string, string> {
    const topic = this.topic(arn);
    const subscriptions = this.subscriptionsOf(topic.arn);
    return topicAttributes(topic, this.options.accountId, {
      confirmed: subscriptions.filter((s) => s.confirmed).length,
      pending: subscriptions.filter((s) => !s.confirmed).length,
      deleted: topic.deleted,
    });
  }

  setTopicAttribute(arn: string | undefined, name: string | undefined, value: string | undefined): void {
    const topic = this.topic(arn);
    if (name === undefined) throw invalidParameter('AttributeName');
    validateTopicAttribute(name, value ?? '', topic.fifo, false);
    topic.attributes.set(name, value ?? '');
  }

  subscribe(input: SubscribeInput): string {
    const topic = this.topic(input.topicArn);
    const protocol = parseProtocol(input.protocol);
    const endpoint = validateEndpoint(protocol, input.endpoint);
    const attributes = validateSubscriptionAttributes(protocol, new Map(), input.attributes);
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
      authenticatedConfirmation: false,
    };
    this.subscriptions.set(subscription.arn, subscription);
    if (!subscription.confirmed) this.sendConfirmation(subscription, 'SubscriptionConfirmation');
    return subscription.confirmed || input.returnSubscriptionArn ? subscription.arn : 'pending confirmation';
  }

  confirmSubscription(
    topicArn: string | undefined,
    token: string | undefined,
    authenticateOnUnsubscribe: boolean,
  ): string {
    const topic = this.topic(topicArn);
    const subscription = this.subscriptionsOf(topic.arn).find((s) => s.token === token);
    if (!subscription || token === undefined) throw invalidParameter('Token');
    if (!subscription.confirmed) {
      subscription.confirmed = true;
      subscription.authenticatedConfirmation = authenticateOnUnsubscribe;
    }
    return subscription.arn;
  }

  unsubscribe(arn: string | undefined): void {
    const subscription = this.subscription(arn);
    this.subscriptions.delete(subscription.arn);
    const topic = this.topics.get(subscription.topicArn);
    if (topic) topic.deleted++;
    const http = subscription.protocol === 'http' || subscription.protocol === 'https';
    if (subscription.confirmed && http) this.sendConfirmation(subscription, 'UnsubscribeConfirmation');
  }

  listSubscriptions(topicArn?: string): Subscription[] {
    if (topicArn === undefined) return [...this.subscriptions.values()];
    return this.subscriptionsOf(this.topic(topicArn).arn);
  }

  getSubscriptionAttributes(arn: string | undefined): Map<string, string> {
    return subscriptionAttributes(this.subscription(arn), this.options.accountId);
  }

  setSubscriptionAttribute(arn: string | undefined, name: string | undefined, value: string | undefined): void {
    const subscription = this.subscription(arn);
    if (name === undefined) throw invalidParameter('AttributeName');
    const next = validateSubscriptionAttributes(
      subscription.protocol,
      subscription.attributes,
      new Map([[name, value ?? '']]),
    );
    subscription.attributes.clear();
    for (const [key, text] of next) subscription.attributes.set(key, text);
  }

  listTags(arn: string | undefined): Map<string, string> {
    return this.topic(arn, 'ResourceNotFound').tags;
  }

  tag(arn: string | undefined, tags: ReadonlyMap<string, string>): void {
    const topic = this.topic(arn, 'ResourceNotFound');
    for (const [key, value] of tags) topic.tags.set(key, value);
  }

  untag(arn: string | undefined, keys: readonly string[]): void {
    const topic = this.topic(arn, 'ResourceNotFound');
    for (const key of keys) topic.tags.delete(key);
  }

  publish(input: PublishInput): PublishResult {
    if (input.topicArn === undefined) {
      throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    }
    return this.publishTo(this.topic(input.topicArn), input);
  }

  /** Publishes to a known topic; throws per message, so a batch entry can fail on its own. */
  publishTo(topic: TopicState, input: PublishInput): PublishResult {
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
  topic(arn: string | undefined, missing: 'NotFound' | 'ResourceNotFound' = 'NotFound'): TopicState {
    if (arn === undefined || !TOPIC_ARN.test(arn)) throw invalidParameter('TopicArn');
    const topic = this.topics.get(arn);
    if (topic) return topic;
    if (missing === 'ResourceNotFound') throw new QueryError('ResourceNotFound', 'Resource does not exist', 404);
    throw notFound('Topic does not exist');
  }

  private subscription(arn: string | undefined): Subscription {
    if (arn === undefined || !arn.startsWith('arn:')) throw invalidParameter('SubscriptionArn');
    const subscription = this.subscriptions.get(arn);
    if (!subscription) throw notFound('Subscription does not exist');
    return subscription;
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
    const policy = filterPolicyOf(subscription.attributes);
    if (policy && !matchesFilterPolicy(policy, body, message.attributes)) return;
    const raw = isRawDelivery(subscription);
    const envelope = notificationEnvelope({
      messageId: result.messageId,
      sequenceNumber: result.sequenceNumber,
      topicArn: topic.arn,
      subject: message.subject,
      message: body,
      timestamp,
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

  private sendConfirmation(subscription: Subscription, type: ConfirmationFields['type']): void {
    const topic = this.topic(subscription.topicArn);
    const fields: ConfirmationFields = {
      type,
      messageId: randomUUID(),
      token: subscription.token,
      topicArn: topic.arn,
      subscriptionArn: subscription.arn,
      subscribeUrl: this.url({ Action: 'ConfirmSubscription', TopicArn: topic.arn, Token: subscription.token }),
      timestamp: new Date().toISOString(),
      ...this.signing(topic),
    };
    const headers = this.headers(type, fields.messageId, topic.arn);
    this.options.deliverer.send({
      type,
      messageId: fields.messageId,
      topicArn: topic.arn,
      subscriptionArn: subscription.arn,
      protocol: subscription.protocol,
      endpoint: subscription.endpoint,
      headers:
        type === 'UnsubscribeConfirmation' ? { ...headers, 'x-amz-sns-subscription-arn': subscription.arn } : headers,
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
