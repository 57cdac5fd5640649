import type { FilterPolicy, FilterPolicyScope } from './filter-policy';
import { FILTER_POLICY_SCOPES, parseFilterPolicy } from './filter-policy';
import type { Protocol, Subscription } from './model';
import { PROTOCOLS, invalidParameter } from './model';
import { DEFAULT_DELIVERY_POLICY } from './topics';

const ENDPOINT_RULES: Readonly<Record<Protocol, { pattern: RegExp; label: string }>> = {
  http: { pattern: /^http:\/\/\S+$/i, label: 'HTTP endpoint' },
  https: { pattern: /^https:\/\/\S+$/i, label: 'HTTPS endpoint' },
  email: { pattern: /^[^@\s]+@[^@\s]+$/, label: 'Email address' },
  'email-json': { pattern: /^[^@\s]+@[^@\s]+$/, label: 'Email address' },
  sms: { pattern: /^\+?[0-9]{5,15}$/, label: 'SMS endpoint' },
  sqs: { pattern: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:\S+$/, label: 'SQS endpoint ARN' },
  lambda: { pattern: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:\S+$/, label: 'Lambda endpoint ARN' },
  firehose: {
    pattern: /^arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/\S+$/,
    label: 'Firehose endpoint ARN',
  },
  application: { pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint\/\S+$/, label: 'Application endpoint ARN' },
};

/** Protocols SNS confirms without a handshake when the endpoint is in the same account. */
const AUTO_CONFIRMED: ReadonlySet<Protocol> = new Set(['sms', 'sqs', 'lambda', 'firehose', 'application']);
const RAW_DELIVERY_PROTOCOLS: ReadonlySet<Protocol> = new Set(['http', 'https', 'sqs', 'firehose']);
const SETTABLE = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);

export function parseProtocol(protocol: string | undefined): Protocol {
  const match = PROTOCOLS.find((p) => p === protocol?.toLowerCase());
  if (!match) throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol ?? ''}`);
  return match;
}

export function validateEndpoint(protocol: Protocol, endpoint: string | undefined): string {
  const rule = ENDPOINT_RULES[protocol];
  if (endpoint === undefined || !rule.pattern.test(endpoint)) throw invalidParameter(rule.label);
  return endpoint;
}

export function isAutoConfirmed(protocol: Protocol): boolean {
  return AUTO_CONFIRMED.has(protocol);
}

/**
 * Validates subscription attributes and returns them normalised. The filter policy is
 * checked against the scope it ends up with, whichever of the two is being changed.
 */
export function validateSubscriptionAttributes(
  protocol: Protocol,
  current: ReadonlyMap<string, string>,
  changes: ReadonlyMap<string, string>,
): Map<string, string> {
  const next = new Map(current);
  for (const [name, value] of changes) {
    if (!SETTABLE.has(name)) throw invalidParameter('AttributeName');
    if (name === 'RawMessageDelivery') validateRawDelivery(protocol, value);
    if (name === 'FilterPolicyScope' && !FILTER_POLICY_SCOPES.includes(value as FilterPolicyScope)) {
      throw invalidParameter('Attributes Reason: FilterPolicyScope: Invalid filter policy scope: ' + value);
    }
    if (name === 'FilterPolicy' && value === '') next.delete(name);
    else next.set(name, name === 'RawMessageDelivery' ? value.toLowerCase() : value);
  }
  filterPolicyOf(next);
  return next;
}

/** The subscription's parsed filter policy, if any. */
export function filterPolicyOf(attributes: ReadonlyMap<string, string>): FilterPolicy | undefined {
  const text = attributes.get('FilterPolicy');
  if (text === undefined) return undefined;
  const scope = (attributes.get('FilterPolicyScope') ?? 'MessageAttributes') as FilterPolicyScope;
  return parseFilterPolicy(text, scope);
}

export function isRawDelivery(subscription: Subscription): boolean {
  return subscription.attributes.get('RawMessageDelivery') === 'true';
}

export function subscriptionAttributes(subscription: Subscription, accountId: string): Map<string, string> {
  const attributes = new Map<string, string>([
    ['Owner', accountId],
    ['RawMessageDelivery', 'false'],
    ['TopicArn', subscription.topicArn],
    ['Endpoint', subscription.endpoint],
    ['Protocol', subscription.protocol],
    ['PendingConfirmation', String(!subscription.confirmed)],
    ['ConfirmationWasAuthenticated', String(subscription.authenticatedConfirmation)],
    ['SubscriptionArn', subscription.arn],
  ]);
  if (subscription.protocol === 'http' || subscription.protocol === 'https') {
    attributes.set('EffectiveDeliveryPolicy', subscription.attributes.get('DeliveryPolicy') ?? DEFAULT_DELIVERY_POLICY);
  }
  for (const [name, value] of subscription.attributes) attributes.set(name, value);
  if (attributes.has('FilterPolicy') && !attributes.has('FilterPolicyScope'))
    attributes.set('FilterPolicyScope', 'MessageAttributes');
  return attributes;
}

function validateRawDelivery(protocol: Protocol, value: string): void {
  if (!/^(true|false)$/i.test(value))
    throw invalidParameter(
      'Attributes Reason: RawMessageDelivery: Invalid value [' + value + ']. Must be true or false.',
    );
  if (!RAW_DELIVERY_PROTOCOLS.has(protocol)) {
    throw invalidParameter(`Attributes Reason: Delivery protocol [${protocol}] does not support raw message delivery.`);
  }
}
