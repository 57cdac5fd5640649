/**
 * The packaged CloudFormation template (what `npm run package` writes to
 * .serverless/), produced once per distinct input and cached, and its
 * intrinsic functions resolved for the local account, region and resources.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type CfnValue = null | boolean | number | string | CfnValue[] | { [k: string]: CfnValue };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
  Condition?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, CfnValue>;
  Mappings?: Record<string, Record<string, Record<string, CfnValue>>>;
}

export interface PackageOptions {
  /** serverless `--stage`; the stage's name appears in the template's physical names. */
  stage: string;
  region: string;
  /**
   * The protected caches configuration to package with (what config/protected-caches.json
   * holds in a deployment); the repository's own configuration when omitted.
   */
  protectedCaches?: unknown;
  /** serverless `--param` values (name → value), as a deployment passes them. */
  params?: Record<string, string>;
  /** Where packaged templates are kept; `node_modules/.cache/local-iam` under root by default. */
  cacheDir?: string;
}

/** The files `serverless package` reads to produce the template (besides the functions' code). */
async function templateInputs(root: string): Promise<string[]> {
  const inDir = async (dir: string, ext: string) =>
    (await readdir(path.join(root, dir)).catch(() => [] as string[]))
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => path.join(dir, f));
  return [
    'serverless.yml',
    'package-lock.json',
    ...(await inDir('serverless', '.js')),
    ...(await inDir('config', '.json')),
    ...(await inDir('statemachines', '.json')),
  ];
}

async function inputHash(root: string, options: PackageOptions): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      stage: options.stage,
      region: options.region,
      caches: options.protectedCaches ?? null,
      params: options.params ?? {},
    }),
  );
  for (const file of await templateInputs(root)) {
    hash.update(`\0${file}\0`);
    hash.update(await readFile(path.join(root, file)));
  }
  return hash.digest('hex').slice(0, 32);
}

const inFlight = new Map<string, Promise<CfnTemplate>>();

/**
 * The template `serverless package` produces for this repository, stage and region (and
 * protected caches), from the cache when these inputs were packaged before.
 */
export async function packagedTemplate(root: string, options: PackageOptions): Promise<CfnTemplate> {
  const key = await inputHash(root, options);
  const cacheDir = options.cacheDir ?? path.join(root, 'node_modules', '.cache', 'local-iam');
  const cached = path.join(cacheDir, `${key}.json`);
  const running = inFlight.get(cached);
  if (running) return running;
  const produce = (async () => {
    if (existsSync(cached)) return JSON.parse(await readFile(cached, 'utf8')) as CfnTemplate;
    const template = await runPackage(root, options);
    await mkdir(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(partial, JSON.stringify(template));
    await rename(partial, cached);
    return template;
  })();
  inFlight.set(cached, produce);
  try {
    return await produce;
  } finally {
    inFlight.delete(cached);
  }
}

/** Runs `serverless package` in a scratch copy of the service, so its output and configuration stay out of the checkout. */
async function runPackage(root: string, options: PackageOptions): Promise<CfnTemplate> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'local-iam-package-'));
  try {
    for (const file of ['serverless.yml', 'package.json', 'tsconfig.json']) {
      if (existsSync(path.join(root, file))) await copyFile(path.join(root, file), path.join(work, file));
    }
    for (const dir of ['serverless', 'statemachines', 'config'])
      await cp(path.join(root, dir), path.join(work, dir), { recursive: true });
    for (const dir of ['functions', 'node_modules']) await symlink(path.join(root, dir), path.join(work, dir), 'dir');
    if (options.protectedCaches !== undefined) {
      await writeFile(path.join(work, 'config', 'protected-caches.json'), JSON.stringify(options.protectedCaches));
    }
    const out = path.join(work, '.package');
    const bin = path.join(root, 'node_modules', '.bin', 'serverless');
    await new Promise<void>((resolve, reject) => {
      const params = Object.entries(options.params ?? {}).map(([name, value]) => `--param=${name}=${value}`);
      const child = spawn(
        bin,
        ['package', '--stage', options.stage, '--region', options.region, '--package', out, ...params],
        {
          cwd: work,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? os.tmpdir(),
            AWS_ACCESS_KEY_ID: 'packaging',
            AWS_SECRET_ACCESS_KEY: 'packaging',
            AWS_REGION: options.region,
            SLS_TELEMETRY_DISABLED: '1',
            SLS_NOTIFICATIONS_MODE: 'off',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`serverless package failed (exit ${code ?? 'signal'}):\n${output.slice(-4000)}`)),
      );
    });
    return JSON.parse(
      await readFile(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as CfnTemplate;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What a logical id stands for locally: its `Ref` value and `Fn::GetAtt` attributes. */
export interface PhysicalResource {
  ref: string;
  attributes?: Record<string, string>;
}

export interface ResolveContext {
  region: string;
  accountId: string;
  partition?: string;
  stackName: string;
  /** The local stack's own resources by logical id; other resources get names as CloudFormation would generate them. */
  physical: Record<string, PhysicalResource>;
}

/** `AWS::NoValue`: the property is removed. */
const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = CfnValue | typeof NO_VALUE;

/**
 * Resolves a template's intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
 * Fn::If with the template's Conditions, Fn::Select, Fn::Split, Fn::FindInMap,
 * Fn::Equals/Not/And/Or) for the local account, region and resources.
 * "Intrinsic function reference", AWS CloudFormation User Guide
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
 */
export class TemplateResolver {
  private readonly conditions = new Map<string, boolean>();

  constructor(
    readonly template: CfnTemplate,
    private readonly context: ResolveContext,
  ) {}

  get partition(): string {
    return this.context.partition ?? 'aws';
  }

  resolve(value: CfnValue): CfnValue {
    const r = this.value(value);
    return r === NO_VALUE ? null : r;
  }

  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const expression = this.template.Conditions?.[name];
    if (expression === undefined) throw new Error(`template: no condition ${name}`);
    const result = this.truth(expression);
    this.conditions.set(name, result);
    return result;
  }

  /** The `Ref` value of a logical id or pseudo parameter. */
  ref(name: string): string {
    switch (name) {
      case 'AWS::Region':
        return this.context.region;
      case 'AWS::AccountId':
        return this.context.accountId;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::StackName':
        return this.context.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.context.region}:${this.context.accountId}:stack/${this.context.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      default:
        return this.physical(name).ref;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const value = this.physical(logicalId).attributes?.[attribute];
    // An attribute the local stack cannot know resolves to a value no ARN pattern matches.
    return value ?? `unresolved:${logicalId}.${attribute}`;
  }

  private physical(logicalId: string): PhysicalResource {
    const local = this.context.physical[logicalId];
    if (local) return local;
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`template: no resource or parameter ${logicalId}`);
    const generated = this.generated(logicalId, resource);
    this.context.physical[logicalId] = generated;
    return generated;
  }

  /** Physical names: the declared name, else stack name + logical id (CloudFormation also appends a random suffix; locally the name stays predictable). */
  private generated(logicalId: string, resource: CfnResource): PhysicalResource {
    const { region, accountId } = this.context;
    const p = this.partition;
    const prop = (name: string): string | undefined => {
      const v = resource.Properties?.[name];
      if (v === undefined) return undefined;
      const r = this.resolve(v);
      return typeof r === 'string' ? r : undefined;
    };
    const fallback = `${this.context.stackName}-${logicalId}`;
    switch (resource.Type) {
      case 'AWS::IAM::Role': {
        const name = prop('RoleName') ?? fallback;
        const rolePath = prop('Path') ?? '/';
        return {
          ref: name,
          attributes: {
            Arn: `arn:${p}:iam::${accountId}:role${rolePath}${name}`,
            RoleId: `AROA${logicalId.toUpperCase()}`,
          },
        };
      }
      case 'AWS::Lambda::Function': {
        const name = prop('FunctionName') ?? fallback;
        return { ref: name, attributes: { Arn: `arn:${p}:lambda:${region}:${accountId}:function:${name}` } };
      }
      case 'AWS::DynamoDB::Table': {
        const name = prop('TableName') ?? fallback;
        return { ref: name, attributes: { Arn: `arn:${p}:dynamodb:${region}:${accountId}:table/${name}` } };
      }
      case 'AWS::SNS::Topic': {
        const name = prop('TopicName') ?? fallback;
        const arn = `arn:${p}:sns:${region}:${accountId}:${name}`;
        return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
      }
      case 'AWS::SQS::Queue': {
        const name = prop('QueueName') ?? fallback;
        return {
          ref: `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
          attributes: { Arn: `arn:${p}:sqs:${region}:${accountId}:${name}`, QueueName: name },
        };
      }
      case 'AWS::S3::Bucket': {
        const name = prop('BucketName') ?? fallback.toLowerCase();
        return { ref: name, attributes: { Arn: `arn:${p}:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = prop('StateMachineName') ?? fallback;
        const arn = `arn:${p}:states:${region}:${accountId}:stateMachine:${name}`;
        return { ref: arn, attributes: { Arn: arn, Name: name } };
      }
      case 'AWS::KMS::Key': {
        const id = createHash('sha256').update(logicalId).digest('hex');
        const keyId = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
        return { ref: keyId, attributes: { Arn: `arn:${p}:kms:${region}:${accountId}:key/${keyId}`, KeyId: keyId } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = prop('LogGroupName') ?? fallback;
        return { ref: name, attributes: { Arn: `arn:${p}:logs:${region}:${accountId}:log-group:${name}:*` } };
      }
      default:
        return { ref: fallback };
    }
  }

  private truth(expression: CfnValue): boolean {
    const r = this.value(expression);
    if (typeof r === 'boolean') return r;
    if (r === 'true' || r === 'false') return r === 'true';
    throw new Error(`template: condition is not a boolean: ${JSON.stringify(expression)}`);
  }

  private value(value: CfnValue): Resolved {
    if (Array.isArray(value)) return value.map((v) => this.value(v)).filter((v): v is CfnValue => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const arg = value[key] as CfnValue;
      switch (key) {
        case 'Ref':
          return arg === 'AWS::NoValue' ? NO_VALUE : this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, ...attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
          return this.getAtt(id ?? '', attr.join('.'));
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::Join': {
          const [delimiter, list] = arg as [string, CfnValue];
          const items = this.value(list);
          return (Array.isArray(items) ? items : []).map(String).join(delimiter);
        }
        case 'Fn::If': {
          const [name, whenTrue, whenFalse] = arg as [string, CfnValue, CfnValue];
          return this.value(this.condition(name) ? whenTrue : whenFalse);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [CfnValue, CfnValue];
          const items = this.value(list);
          return Array.isArray(items) ? (items[Number(this.value(index))] ?? null) : null;
        }
        case 'Fn::Split': {
          const [delimiter, source] = arg as [string, CfnValue];
          return String(this.value(source)).split(delimiter);
        }
        case 'Fn::FindInMap': {
          const [map, top, second] = (arg as CfnValue[]).map((v) => String(this.value(v)));
          return this.value(this.template.Mappings?.[map ?? '']?.[top ?? '']?.[second ?? ''] ?? null);
        }
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((z) => `${this.context.region}${z}`);
        case 'Fn::Equals': {
          const [a, b] = (arg as CfnValue[]).map((v) => this.value(v));
          return JSON.stringify(a) === JSON.stringify(b);
        }
        case 'Fn::Not':
          return !this.truth((arg as CfnValue[])[0] ?? null);
        case 'Fn::And':
          return (arg as CfnValue[]).every((v) => this.truth(v));
        case 'Fn::Or':
          return (arg as CfnValue[]).some((v) => this.truth(v));
        case 'Condition':
          return this.condition(String(arg));
        default:
          break;
      }
    }
    const out: Record<string, CfnValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.value(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private sub(arg: CfnValue): string {
    const [text, variables] = Array.isArray(arg)
      ? [String(arg[0]), (arg[1] ?? {}) as Record<string, CfnValue>]
      : [String(arg), {}];
    return text.replace(/\$\{(!?)([^}]+)\}/g, (whole, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (Object.hasOwn(variables, name)) return String(this.value(variables[name] as CfnValue));
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name.slice(0, dot), name.slice(dot + 1));
      return this.ref(name);
    });
  }
}
