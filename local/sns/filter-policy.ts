import type { QueryError } from '../query-protocol';
import type { MessageAttributes } from './model';
import { invalidParameter } from './model';

/**
 * SNS subscription filter policies, as documented in "Amazon SNS message filtering":
 * keys are ANDed, the rules listed for a key are ORed, `$or` combines alternative
 * sub-policies. Supported rules: exact strings / numbers / null, `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (values, `prefix`, `suffix`), `numeric` ranges
 * and `exists`. Binary message attributes are present but never match a value.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Scalar = null | boolean | number | string;

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';
export const FILTER_POLICY_SCOPES: readonly FilterPolicyScope[] = ['MessageAttributes', 'MessageBody'];

export interface FilterPolicy {
  readonly scope: FilterPolicyScope;
  readonly root: JsonObject;
}

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;

/** Parses and validates a FilterPolicy attribute; throws InvalidParameter like SNS does. */
export function parseFilterPolicy(text: string, scope: FilterPolicyScope): FilterPolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw policyError('failed to parse JSON');
  }
  if (!isObject(parsed)) throw policyError('Filter policy must be a JSON object');
  const { keys, combinations } = validateNode(parsed as JsonObject, scope);
  if (keys > MAX_KEYS) throw policyError(`Filter policy can not have more than ${MAX_KEYS} keys`);
  if (combinations > MAX_COMBINATIONS) throw policyError('Filter policy is too complex');
  return { scope, root: parsed as JsonObject };
}

export function matchesFilterPolicy(policy: FilterPolicy, message: string, attributes: MessageAttributes): boolean {
  if (policy.scope === 'MessageAttributes') return matchNode(policy.root, attributeSource(attributes));
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return false;
  }
  return isObject(body) && matchNode(policy.root, bodySource([body as Json]));
}

/** Candidate values under a key: undefined when the key is absent. */
interface Source {
  values(key: string): Scalar[] | undefined;
  child(key: string): Source;
}

const EMPTY_SOURCE: Source = { values: () => undefined, child: () => EMPTY_SOURCE };

function attributeSource(attributes: MessageAttributes): Source {
  return {
    values(key) {
      const attribute = attributes.get(key);
      if (attribute === undefined) return undefined;
      const [type] = attribute.DataType.split('.');
      if (attribute.DataType === 'String.Array') return arrayScalars(attribute.Value);
      if (type === 'Number') return [Number(attribute.Value)];
      if (type === 'String') return [attribute.Value];
      return [];
    },
    child: () => EMPTY_SOURCE,
  };
}

function arrayScalars(text: string): Scalar[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as Json[]).filter(isScalar) : [];
}

/** JSON body nodes; arrays are flattened so a rule matches any element, as SNS does. */
function bodySource(nodes: readonly Json[]): Source {
  const found = (key: string): Json[] =>
    nodes.flatMap((node) => (isObject(node) && key in node ? flatten((node as JsonObject)[key] ?? null) : []));
  return {
    values(key) {
      const present = nodes.some((node) => isObject(node) && key in node);
      return present ? found(key).filter(isScalar) : undefined;
    },
    child: (key) => bodySource(found(key).filter(isObject)),
  };
}

function flatten(value: Json): Json[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function matchNode(policy: JsonObject, source: Source): boolean {
  return Object.entries(policy).every(([key, rule]) => {
    if (key === '$or') return (rule as JsonObject[]).some((alternative) => matchNode(alternative, source));
    if (Array.isArray(rule)) return rule.some((item) => matchRule(item, source.values(key)));
    return matchNode(rule as JsonObject, source.child(key));
  });
}

function matchRule(rule: Json, values: Scalar[] | undefined): boolean {
  if (isObject(rule)) {
    const operator = rule as JsonObject;
    if ('exists' in operator) return operator.exists === (values !== undefined);
    return values !== undefined && values.some((value) => matchOperator(operator, value));
  }
  return values !== undefined && values.some((value) => value === rule);
}

function matchOperator(operator: JsonObject, value: Scalar): boolean {
  const [name, argument] = Object.entries(operator)[0] ?? [];
  switch (name) {
    case 'prefix':
      return typeof value === 'string' && matchText(argument ?? null, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && matchText(argument ?? null, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return (
        typeof value === 'string' && typeof argument === 'string' && value.toLowerCase() === argument.toLowerCase()
      );
    case 'anything-but':
      return !matchesAny(argument ?? null, value);
    case 'numeric':
      return typeof value === 'number' && Number.isFinite(value) && matchNumeric(argument as Json[], value);
    default:
      return false;
  }
}

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
function matchText(argument: Json, value: string, test: (value: string, argument: string) => boolean): boolean {
  if (typeof argument === 'string') return test(value, argument);
  const ignoreCase = isObject(argument) ? (argument as JsonObject)['equals-ignore-case'] : undefined;
  return typeof ignoreCase === 'string' && test(value.toLowerCase(), ignoreCase.toLowerCase());
}

function matchesAny(argument: Json, value: Scalar): boolean {
  if (Array.isArray(argument)) return argument.some((item) => item === value);
  if (isObject(argument)) return matchOperator(argument as JsonObject, value);
  return argument === value;
}

function matchNumeric(conditions: Json[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const bound = conditions[i + 1] as number;
    const ok = NUMERIC_OPERATORS[conditions[i] as string]?.(value, bound) ?? false;
    if (!ok) return false;
  }
  return true;
}

const NUMERIC_OPERATORS: Readonly<Record<string, (value: number, bound: number) => boolean>> = {
  '=': (v, b) => v === b,
  '<': (v, b) => v < b,
  '<=': (v, b) => v <= b,
  '>': (v, b) => v > b,
  '>=': (v, b) => v >= b,
};

interface Complexity {
  keys: number;
  combinations: number;
}

function validateNode(node: JsonObject, scope: FilterPolicyScope): Complexity {
  let keys = 0;
  let combinations = 1;
  for (const [key, rule] of Object.entries(node)) {
    let child: Complexity;
    if (key === '$or') {
      child = validateOr(rule, scope);
    } else if (Array.isArray(rule)) {
      if (rule.length === 0) throw policyError(`Empty arrays are not allowed: ${key}`);
      rule.forEach(validateRule);
      child = { keys: 1, combinations: rule.length };
    } else if (isObject(rule)) {
      if (scope === 'MessageAttributes') {
        throw invalidParameter('Filter policy scope MessageAttributes does not support nested filter policy');
      }
      child = validateNode(rule as JsonObject, scope);
    } else {
      throw policyError(`"${key}" must be an object or an array`);
    }
    keys += child.keys;
    combinations *= child.combinations;
  }
  return { keys, combinations };
}

function validateOr(rule: Json, scope: FilterPolicyScope): Complexity {
  if (!Array.isArray(rule) || rule.length < 2 || !rule.every(isObject)) {
    throw policyError('"$or" must be an array of at least two objects');
  }
  const children = rule.map((alternative) => validateNode(alternative as JsonObject, scope));
  return {
    keys: Math.max(...children.map((c) => c.keys)),
    combinations: children.reduce((sum, c) => sum + c.combinations, 0),
  };
}

function validateRule(rule: Json): void {
  if (isScalar(rule)) return;
  if (!isObject(rule)) throw policyError('Match value must be String, number, true, false, or null');
  const entries = Object.entries(rule as JsonObject);
  const [name, argument] = entries[0] ?? [];
  if (entries.length !== 1 || name === undefined || argument === undefined) {
    throw policyError('Only one key allowed in match expression');
  }
  switch (name) {
    case 'exists':
      if (typeof argument !== 'boolean') throw policyError('exists match pattern must be either true or false.');
      return;
    case 'prefix':
    case 'suffix':
      if (!isTextArgument(argument)) throw policyError(`${name} match pattern must be a string`);
      return;
    case 'equals-ignore-case':
      if (typeof argument !== 'string') throw policyError('equals-ignore-case match pattern must be a string');
      return;
    case 'anything-but':
      validateAnythingBut(argument);
      return;
    case 'numeric':
      validateNumeric(argument);
      return;
    default:
      throw policyError(`Unrecognized match type ${name}`);
  }
}

function isTextArgument(argument: Json): boolean {
  if (typeof argument === 'string') return true;
  const entries = isObject(argument) ? Object.entries(argument as JsonObject) : [];
  return entries.length === 1 && entries[0]?.[0] === 'equals-ignore-case' && typeof entries[0][1] === 'string';
}

function validateAnythingBut(argument: Json): void {
  if (Array.isArray(argument)) {
    if (argument.length === 0 || !argument.every((item) => typeof item === 'string' || typeof item === 'number')) {
      throw policyError('Inside anything but list, start|null|boolean is not supported.');
    }
    return;
  }
  if (typeof argument === 'string' || typeof argument === 'number') return;
  const entries = isObject(argument) ? Object.entries(argument as JsonObject) : [];
  const [name, value] = entries[0] ?? [];
  if (entries.length !== 1 || (name !== 'prefix' && name !== 'suffix') || typeof value !== 'string') {
    throw policyError('Value of anything-but must be an array or single string/number value.');
  }
}

function validateNumeric(argument: Json): void {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    throw policyError('Value of numeric must be an array.');
  }
  const [first, firstBound, second, secondBound] = argument;
  if (typeof firstBound !== 'number' || (argument.length === 4 && typeof secondBound !== 'number')) {
    throw policyError('Value of numeric operator must be a number');
  }
  if (argument.length === 2) {
    if (typeof first !== 'string' || !(first in NUMERIC_OPERATORS))
      throw policyError(`Unrecognized numeric range operator: ${String(first)}`);
    return;
  }
  if ((first !== '>' && first !== '>=') || (second !== '<' && second !== '<=')) {
    throw policyError('Bad numeric range operator');
  }
  if ((firstBound as number) >= (secondBound as number)) throw policyError('Bottom must be less than top');
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: Json): value is Scalar {
  return value === null || typeof value !== 'object';
}

function policyError(reason: string): QueryError {
  return invalidParameter(`FilterPolicy: ${reason}`);
}
