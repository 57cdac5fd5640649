/**
 * Values serverless.yml derives from the protected caches configuration, read
 * through `${file(./serverless/config.js):<name>}`.
 *
 * The configuration is `config/protected-caches.json` when present (it is the
 * deployment's own file, kept out of the repository), otherwise the example.
 * It is validated with the same schema the functions use at run time, so a
 * mistake fails `serverless package` instead of the first alarm.
 */
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const ROOT = path.resolve(__dirname, '..');
const CONFIG_FILE = path.join(ROOT, 'config', 'protected-caches.json');
const EXAMPLE_FILE = path.join(ROOT, 'config', 'protected-caches.example.json');
/** Lambda allows 4 KB for all environment variables of a function together. */
const MAX_PROTECTED_CACHES_CHARS = 2500;

const compiled = new Map();
/** Compiles a module of functions/domain (and what it imports, e.g. zod) once with esbuild. */
function domainModule(name) {
  if (compiled.has(name)) return compiled.get(name);
  // Synchronous builds without esbuild's worker thread: it would leave a service process running
  // in whatever process loaded this file (the framework, or a test runner).
  const before = process.env.ESBUILD_WORKER_THREADS;
  process.env.ESBUILD_WORKER_THREADS = '0';
  let esbuild;
  try {
    esbuild = require('esbuild');
  } finally {
    if (before === undefined) delete process.env.ESBUILD_WORKER_THREADS;
    else process.env.ESBUILD_WORKER_THREADS = before;
  }
  const entry = path.join(ROOT, 'functions', 'domain', `${name}.ts`);
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
  });
  const module = new Module(entry);
  module.filename = entry;
  module.paths = Module._nodeModulePaths(path.dirname(entry));
  module._compile(out.outputFiles[0].text, entry);
  compiled.set(name, module.exports);
  return module.exports;
}

/** The schema the functions validate the configuration with (functions/domain/caches.ts). */
function protectedCachesSchema() {
  return domainModule('caches').protectedCachesSchema;
}

/** The RPO of a cache's backups in seconds, as the functions compute it (functions/domain/caches.ts). */
function backupRpoSeconds(backup) {
  return domainModule('caches').backupRpoSeconds(backup);
}

/** The mirror lag above which a cache's standby alarms the operators, in seconds (functions/domain/caches.ts). */
function standbyMaxLagSeconds(standby) {
  return domainModule('caches').standbyMaxLagSeconds(standby);
}

/** The configuration file in use and its parsed, validated content. */
function load() {
  const file = fs.existsSync(CONFIG_FILE) ? CONFIG_FILE : EXAMPLE_FILE;
  const relative = path.relative(ROOT, file);
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${relative} is not valid JSON: ${error.message}`, { cause: error });
  }
  const parsed = protectedCachesSchema().safeParse(doc);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${relative} is invalid: ${detail}`);
  }
  if (parsed.data.length === 0) throw new Error(`${relative} lists no cache: there is nothing to protect`);
  // Replacements are created with in-transit encryption, which CreateReplicationGroup
  // accepts only with a cache subnet group (TransitEncryptionEnabled, ElastiCache API Reference).
  const noSubnetGroup = parsed.data.filter((c) => c.backup && !c.replacement.cacheSubnetGroupName).map((c) => c.id);
  if (noSubnetGroup.length > 0) {
    throw new Error(
      `${relative} is invalid: ${noSubnetGroup.join(', ')}: replacement.cacheSubnetGroupName is required when a backup is configured (replacements use in-transit encryption, which ElastiCache allows only with a cache subnet group)`,
    );
  }
  return { file: relative, raw: doc, caches: parsed.data };
}

const arn = (service, resource, { region = true, account = true } = {}) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:${region ? '${AWS::Region}' : ''}:${account ? '${AWS::AccountId}' : ''}:${resource}`,
});

const ssmParameterArn = (name) => arn('ssm', `parameter/${name.replace(/^\//, '')}`);
const unique = (values) => [...new Set(values)];

/** PROTECTED_CACHES: the configuration as written (defaults are applied by the functions), minified. */
function protectedCaches() {
  const { raw, file } = load();
  const text = JSON.stringify(raw);
  if (text.length > MAX_PROTECTED_CACHES_CHARS) {
    throw new Error(
      `${file} is ${text.length} characters minified; PROTECTED_CACHES allows ${MAX_PROTECTED_CACHES_CHARS} (Lambda environment limit is 4 KB per function)`,
    );
  }
  return text;
}

/** Endpoint records clients follow: read by most functions, written only by cut-over. */
function endpointParameterArns() {
  return unique(load().caches.map((c) => c.endpointParameter)).map(ssmParameterArn);
}

/** Endpoint records plus AUTH token parameters: what a function that connects to a cache reads. */
function cacheParameterArns() {
  const { caches } = load();
  const names = caches.flatMap((c) => [c.endpointParameter, ...(c.authTokenParameter ? [c.authTokenParameter] : [])]);
  return unique(names).map(ssmParameterArn);
}

/** AUTH token parameters only (provisioning sets the same token on the replacement). */
function authTokenParameterArns() {
  const names = unique(load().caches.flatMap((c) => (c.authTokenParameter ? [c.authTokenParameter] : [])));
  // With no AUTH token configured there is nothing to read: grant a parameter that is never created.
  return (names.length ? names : ['/cache-outage/no-auth-token-configured']).map(ssmParameterArn);
}

/** The stack's backup bucket plus every bucket the configuration names, with their objects. */
function backupReadArns() {
  const buckets = unique(load().caches.flatMap((c) => (c.backup ? [c.backup.bucket] : [])));
  return [
    { 'Fn::GetAtt': ['BackupBucket', 'Arn'] },
    { 'Fn::Sub': '${BackupBucket.Arn}/*' },
    ...buckets.flatMap((b) => [
      arn('s3', b, { region: false, account: false }),
      arn('s3', `${b}/*`, { region: false, account: false }),
    ]),
  ];
}

/** The stack's backup bucket and every bucket the configuration names (bucket ARNs only, for s3:ListBucket). */
function backupBucketArns() {
  const buckets = unique(load().caches.flatMap((c) => (c.backup ? [c.backup.bucket] : [])));
  return [
    { 'Fn::GetAtt': ['BackupBucket', 'Arn'] },
    ...buckets.map((b) => arn('s3', b, { region: false, account: false })),
  ];
}

/** The RDB objects of the stack's backup bucket and of every bucket the configuration names (no bucket ARNs). */
function backupObjectArns() {
  const buckets = unique(load().caches.flatMap((c) => (c.backup ? [c.backup.bucket] : [])));
  return [
    { 'Fn::Sub': '${BackupBucket.Arn}/*' },
    ...buckets.map((b) => arn('s3', `${b}/*`, { region: false, account: false })),
  ];
}

/**
 * A CloudFormation condition true in Regions that are disabled by default
 * (functions/domain/backup-access.ts lists them). Fn::Or takes 2 to 10
 * conditions, so the list is split into nested groups.
 */
function optInRegionCondition() {
  const equals = domainModule('backup-access').OPT_IN_REGIONS.map((r) => ({
    'Fn::Equals': [{ Ref: 'AWS::Region' }, r],
  }));
  const or = (conditions) => {
    if (conditions.length <= 10) return conditions.length === 1 ? conditions[0] : { 'Fn::Or': conditions };
    const groups = [];
    for (let i = 0; i < conditions.length; i += 10) groups.push(conditions.slice(i, i + 10));
    return or(groups.map((g) => (g.length === 1 ? g[0] : { 'Fn::Or': g })));
  };
  return or(equals);
}

/** Source-of-truth tables rehydration and data verification read. */
function sourceOfTruthTableArns() {
  const tables = unique(load().caches.flatMap((c) => (c.sourceOfTruth ? [c.sourceOfTruth.tableName] : [])));
  // With no source of truth configured there is nothing to read: grant a table name that is never created.
  return (tables.length ? tables : ['cache-outage-no-source-of-truth-configured']).map((t) =>
    arn('dynamodb', `table/${t}`),
  );
}

/** Alarm names the operators configured for their own alarms (matched exactly by the EventBridge rule). */
function configuredAlarmNames() {
  return unique(load().caches.flatMap((c) => c.alarmNames));
}

/**
 * The EventBridge `detail.alarmName` filter: this stack's incident alarms by
 * prefix, plus the alarm names listed in the configuration.
 */
async function alarmNameFilter({ resolveVariable }) {
  const prefix = await incidentAlarmPrefix(resolveVariable);
  return [{ prefix }, ...configuredAlarmNames()];
}

/** Alarm names that open incidents start with this; see serverless/alarms.js. */
async function incidentAlarmPrefix(resolveVariable) {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  return `${service}-${stage}-incident-`;
}

/**
 * Why a cache answers only inside a VPC, or undefined when it may be reached
 * from outside one. ElastiCache nodes have no public endpoint: they are
 * reachable only from inside their VPC (ElastiCache "Access patterns for
 * accessing an ElastiCache cache in an Amazon VPC",
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/elasticache-vpc-accessing.html),
 * and a Lambda function reaches a VPC only when configured with its subnets
 * and security groups (Lambda "Giving Lambda functions access to resources
 * in an Amazon VPC", https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
 */
function vpcReason(cache) {
  if (cache.replicationGroupId) return `ElastiCache replication group ${cache.replicationGroupId}`;
  if (cache.globalReplicationGroupId) return `ElastiCache Global Datastore ${cache.globalReplicationGroupId}`;
  if (/\.cache\.amazonaws\.com\.?$/i.test(cache.endpoint.host)) return `ElastiCache endpoint ${cache.endpoint.host}`;
  if (cache.inVpc) return 'marked "inVpc": true';
  // A restore creates the replacement on ElastiCache, which check-cache, verify and rehydrate then connect to.
  if (cache.backup) return 'restored onto an ElastiCache replacement from its backup';
  return undefined;
}

/** The protected caches that answer only inside a VPC, each with why. */
function vpcCaches() {
  return load()
    .caches.map((c) => ({ id: c.id, reason: vpcReason(c) }))
    .filter((c) => c.reason !== undefined);
}

const paramList = async (resolveVariable, name) =>
  String((await resolveVariable(`param:${name}`)) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Lambda VPC settings for the functions that connect to caches, from the
 * vpcSubnetIds / vpcSecurityGroupIds params. Refuses to package a
 * configuration with a cache that answers only inside a VPC and no subnets
 * for those functions: they would find a healthy cache unreachable and open
 * an incident for it.
 */
async function vpc({ resolveVariable }) {
  const subnetIds = await paramList(resolveVariable, 'vpcSubnetIds');
  const securityGroupIds = await paramList(resolveVariable, 'vpcSecurityGroupIds');
  if (subnetIds.length > 0 !== securityGroupIds.length > 0) {
    throw new Error('set both vpcSubnetIds and vpcSecurityGroupIds, or neither');
  }
  if (subnetIds.length === 0) {
    const inVpc = vpcCaches();
    if (inVpc.length === 0) return null;
    const { file } = load();
    throw new Error(
      `${file} protects caches that answer only inside a VPC (${inVpc.map((c) => `${c.id}: ${c.reason}`).join('; ')}), ` +
        'but the functions that connect to them (probe, assess, check-cache, verify, rehydrate) would run outside any VPC, ' +
        'find them unreachable and open incidents for healthy caches. Set the vpcSubnetIds and vpcSecurityGroupIds params: ' +
        "private subnets of the caches' VPC in at least two Availability Zones, and a security group the caches' security groups admit on their port " +
        '(e.g. --param="vpcSubnetIds=subnet-aaa,subnet-bbb" --param="vpcSecurityGroupIds=sg-ccc"). Those subnets also need a route to the AWS APIs: ' +
        'a NAT gateway, or --param="createVpcEndpoints=true" with vpcId and vpcRouteTableIds (README, Deploy).',
    );
  }
  return { subnetIds, securityGroupIds };
}

/**
 * The `createVpcEndpoints` switch and what it needs, for serverless/stack-plugin.js,
 * which creates the endpoints the in-VPC functions' roles call for.
 */
async function vpcEndpoints({ resolveVariable }) {
  const enabled = String((await resolveVariable('param:createVpcEndpoints')) ?? '').trim();
  if (enabled !== 'true' && enabled !== 'false' && enabled !== '') {
    throw new Error(`createVpcEndpoints must be "true" or "false", got "${enabled}"`);
  }
  if (enabled !== 'true') return { enabled: false };
  const vpcId = String((await resolveVariable('param:vpcId')) ?? '').trim();
  const routeTableIds = await paramList(resolveVariable, 'vpcRouteTableIds');
  const subnetIds = await paramList(resolveVariable, 'vpcSubnetIds');
  const missing = [
    ...(vpcId ? [] : ['vpcId (the VPC of vpcSubnetIds)']),
    ...(routeTableIds.length
      ? []
      : ['vpcRouteTableIds (the route tables of vpcSubnetIds, for the S3 and DynamoDB gateway endpoints)']),
    ...(subnetIds.length
      ? []
      : ["vpcSubnetIds and vpcSecurityGroupIds (the functions' subnets, where the interface endpoints go)"]),
  ];
  if (missing.length) throw new Error(`createVpcEndpoints=true needs ${missing.join(', ')}`);
  return { enabled: true, vpcId, routeTableIds };
}

/**
 * Prefix of the per-function IAM role names. IAM role names are account-wide
 * and at most 64 characters: the prefix holds service, stage and region so
 * that stages and regions never collide, and the longest role name is checked.
 */
async function rolePrefix({ resolveVariable }) {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const region = await resolveVariable('self:provider.region');
  const prefix = `${service}-${stage}-${region}`;
  const longestSuffix = '-request-approval';
  if (prefix.length + longestSuffix.length > 64) {
    throw new Error(`role names "${prefix}${longestSuffix}" would exceed 64 characters: use a shorter stage name`);
  }
  return prefix;
}

/**
 * The Cognito managed-login domain prefix without the account id suffix:
 * `<service>-<stage>` in lower case. Prefix domains take lowercase letters,
 * digits and hyphens only, no hyphen first or last, at most 63 characters
 * (AWS::Cognito::UserPoolDomain `Domain`, pattern
 * ^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$). CloudFormation's Fn::Sub cannot
 * lower-case, so it is done here; what lower-casing cannot fix is refused.
 */
async function cognitoDomainPrefix({ resolveVariable }) {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const prefix = `${service}-${stage}`.toLowerCase();
  const accountSuffix = '-123456789012';
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(prefix)) {
    throw new Error(
      `the stage "${stage}" cannot be part of the Cognito domain prefix "${prefix}": use letters, digits and hyphens only, not first or last`,
    );
  }
  if (prefix.length + accountSuffix.length > 63) {
    throw new Error(
      `the Cognito domain prefix "${prefix}${accountSuffix}" would exceed 63 characters: use a shorter stage name`,
    );
  }
  return prefix;
}

const httpApiEndpoint = { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] };
const consoleUrlParam = async (resolveVariable) => String((await resolveVariable('param:consoleUrl')) ?? '').trim();

/** Where operators' messages link to: the consoleUrl param (a custom domain), else the HTTP API's endpoint. */
async function consoleUrl({ resolveVariable }) {
  return (await consoleUrlParam(resolveVariable)) || httpApiEndpoint;
}

/** The console's sign-in callback on the HTTP API's endpoint, and on the consoleUrl param's when set. */
async function consoleCallbackUrls({ resolveVariable }) {
  const custom = await consoleUrlParam(resolveVariable);
  return [{ 'Fn::Sub': '${HttpApi.ApiEndpoint}/callback' }, ...(custom ? [`${custom}/callback`] : [])];
}

/** Where the managed login sends a browser after signing out: the console's /login, on each of its URLs. */
async function consoleLogoutUrls({ resolveVariable }) {
  const custom = await consoleUrlParam(resolveVariable);
  return [{ 'Fn::Sub': '${HttpApi.ApiEndpoint}/login' }, ...(custom ? [`${custom}/login`] : [])];
}

module.exports = {
  load,
  domainModule,
  backupRpoSeconds,
  standbyMaxLagSeconds,
  incidentAlarmPrefix,
  protectedCaches,
  endpointParameterArns,
  cacheParameterArns,
  authTokenParameterArns,
  backupReadArns,
  backupObjectArns,
  backupBucketArns,
  optInRegionCondition,
  sourceOfTruthTableArns,
  alarmNameFilter,
  vpcReason,
  vpcCaches,
  vpc,
  vpcEndpoints,
  rolePrefix,
  cognitoDomainPrefix,
  consoleUrl,
  consoleCallbackUrls,
  consoleLogoutUrls,
};
