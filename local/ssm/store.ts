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

export interface ParameterVersion {
  readonly version: number;
  readonly type: ParameterType;
  readonly value: string;
  /** What AWS returns for a SecureString read without decryption. */
  readonly ciphertext?: string;
  readonly allowedPattern?: string;
  readonly tier: Tier;
  readonly dataType: string;
  readonly lastModified: Date;
}

export interface Parameter {
  readonly name: string;
  readonly versions: ParameterVersion[];
}

export interface PutInput {
  readonly name: unknown;
  readonly value: string | undefined;
  readonly type: string | undefined;
  readonly overwrite: boolean;
  readonly keyId: string | undefined;
  readonly allowedPattern: string | undefined;
  readonly tier: string | undefined;
  readonly dataType: string | undefined;
  /** Whether the request has Tags (they are not kept: nothing reads them locally). */
  readonly tagged: boolean;
}

/** Parameter Store state: versioned parameters, looked up by name or selector. */
export class ParameterStore {
  private readonly parameters = new Map<string, Parameter>();

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  put(input: PutInput): ParameterVersion {
    const name = validateName(input.name, this.region, this.accountId);
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
    if (input.tagged && input.overwrite)
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

    const parameter: Parameter = existing ?? { name, versions: [] };
    const version: ParameterVersion = {
      version: (previous?.version ?? 0) + 1,
      type,
      value: input.value,
      ciphertext:
        type === 'SecureString' ? `AQICAH${randomBytes(96 + input.value.length).toString('base64')}` : undefined,
      allowedPattern,
      tier: this.tier(input.tier, input.value, previous?.tier),
      dataType,
      lastModified: new Date(),
    };
    this.appendVersion(parameter, version);
    this.parameters.set(parameterKey(name), parameter);
    return version;
  }

  /**
   * The parameter and the version a `name[:version|:label]` selector points at. Labels are set
   * with LabelParameterVersion, which the local stack does not implement: a label finds nothing.
   */
  find(selector: Selector): { parameter: Parameter; version: ParameterVersion } {
    const parameter = this.parameters.get(parameterKey(selector.name));
    if (!parameter) throw parameterNotFound(selector.name);
    if (selector.label !== undefined) throw parameterNotFound(`${selector.name}${selector.selector ?? ''}`);
    const version =
      selector.version === undefined
        ? parameter.versions.at(-1)
        : parameter.versions.find((v) => v.version === selector.version);
    if (!version) {
      throw new SsmError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${selector.version} of ${selector.name}. Verify the version and try again.`,
      );
    }
    return { parameter, version };
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

  /** Keeps at most 100 versions, dropping the oldest (unlabeled: no version has a label locally), as SSM does. */
  private appendVersion(parameter: Parameter, version: ParameterVersion): void {
    if (parameter.versions.length >= MAX_VERSIONS) parameter.versions.shift();
    parameter.versions.push(version);
  }
}
