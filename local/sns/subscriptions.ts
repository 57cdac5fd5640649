import type { Protocol, Subscription } from './model';
import { PROTOCOLS, invalidParameter } from './model';

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
const ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
/** Subscription attributes SNS accepts that the local stack does not implement: refused rather than ignored. */
const NOT_AVAILABLE = new Set(['FilterPolicy', 'FilterPolicyScope']);

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

/** Validates Subscribe's attributes and returns them normalised. */
export function validateSubscriptionAttributes(
  protocol: Protocol,
  attributes: ReadonlyMap<string, string>,
): Map<string, string> {
  const valid = new Map<string, string>();
  for (const [name, value] of attributes) {
    if (NOT_AVAILABLE.has(name))
      throw invalidParameter(`Attributes Reason: ${name}: subscription filter policies are not available locally`);
    if (!ATTRIBUTES.has(name)) throw invalidParameter('AttributeName');
    if (name === 'RawMessageDelivery') validateRawDelivery(protocol, value);
    valid.set(name, name === 'RawMessageDelivery' ? value.toLowerCase() : value);
  }
  return valid;
}

export function isRawDelivery(subscription: Subscription): boolean {
  return subscription.attributes.get('RawMessageDelivery') === 'true';
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
