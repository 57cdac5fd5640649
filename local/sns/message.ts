import { QueryError } from '../query-protocol';
import type { MessageAttribute, Protocol } from './model';
import { MAX_MESSAGE_BYTES, invalidParameter } from './model';

const MAX_ATTRIBUTES = 10;
const MAX_SUBJECT_LENGTH = 100;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;

export interface MessageInput {
  readonly message: string | undefined;
  readonly subject: string | undefined;
  readonly messageStructure: string | undefined;
  /** Raw `Value.*` fields per attribute name, as sent on the wire. */
  readonly attributes: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export interface ValidMessage {
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: 'json';
  readonly attributes: ReadonlyMap<string, MessageAttribute>;
  /** Per-protocol bodies when MessageStructure is json (always has `default`). */
  readonly structured?: Readonly<Record<string, string>>;
}

/** Validates a Publish request's message the way SNS does, including the 256 KB limit. */
export function validateMessage(input: MessageInput): ValidMessage {
  if (input.message === undefined) {
    throw new QueryError(
      'ValidationError',
      "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
    );
  }
  if (input.message === '') throw invalidParameter('Empty message');
  if (input.subject !== undefined) validateSubject(input.subject);
  const attributes = parseMessageAttributes(input.attributes);
  if (messageBytes(input.message, attributes) > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
  if (input.messageStructure === undefined) return { message: input.message, subject: input.subject, attributes };
  if (input.messageStructure !== 'json') throw invalidParameter('MessageStructure');
  return {
    message: input.message,
    subject: input.subject,
    messageStructure: 'json',
    attributes,
    structured: parseStructure(input.message),
  };
}

/** The body a subscriber of this protocol receives. */
export function messageForProtocol(message: ValidMessage, protocol: Protocol): string {
  return message.structured?.[protocol] ?? message.structured?.default ?? message.message;
}

export function messageBytes(message: string, attributes: ReadonlyMap<string, MessageAttribute>): number {
  let size = Buffer.byteLength(message);
  for (const [name, attribute] of attributes) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType) + Buffer.byteLength(attribute.Value);
  }
  return size;
}

function validateSubject(subject: string): void {
  const printableAscii = /^[\x20-\x7e]+$/.test(subject);
  if (!printableAscii || subject.length > MAX_SUBJECT_LENGTH || subject.trim() === '')
    throw invalidParameter('Subject');
}

function parseStructure(message: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (!entries.some(([key]) => key === 'default')) {
    throw invalidParameter('Message Structure - No default entry in JSON message body');
  }
  const structured: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw invalidParameter(`Message Structure - value of "${key}" must be a string`);
    structured[key] = value;
  }
  return structured;
}

function parseMessageAttributes(raw: ReadonlyMap<string, ReadonlyMap<string, string>>): Map<string, MessageAttribute> {
  if (raw.size > MAX_ATTRIBUTES) {
    throw valueInvalid(`Number of message attributes [${raw.size}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  }
  const attributes = new Map<string, MessageAttribute>();
  for (const [name, fields] of raw) attributes.set(name, parseAttribute(name, fields));
  return attributes;
}

function parseAttribute(name: string, fields: ReadonlyMap<string, string>): MessageAttribute {
  if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name)) {
    throw valueInvalid(`The message attribute name '${name}' is invalid.`);
  }
  const dataType = fields.get('DataType');
  if (!dataType) throw valueInvalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
  const [kind] = dataType.split('.');
  const value = kind === 'Binary' ? fields.get('BinaryValue') : fields.get('StringValue');
  if (kind !== 'String' && kind !== 'Number' && kind !== 'Binary') {
    throw valueInvalid(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    );
  }
  if (value === undefined || value === '') {
    throw valueInvalid(
      `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${kind}'.`,
    );
  }
  if (kind === 'Number' && !Number.isFinite(Number(value))) {
    throw valueInvalid(`Could not cast message attribute '${name}' value to number.`);
  }
  if (dataType === 'String.Array' && !isScalarArray(value)) {
    throw valueInvalid(
      `The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, booleans or null.`,
    );
  }
  return { DataType: dataType, Value: value };
}

function isScalarArray(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((item) => item === null || typeof item !== 'object');
  } catch {
    return false;
  }
}

function valueInvalid(message: string): QueryError {
  return new QueryError('ParameterValueInvalid', message);
}
