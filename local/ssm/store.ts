import { randomBytes } from 'node:crypto';
import { SsmError, parameterNotFound, validationError } from './errors';
import type { Selector } from './names';
import { parameterArn, parameterKey, validateName } from './names';

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type Tier = 'Standard' | 'Advanced';

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const MAX_VERSIONS = 100;
const MAX_STANDARD_VALUE = 4096;
const MAX_ADVANCED_VALUE = 8192;
const DEFAULT_KEY_ID = 'alias/aws/ssm';
const LABEL = /^(?![0-9])(?!(aws|ssm))[a-zA-Z0-9_.-]{1,100}$/i;

export interface ParameterVersion {
  readonly version: number;
  readonly type: ParameterType;
  readonly value: string;
  /** What AWS returns for a SecureString read without decryption. */
  readonly ciphertext?: string;
  readonly keyId?: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly tier: Tier;
  readonly dataType: string;
  readonly lastModified: Date;
  readonly labels: Set<string>;
}

export interface Parameter {
  readonly name: string;
  readonly versions: ParameterVersion[];
  readonly tags: Map<string, string>;
}

export interface PutInput {
  readonly name: unknown;
  readonly value: string | undefined;
  readonly type: string | undefined;
  readonly overwrite: boolean;
  readonly description: string | undefined;
  readonly keyId: string | undefined;
  readonly allowedPattern: string | undefined;
  readonly tier: string | undefined;
  readonly dataType: string | undefined;
  readonly tags: ReadonlyMap<string, string> | undefined;
}

/** Parameter Store state: versioned parameters with labels, looked up by name or selector. */
export class ParameterStore {
  private readonly parameters = new Map<string, Parameter>();

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  put(input: PutInput): ParameterVersion {
    const name = validateName(input.name, this.region, this.accountId, true);
    const existing = this.parameters.get(parameterKey(name));
    if (input.type !== undefined && !TYPES.includes(input.type as ParameterType)) {
      throw validationError(
        `1 validation error detected: Value '${input.type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    if (input.value === undefined || input.value === '') {
      throw validationError(
        "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    if (input.tags && input.overwrite)
      throw validationError(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    if (existing && !input.overwrite) {
      throw new SsmError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const previous = existing?.versions.at(-1);
    const type = (input.type ?? previous?.type) as ParameterType | undefined;
    if (type === undefined) throw validationError('A parameter type is required when you create a parameter.');
    if (input.keyId !== undefined && type !== 'SecureString') {
      throw validationError('KeyId is required for SecureString type parameter only.');
    }
    const allowedPattern = input.allowedPattern ?? previous?.allowedPattern;
    if (allowedPattern !== undefined && !new RegExp(`^(?:${allowedPattern})$`).test(input.value)) {
      throw new SsmError(
        'ParameterPatternMismatchException',
        `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`,
      );
    }
    const dataType = input.dataType ?? previous?.dataType ?? 'text';
    if (!DATA_TYPES.includes(dataType))
      throw validationError(
        `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`,
      );

    const parameter: Parameter = existing ?? { name, versions: [], tags: new Map(input.tags) };
    const version: ParameterVersion = {
      version: (previous?.version ?? 0) + 1,
      type,
      value: input.value,
      ciphertext:
        type === 'SecureString' ? `AQICAH${randomBytes(96 + input.value.length).toString('base64')}` : undefined,
      keyId:
        type === 'SecureString'
          ? (input.keyId ?? (previous?.type === 'SecureString' ? previous.keyId : undefined) ?? DEFAULT_KEY_ID)
          : undefined,
      description: input.description ?? previous?.description,
      allowedPattern,
      tier: this.tier(input.tier, input.value, previous?.tier),
      dataType,
      lastModified: new Date(),
      labels: new Set(),
    };
    this.appendVersion(parameter, version);
    this.parameters.set(parameterKey(name), parameter);
    return version;
  }

  /** The parameter and the version a `name[:version|:label]` selector points at. */
  find(selector: Selector): { parameter: Parameter; version: ParameterVersion } {
    const parameter = this.parameter(selector.name);
    const latest = parameter.versions.at(-1);
    let version: ParameterVersion | undefined = latest;
    if (selector.version !== undefined) {
      version = parameter.versions.find((v) => v.version === selector.version);
      if (!version) {
        throw new SsmError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${selector.version} of ${selector.name}. Verify the version and try again.`,
        );
      }
    } else if (selector.label !== undefined) {
      version = parameter.versions.find((v) => v.labels.has(selector.label ?? ''));
      if (!version) throw parameterNotFound(`${selector.name}${selector.selector ?? ''}`);
    }
    if (!version) throw parameterNotFound(selector.name);
    return { parameter, version };
  }

  parameter(name: string): Parameter {
    const parameter = this.parameters.get(parameterKey(name));
    if (!parameter) throw parameterNotFound(name);
    return parameter;
  }

  has(name: string): boolean {
    return this.parameters.has(parameterKey(name));
  }

  delete(name: string): void {
    this.parameter(name);
    this.parameters.delete(parameterKey(name));
  }

  all(): Parameter[] {
    return [...this.parameters.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Moves each label to the given version; returns the labels SSM would refuse. */
  label(
    name: string,
    versionNumber: number | undefined,
    labels: readonly string[],
  ): { version: number; invalid: string[] } {
    const { parameter, version } = this.find({ name, version: versionNumber });
    const invalid = labels.filter((label) => !LABEL.test(label));
    for (const label of labels.filter((l) => LABEL.test(l))) {
      for (const other of parameter.versions) other.labels.delete(label);
      version.labels.add(label);
    }
    if (version.labels.size > 10)
      throw new SsmError('ParameterVersionLabelLimitExceeded', 'A parameter version can have maximum 10 labels.');
    return { version: version.version, invalid };
  }

  arn(name: string): string {
    return parameterArn(this.region, this.accountId, name);
  }

  private tier(requested: string | undefined, value: string, previous: Tier | undefined): Tier {
    const needsAdvanced = value.length > MAX_STANDARD_VALUE;
    if (value.length > MAX_ADVANCED_VALUE) {
      throw validationError(
        `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ADVANCED_VALUE}`,
      );
    }
    if (requested === undefined) return this.tier(previous ?? 'Standard', value, previous);
    if (requested === 'Intelligent-Tiering') return needsAdvanced ? 'Advanced' : 'Standard';
    if (requested !== 'Standard' && requested !== 'Advanced') {
      throw validationError(
        `1 validation error detected: Value '${requested}' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]`,
      );
    }
    if (requested === 'Standard' && needsAdvanced) {
      throw validationError(
        `Standard tier parameters support a maximum parameter value of ${MAX_STANDARD_VALUE} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.`,
      );
    }
    if (requested === 'Standard' && previous === 'Advanced') {
      throw validationError(
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier.",
      );
    }
    return requested;
  }

  /** Keeps at most 100 versions, dropping the oldest unlabeled one as SSM does. */
  private appendVersion(parameter: Parameter, version: ParameterVersion): void {
    if (parameter.versions.length >= MAX_VERSIONS) {
      const oldest = parameter.versions.findIndex((v) => v.labels.size === 0);
      if (oldest === -1) {
        throw new SsmError(
          'ParameterMaxVersionLimitExceeded',
          `You attempted to create a new version of ${parameter.name} by calling the PutParameter API with the overwrite flag. Version ${parameter.versions[0]?.version ?? 1}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
        );
      }
      parameter.versions.splice(oldest, 1);
    }
    parameter.versions.push(version);
  }
}
