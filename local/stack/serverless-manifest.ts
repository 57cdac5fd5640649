/**
 * Reads serverless.yml the way the local stack needs it: the functions and
 * their handler modules, the DynamoDB tables and SNS topics declared in
 * `resources`, and the state machine's DefinitionSubstitutions. CloudFormation
 * short-form tags (`!Ref`, `!GetAtt`, …) are read into their long form.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TAGS: [string, 'scalar' | 'sequence' | 'mapping', (data: unknown) => unknown][] = [];
for (const fn of ['Ref', 'Condition']) {
  TAGS.push([fn, 'scalar', (d) => ({ [fn]: d })]);
}
for (const fn of ['GetAtt']) {
  TAGS.push([fn, 'scalar', (d) => ({ 'Fn::GetAtt': String(d).split('.') })]);
  TAGS.push([fn, 'sequence', (d) => ({ 'Fn::GetAtt': d })]);
}
for (const fn of [
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'Base64',
  'ImportValue',
  'GetAZs',
  'Cidr',
  'ToJsonString',
]) {
  for (const kind of ['scalar', 'sequence', 'mapping'] as const) TAGS.push([fn, kind, (d) => ({ [`Fn::${fn}`]: d })]);
}
const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  TAGS.map(([name, kind, construct]) => new yaml.Type(`!${name}`, { kind, construct })),
);

export interface ManifestFunction {
  /** Key under `functions:` (e.g. `onAlarm`). */
  key: string;
  /** Local function name: the handler file's name (e.g. `on-alarm`). */
  name: string;
  /** CloudFormation logical id serverless gives it (e.g. `OnAlarmLambdaFunction`). */
  logicalId: string;
  /** Absolute path of the TypeScript module. */
  entry: string;
  exportName: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  /** The variable names serverless.yml sets for this function (values are resolved locally). */
  environmentNames: string[];
  /** The variables set to a resource of the template (`Ref: <logical id>`), by name. */
  environmentRefs: Record<string, string>;
  /** The patterns of its `eventBridge` events, as written (intrinsics and variables unresolved). */
  eventPatterns: Json[];
  /** Retries of a failed asynchronous invocation (`maximumRetryAttempts`, AWS's default 2). */
  maximumRetryAttempts: number;
  /** Its `httpApi` routes, and whether each names an authorizer. */
  httpRoutes: { method: string; path: string; authorizer: boolean }[];
}

export interface ManifestTable {
  logicalId: string;
  properties: Record<string, Json>;
}

export interface Manifest {
  service: string;
  /** `params.default`: the deployment settings a stage does not override, as strings. */
  params: Record<string, string>;
  /** The period of each scheduled EventBridge rule (`rate(…)`) in seconds, by logical id. */
  scheduleRates: Record<string, number>;
  functions: ManifestFunction[];
  tables: ManifestTable[];
  topics: string[];
  buckets: string[];
  /** Each bucket's declared properties, by logical id (intrinsics unresolved). */
  bucketProperties: Record<string, Record<string, Json>>;
  stateMachine: { logicalId: string; definitionFile: string; substitutions: Record<string, Json>; name: string };
}

/** The stage the local stack stands for: physical names are the packaged template's for `--stage local`. */
export const LOCAL_STAGE = 'local';

/** Resolves the framework variables a physical name is built from (`${self:service}`, `${sls:stage}`, `${self:custom.X}`). */
function frameworkName(value: string, doc: Record<string, Json>, depth = 0): string {
  if (depth > 5) throw new Error(`serverless.yml: variables nest too deep in ${value}`);
  return value.replace(
    /\$\{(self:service|sls:stage|self:custom\.([A-Za-z0-9_]+))\}/g,
    (_, variable: string, custom?: string) => {
      if (variable === 'self:service') return String(doc.service);
      if (variable === 'sls:stage') return LOCAL_STAGE;
      const v = asRecord(doc.custom)[custom ?? ''];
      if (typeof v !== 'string') throw new Error(`serverless.yml: custom.${custom ?? ''} is not a string`);
      return frameworkName(v, doc, depth + 1);
    },
  );
}

function logicalIdOf(key: string): string {
  // serverless normalises function keys: first letter upper case, '-' → 'Dash', '_' → 'Underscore'.
  const normalized = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

function asRecord(v: unknown): Record<string, Json> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {};
}

export function readManifest(root: string): Manifest {
  const doc = asRecord(yaml.load(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { schema: CFN_SCHEMA }));
  const provider = asRecord(doc.provider);
  const providerEnv = Object.keys(asRecord(provider.environment));
  const functions: ManifestFunction[] = Object.entries(asRecord(doc.functions)).map(([key, raw]) => {
    const fn = asRecord(raw);
    const handler = String(fn.handler);
    const dot = handler.lastIndexOf('.');
    const modulePath = handler.slice(0, dot);
    return {
      key,
      name: path.basename(modulePath),
      logicalId: logicalIdOf(key),
      entry: path.join(root, `${modulePath}.ts`),
      exportName: handler.slice(dot + 1),
      timeoutSeconds: typeof fn.timeout === 'number' ? fn.timeout : 30,
      memorySizeMb: typeof fn.memorySize === 'number' ? fn.memorySize : 256,
      environmentNames: [...new Set([...providerEnv, ...Object.keys(asRecord(fn.environment))])],
      environmentRefs: Object.fromEntries(
        Object.entries(asRecord(fn.environment)).flatMap(([name, value]) => {
          const ref = asRecord(value).Ref;
          return typeof ref === 'string' ? [[name, ref]] : [];
        }),
      ),
      eventPatterns: (Array.isArray(fn.events) ? fn.events : [])
        .map((e) => asRecord(asRecord(e).eventBridge).pattern)
        .filter((p): p is Json => p !== undefined),
      maximumRetryAttempts: typeof fn.maximumRetryAttempts === 'number' ? fn.maximumRetryAttempts : 2,
      httpRoutes: (Array.isArray(fn.events) ? fn.events : [])
        .map((e) => asRecord(asRecord(e).httpApi))
        .filter((h) => typeof h.path === 'string')
        .map((h) => ({
          method: String(h.method ?? 'ANY').toUpperCase(),
          path: String(h.path),
          authorizer: h.authorizer !== undefined,
        })),
    };
  });
  const resourcesBlock = doc.resources;
  const resourceMaps = (Array.isArray(resourcesBlock) ? resourcesBlock : [resourcesBlock]).map((r) =>
    asRecord(asRecord(r).Resources),
  );
  const resources = Object.assign({}, ...resourceMaps) as Record<string, Json>;
  const tables: ManifestTable[] = [];
  const topics: string[] = [];
  const buckets: string[] = [];
  const bucketProperties: Record<string, Record<string, Json>> = {};
  const scheduleRates: Record<string, number> = {};
  let stateMachine: Manifest['stateMachine'] | undefined;
  for (const [logicalId, raw] of Object.entries(resources)) {
    const r = asRecord(raw);
    const props = asRecord(r.Properties);
    if (r.Type === 'AWS::DynamoDB::Table') tables.push({ logicalId, properties: props });
    if (r.Type === 'AWS::SNS::Topic') topics.push(logicalId);
    if (r.Type === 'AWS::S3::Bucket') {
      buckets.push(logicalId);
      bucketProperties[logicalId] = props;
    }
    if (r.Type === 'AWS::Events::Rule' && typeof props.ScheduleExpression === 'string') {
      const seconds = rateSeconds(props.ScheduleExpression);
      if (seconds !== undefined) scheduleRates[logicalId] = seconds;
    }
    if (r.Type === 'AWS::StepFunctions::StateMachine') {
      stateMachine = {
        logicalId,
        definitionFile: path.join(root, 'statemachines', 'incident-recovery.asl.json'),
        substitutions: asRecord(props.DefinitionSubstitutions),
        name:
          typeof props.StateMachineName === 'string'
            ? frameworkName(props.StateMachineName, doc)
            : `${String(doc.service)}-${LOCAL_STAGE}-${logicalId}`,
      };
    }
  }
  if (!stateMachine) throw new Error('serverless.yml declares no AWS::StepFunctions::StateMachine');
  const params = Object.fromEntries(
    Object.entries(asRecord(asRecord(doc.params).default)).map(([k, v]) => [k, String(v)]),
  );
  return {
    service: String(doc.service),
    params,
    scheduleRates,
    functions,
    tables,
    topics,
    buckets,
    bucketProperties,
    stateMachine,
  };
}

const RATE_UNITS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/** Seconds of an EventBridge rate expression (`rate(1 minute)`, `rate(5 minutes)`); undefined for cron(…). */
export function rateSeconds(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  return m ? Number(m[1]) * (RATE_UNITS[m[2] as string] as number) : undefined;
}

/**
 * Fills `${Name}` placeholders the way CloudFormation's DefinitionSubstitutions
 * does. Fails on a placeholder without a value, so nothing reaches the
 * interpreter half-substituted.
 */
export function substitute(definition: string, values: Record<string, string>): string {
  const missing = new Set<string>();
  const out = definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) missing.add(name);
    return v ?? '';
  });
  if (missing.size) throw new Error(`no value for placeholder(s) ${[...missing].join(', ')}`);
  return out;
}
