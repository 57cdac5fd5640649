import { SsmError, validationError } from './errors';
import type { Input } from './input';
import { parseSelector } from './names';
import type { Parameter, ParameterStore, ParameterVersion } from './store';

type Operation = (input: Input, store: ParameterStore) => object;

const LAST_MODIFIED_USER = 'arn:aws:iam::{account}:user/local';
const MAX_GET_PARAMETERS = 10;

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  PutParameter: (input, store) => {
    const tags = input.objects('Tags');
    const version = store.put({
      name: input.string('Name'),
      value: input.string('Value'),
      type: input.string('Type'),
      overwrite: input.boolean('Overwrite') ?? false,
      description: input.string('Description'),
      keyId: input.string('KeyId'),
      allowedPattern: input.string('AllowedPattern'),
      tier: input.string('Tier'),
      dataType: input.string('DataType'),
      tags: tags && new Map(tags.map((tag) => [tag.string('Key') ?? '', tag.string('Value') ?? ''])),
    });
    return { Version: version.version, Tier: version.tier };
  },

  GetParameter: (input, store) => {
    const selector = parseSelector(input.string('Name'));
    const { parameter, version } = store.find(selector);
    return {
      Parameter: {
        ...parameterView(store, parameter, version, input.boolean('WithDecryption') ?? false),
        Selector: selector.selector,
      },
    };
  },

  GetParameters: (input, store) => {
    const names = input.strings('Names') ?? [];
    if (names.length === 0 || names.length > MAX_GET_PARAMETERS) {
      throw validationError(
        `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and ${MAX_GET_PARAMETERS}`,
      );
    }
    const decrypt = input.boolean('WithDecryption') ?? false;
    const found: object[] = [];
    const invalid: string[] = [];
    for (const name of new Set(names)) {
      try {
        const selector = parseSelector(name);
        const { parameter, version } = store.find(selector);
        found.push({ ...parameterView(store, parameter, version, decrypt), Selector: selector.selector });
      } catch (error) {
        if (!(error instanceof SsmError)) throw error;
        invalid.push(name);
      }
    }
    return { Parameters: found, InvalidParameters: invalid };
  },

  GetParametersByPath: (input, store) => {
    const path = input.string('Path') ?? '';
    if (!path.startsWith('/'))
      throw validationError(
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
      );
    const recursive = input.boolean('Recursive') ?? false;
    const decrypt = input.boolean('WithDecryption') ?? false;
    const matches = store.all().filter((p) => underPath(p.name, path, recursive));
    const page = paginate(matches, input, 10);
    return {
      Parameters: page.items.map((p) => parameterView(store, p, latest(p), decrypt)),
      NextToken: page.nextToken,
    };
  },

  GetParameterHistory: (input, store) => {
    const parameter = store.parameter(parseSelector(input.string('Name')).name);
    const decrypt = input.boolean('WithDecryption') ?? false;
    const page = paginate(parameter.versions, input, 50);
    return {
      Parameters: page.items.map((version) => ({
        Name: parameter.name,
        Type: version.type,
        KeyId: version.keyId,
        LastModifiedDate: epochSeconds(version.lastModified),
        LastModifiedUser: LAST_MODIFIED_USER.replace('{account}', store.accountId),
        Description: version.description,
        Value: valueOf(version, decrypt),
        AllowedPattern: version.allowedPattern,
        Version: version.version,
        Labels: [...version.labels],
        Tier: version.tier,
        Policies: [],
        DataType: version.dataType,
      })),
      NextToken: page.nextToken,
    };
  },

  DeleteParameter: (input, store) => {
    store.delete(parseSelector(input.string('Name')).name);
    return {};
  },

  DeleteParameters: (input, store) => {
    const names = input.strings('Names') ?? [];
    const deleted = names.filter((name) => store.has(name));
    for (const name of deleted) store.delete(name);
    return { DeletedParameters: deleted, InvalidParameters: names.filter((name) => !deleted.includes(name)) };
  },

  DescribeParameters: (input, store) => {
    const filters = (input.objects('ParameterFilters') ?? []).map((filter) => ({
      key: filter.string('Key') ?? '',
      option: filter.string('Option'),
      values: filter.strings('Values') ?? [],
    }));
    const matches = store.all().filter((parameter) => filters.every((filter) => matchesFilter(parameter, filter)));
    const page = paginate(matches, input, 50);
    return {
      Parameters: page.items.map((parameter) => {
        const version = latest(parameter);
        return {
          Name: parameter.name,
          ARN: store.arn(parameter.name),
          Type: version.type,
          KeyId: version.keyId,
          LastModifiedDate: epochSeconds(version.lastModified),
          LastModifiedUser: LAST_MODIFIED_USER.replace('{account}', store.accountId),
          Description: version.description,
          AllowedPattern: version.allowedPattern,
          Version: version.version,
          Tier: version.tier,
          Policies: [],
          DataType: version.dataType,
        };
      }),
      NextToken: page.nextToken,
    };
  },

  LabelParameterVersion: (input, store) => {
    const labels = input.strings('Labels') ?? [];
    if (labels.length === 0 || labels.length > 10) {
      throw validationError(
        "1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const result = store.label(parseSelector(input.string('Name')).name, input.number('ParameterVersion'), labels);
    return { InvalidLabels: result.invalid, ParameterVersion: result.version };
  },
};

function parameterView(
  store: ParameterStore,
  parameter: Parameter,
  version: ParameterVersion,
  decrypt: boolean,
): object {
  return {
    Name: parameter.name,
    Type: version.type,
    Value: valueOf(version, decrypt),
    Version: version.version,
    LastModifiedDate: epochSeconds(version.lastModified),
    ARN: store.arn(parameter.name),
    DataType: version.dataType,
  };
}

function valueOf(version: ParameterVersion, decrypt: boolean): string {
  return version.type === 'SecureString' && !decrypt ? (version.ciphertext ?? '') : version.value;
}

function latest(parameter: Parameter): ParameterVersion {
  const version = parameter.versions.at(-1);
  if (!version) throw new SsmError('InternalServerError', `Parameter ${parameter.name} has no versions`, 500);
  return version;
}

/** JSON 1.1 timestamps are epoch seconds. */
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function underPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!name.startsWith(prefix)) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}

interface Filter {
  readonly key: string;
  readonly option: string | undefined;
  readonly values: readonly string[];
}

function matchesFilter(parameter: Parameter, filter: Filter): boolean {
  const version = latest(parameter);
  switch (filter.key) {
    case 'Name':
      return filter.values.some((value) => matchText(parameter.name, value, filter.option ?? 'Equals'));
    case 'Type':
      return filter.values.includes(version.type);
    case 'KeyId':
      return version.keyId !== undefined && filter.values.includes(version.keyId);
    case 'Tier':
      return filter.values.includes(version.tier);
    case 'DataType':
      return filter.values.includes(version.dataType);
    case 'Label':
      return parameter.versions.some((v) => filter.values.some((label) => v.labels.has(label)));
    case 'Path':
      return filter.values.some((path) => underPath(parameter.name, path, filter.option === 'Recursive'));
    default:
      if (filter.key.startsWith('tag:')) {
        const tag = parameter.tags.get(filter.key.slice(4));
        return tag !== undefined && (filter.values.length === 0 || filter.values.includes(tag));
      }
      throw new SsmError('InvalidFilterKey', `The following filter key is not valid: ${filter.key}`);
  }
}

function matchText(name: string, value: string, option: string): boolean {
  if (option === 'BeginsWith') return name.startsWith(value);
  if (option === 'Contains') return name.includes(value);
  if (option === 'Equals') return name === value;
  throw new SsmError(
    'InvalidFilterOption',
    `The following filter option is not valid: ${option}. Valid options include: [BeginsWith, Equals, Contains].`,
  );
}

function paginate<T>(items: readonly T[], input: Input, max: number): { items: T[]; nextToken?: string } {
  const size = input.number('MaxResults') ?? max;
  if (size < 1 || size > max) {
    throw validationError(
      `1 validation error detected: Value '${size}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  const token = input.string('NextToken');
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) throw new SsmError('InvalidNextToken', "The specified token isn't valid.");
  const end = start + size;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}
