import { SsmError, validationError } from './errors';

const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
const RESERVED_PREFIX = /^\/?(aws|ssm)/i;
const MAX_DEPTH = 15;
const MAX_ARN_LENGTH = 1011;

export function parameterArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

/** `/Name` and `Name` are the same parameter when there is no hierarchy. */
export function parameterKey(name: string): string {
  return name.lastIndexOf('/') === 0 ? name.slice(1) : name;
}

/** Validates a name for PutParameter. */
export function validateName(name: unknown, region: string, accountId: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw validationError(
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  }
  if (parameterArn(region, accountId, name).length > MAX_ARN_LENGTH) {
    throw validationError(
      `Parameter name: can't be longer than ${MAX_ARN_LENGTH} characters including its ARN prefix.`,
    );
  }
  if (!NAME_CHARACTERS.test(name) || RESERVED_PREFIX.test(name)) {
    throw validationError(
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_',
    );
  }
  if (name.includes('/')) {
    if (!name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
      throw validationError('Parameter name must be a fully qualified name.');
    }
    if (name.split('/').length - 1 > MAX_DEPTH) {
      throw new SsmError(
        'HierarchyLevelLimitExceededException',
        `A hierarchy can have a maximum of ${MAX_DEPTH} levels.`,
      );
    }
  }
  return name;
}

export interface Selector {
  readonly name: string;
  /** `:3` or `:label` as given, if any. */
  readonly selector?: string;
  readonly version?: number;
  readonly label?: string;
}

/** Parses `name`, `name:version`, `name:label` or a parameter ARN, as GetParameter accepts. */
export function parseSelector(reference: unknown): Selector {
  if (typeof reference !== 'string' || reference === '') {
    throw validationError(
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  }
  const name = reference.replace(/^arn:aws[a-z-]*:ssm:[^:]*:\d*:parameter/, '');
  const colon = name.lastIndexOf(':');
  if (colon === -1) return { name };
  const selector = name.slice(colon + 1);
  const base = name.slice(0, colon);
  if (/^\d+$/.test(selector)) return { name: base, selector: `:${selector}`, version: Number(selector) };
  return { name: base, selector: `:${selector}`, label: selector };
}
