/**
 * The local AWS stack: every service the workflow calls, on 127.0.0.1, each
 * speaking its AWS wire protocol, plus the resources serverless.yml declares.
 * The functions run the project's own handler modules with the same
 * environment variable names as in AWS; the SDK finds the local endpoints
 * through its own `AWS_ENDPOINT_URL_<SERVICE>` settings.
 */
import '../polyfills';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { createDeclaredBucket } from './buckets';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ProtectedCache } from '../../functions/domain/caches';
import { LocalCloudWatch, type AlarmStateChangeEvent } from '../cloudwatch';
import { startDynamoDb } from '../dynamodb';
import { composeInjectors, startFaultProxy, type FaultInjector } from '../faults';
import { startElastiCache, type ApiRate, type ElastiCacheQuotas, type LocalElastiCache } from '../elasticache';
import { startEventBus, type EventRule } from '../eventbridge';
import { startLocalConsole, type LocalConsole } from '../console';
import { startLambda, type LocalLambda } from '../lambda';
import { functionArn } from '../iam/requests';
import type { PhysicalResource } from '../iam/template';
import { registerAccessKey, s3ClientConfig, startS3 } from '../s3';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalService } from '../service';
import { startStepFunctions, type LocalStepFunctions } from '../sfn';
import { startSns, type LocalSns } from '../sns';
import { startSsm } from '../ssm';
import {
  backupAgeAlarmSpecs,
  incidentAlarmPrefix,
  mirrorLagAlarmSpecs,
  probeAlarmSettings,
  probeAlarmSpecs,
  scheduledBackupCaches,
} from './alarms';
import { bundleFunctions } from './bundles';
import { createLocalIam, type IamOptions, type LocalIam } from './iam';
import { CacheSchedule, type ScheduledJob } from './schedule';
import { readManifest, substitute, type Json, type Manifest } from './serverless-manifest';

export interface StackOptions {
  /** Repository root (where serverless.yml is). */
  root?: string;
  /** Workflow knobs as environment variables (POLL_INTERVAL_SECONDS, APPROVAL_TIMEOUT_SECONDS, …). */
  environment?: Record<string, string>;
  /** Alarm periods are multiplied by this: 1/60 turns one-minute periods into seconds. */
  alarmTimeScale?: number;
  /**
   * How often the scheduled probe runs locally. Default: the probe schedule rule's rate × alarmTimeScale.
   * The probe's PROBE_SCHEDULE_SECONDS follows it, and its PROBE_INTERVAL_SECONDS is serverless.yml's
   * probeIntervalSeconds × alarmTimeScale, so its rounds fall in the scaled alarm periods.
   */
  probeIntervalMs?: number;
  /**
   * Backup and test-restore intervals are multiplied by this (default: alarmTimeScale, so
   * 15 minutes → 15 s). Each cache's first backup runs as soon as monitoring starts.
   */
  backupTimeScale?: number;
  /** Wait states last this fraction of their configured time. */
  waitScale?: number;
  /** Extra time a new replication group spends in `creating`. */
  cacheCreationDelayMs?: number;
  /** How long ElastiCache takes to fail a group with automatic failover over after its primary dies. */
  cacheFailoverDelayMs?: number;
  /** The local ElastiCache's account quotas (nodes per region, clusters): over one, a create is refused as AWS does. */
  cacheQuotas?: ElastiCacheQuotas;
  /** The local ElastiCache's rate for mutating API calls: over it, `Throttling` "Rate exceeded". */
  cacheApiRate?: ApiRate;
  onLog?: (functionName: string, line: string) => void;
  onAlarm?: (event: AlarmStateChangeEvent) => void;
  /** Consulted by every local endpoint per request (DynamoDB and S3 through a proxy): answers with AWS errors. */
  faults?: FaultInjector;
  /**
   * IAM, on unless `false`: each function signs with its own access key and every request it makes
   * is evaluated against its role in the packaged template (the state machine's calls against its role).
   */
  iam?: false | IamOptions;
}

export interface StackDescription {
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  endpoints: Record<'dynamodb' | 's3' | 'sns' | 'ssm' | 'elasticache' | 'lambda' | 'stepfunctions', string>;
  stateMachineArn: string;
  topics: { status: string; operators: string; alarms?: string };
  tables: { incidents: string };
  backupBucket: string;
  functions: string[];
  consoleUrl?: string;
  /** The public status page (GET; `/feed.atom` and `.json` beside it), on the console's API. */
  statusPageUrl?: string;
  /** The local identity provider the console's API accepts tokens from (see local/console). */
  identity?: { issuer: string; audience: string; tokenUrl: string; jwksUrl: string; loginUrl: string };
}

export interface LocalStack {
  readonly description: StackDescription;
  readonly clients: {
    dynamodb: DynamoDBClient;
    s3: S3Client;
    sns: SNSClient;
    ssm: SSMClient;
    elasticache: ElastiCacheClient;
    sfn: SFNClient;
    lambda: LambdaClient;
  };
  readonly elasticache: LocalElastiCache;
  readonly sns: LocalSns;
  readonly sfn: LocalStepFunctions;
  readonly lambda: LocalLambda;
  readonly cloudwatch: LocalCloudWatch;
  /** The operator console's HTTP API and local identity provider, when serverless.yml declares the console function. */
  readonly console?: LocalConsole;
  /** Every variable the stack has a value for; each function gets the ones serverless.yml declares for it. */
  readonly environment: Record<string, string>;
  /** The variables a function's worker starts with (its declared ones, the runtime's and the local endpoint settings). */
  environmentOf(functionName: string): Record<string, string>;
  /** IAM enforcement: the roles in force and each function's credentials; undefined with `iam: false`. */
  readonly iam?: LocalIam;
  /**
   * Declares the protected caches: sets PROTECTED_CACHES, their probe alarms and, for the
   * caches the product backs up, their backup freshness alarms. Call before the first invocation.
   */
  protect(caches: ProtectedCache[]): void;
  /**
   * Starts alarm evaluation and the schedules: the probe, and when serverless.yml declares
   * the functions, each protected cache's backup (and test restore, when enabled).
   */
  startMonitoring(): void;
  /**
   * Stops a scheduled job (`mirror <cache>`, `backup <cache>`, …) as if its
   * schedule rule were disabled, until `resumeJob`; it stays paused when the
   * schedule is rebuilt. Throws for a job the schedule does not run.
   */
  pauseJob(name: string): void;
  resumeJob(name: string): void;
  writeDescription(file: string): Promise<void>;
  stop(): Promise<void>;
}

const SERVICE_ENDPOINT_VARS: Record<keyof StackDescription['endpoints'], string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3: 'AWS_ENDPOINT_URL_S3',
  sns: 'AWS_ENDPOINT_URL_SNS',
  ssm: 'AWS_ENDPOINT_URL_SSM',
  elasticache: 'AWS_ENDPOINT_URL_ELASTICACHE',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  stepfunctions: 'AWS_ENDPOINT_URL_SFN',
};

function clientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS }, maxAttempts: 3 };
}

function localName(service: string, logicalId: string): string {
  return `${service}-local-${logicalId.replace(/(Table|Topic|Bucket)$/, '').replace(/[A-Z]/g, (c, i: number) => `${i ? '-' : ''}${c.toLowerCase()}`)}`;
}

async function createTables(manifest: Manifest, client: DynamoDBClient): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const table of manifest.tables) {
    const p = table.properties as unknown as CreateTableCommandInput & {
      TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
    };
    const name = localName(manifest.service, table.logicalId);
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        BillingMode: 'PAY_PER_REQUEST',
        ...(p.GlobalSecondaryIndexes
          ? {
              GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((g) => ({
                IndexName: g.IndexName,
                KeySchema: g.KeySchema,
                Projection: g.Projection,
              })),
            }
          : {}),
      }),
    );
    if (p.TimeToLiveSpecification?.Enabled) {
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true },
          }),
        )
        .catch((error: unknown) => {
          // dynalite has no TTL: expiry is checked by the code that reads expiresAt.
          if ((error as { name?: unknown } | null)?.name !== 'UnknownOperationException') throw error;
        });
    }
    names[table.logicalId] = name;
  }
  return names;
}

/** Resolves a DefinitionSubstitutions value: `!GetAtt Fn.Arn`, `!Ref Resource`, or a literal. */
function resolveSubstitution(value: unknown, refs: Record<string, string>, arns: Record<string, string>): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const v = value as { Ref?: string; 'Fn::GetAtt'?: string[] };
  if (v.Ref !== undefined) {
    const r = refs[v.Ref];
    if (r === undefined) throw new Error(`DefinitionSubstitutions: no local resource for !Ref ${v.Ref}`);
    return r;
  }
  const getAtt = v['Fn::GetAtt'];
  if (getAtt) {
    const r = arns[getAtt[0] ?? ''];
    if (r === undefined) throw new Error(`DefinitionSubstitutions: no local resource for !GetAtt ${getAtt.join('.')}`);
    return r;
  }
  throw new Error(`DefinitionSubstitutions: cannot resolve ${JSON.stringify(value)} locally`);
}

/**
 * The functions' `eventBridge` rules with `!Ref` resolved to the local resources. A matcher
 * built from a framework variable (`${file(…)}`, resolved only at deploy time) is left out,
 * so that key matches any value locally.
 */
function eventRules(manifest: Manifest, refs: Record<string, string>): EventRule[] {
  const resolve = (value: Json): Json | undefined => {
    if (typeof value === 'string') return value.includes('${') ? undefined : value;
    if (Array.isArray(value)) {
      const items = value.map(resolve);
      return items.includes(undefined) ? undefined : (items as Json[]);
    }
    if (value && typeof value === 'object') {
      if (typeof value.Ref === 'string') {
        const resolved = refs[value.Ref];
        // Dropping it would widen the rule to every resource's events.
        if (resolved === undefined) throw new Error(`eventBridge pattern: no local resource for !Ref ${value.Ref}`);
        return resolved;
      }
      const entries = Object.entries(value).flatMap(([k, v]) => {
        const r = resolve(v);
        return r === undefined ? [] : [[k, r] as const];
      });
      return Object.fromEntries(entries);
    }
    return value;
  };
  return manifest.functions.flatMap((f) =>
    f.eventPatterns.flatMap((raw) => {
      const pattern = resolve(raw);
      return pattern === undefined ? [] : [{ functionName: f.name, pattern }];
    }),
  );
}

function topicByRole(topics: Record<string, string>, role: string): string | undefined {
  const key = Object.keys(topics).find((k) => k.toLowerCase().startsWith(role));
  return key ? topics[key] : undefined;
}

export async function startStack(options: StackOptions = {}): Promise<LocalStack> {
  const root = options.root ?? path.resolve(__dirname, '..', '..');
  const manifest = readManifest(root);
  const started: LocalService[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    // The local resources by logical id, as the packaged template's Ref / Fn::GetAtt resolve locally.
    const physical: Record<string, PhysicalResource> = {};
    const iam =
      options.iam === false
        ? undefined
        : createLocalIam({
            root,
            manifest,
            region: LOCAL_REGION,
            accountId: LOCAL_ACCOUNT_ID,
            physical: () => physical,
            options: options.iam ?? {},
          });
    // IAM first, as AWS authorizes a request before serving it; then the configured faults.
    const injector = iam || options.faults ? composeInjectors(iam?.gate, options.faults) : undefined;
    const faults = injector ? { faults: injector } : {};
    const [dynamoServer, s3Server, sns, ssm] = await Promise.all([
      startDynamoDb(),
      startS3(),
      startSns(faults),
      startSsm(faults),
    ]);
    started.push(dynamoServer, s3Server, sns, ssm);
    for (const credentials of iam?.allCredentials ?? []) registerAccessKey(credentials);
    const dynamo = injector ? await startFaultProxy('dynamodb', dynamoServer.endpoint, injector) : dynamoServer;
    const s3 = injector ? await startFaultProxy('s3', s3Server.endpoint, injector) : s3Server;
    started.push(...(injector ? [dynamo, s3] : []));
    const elasticache = await startElastiCache({
      s3: { ...s3ClientConfig(s3Server.endpoint), credentials: { ...LOCAL_CREDENTIALS } },
      creationDelayMs: options.cacheCreationDelayMs ?? 0,
      ...(options.cacheFailoverDelayMs !== undefined ? { failoverDelayMs: options.cacheFailoverDelayMs } : {}),
      ...(options.cacheQuotas ? { quotas: options.cacheQuotas } : {}),
      ...(options.cacheApiRate ? { apiRate: options.cacheApiRate } : {}),
      ...faults,
    });
    started.push(elasticache);

    const clients = {
      dynamodb: new DynamoDBClient(clientConfig(dynamo.endpoint)),
      s3: new S3Client(s3ClientConfig(s3.endpoint)),
      sns: new SNSClient(clientConfig(sns.endpoint)),
      ssm: new SSMClient(clientConfig(ssm.endpoint)),
      elasticache: new ElastiCacheClient(clientConfig(elasticache.endpoint)),
    };

    const tables = await createTables(manifest, clients.dynamodb);
    const topics: Record<string, string> = {};
    for (const logicalId of manifest.topics) {
      const out = await clients.sns.send(new CreateTopicCommand({ Name: localName(manifest.service, logicalId) }));
      topics[logicalId] = out.TopicArn as string;
    }
    const buckets: Record<string, string> = {};
    for (const logicalId of manifest.buckets) {
      const name = localName(manifest.service, logicalId).toLowerCase();
      await createDeclaredBucket(clients.s3, name, manifest.bucketProperties[logicalId] ?? {});
      buckets[logicalId] = name;
    }

    // How the functions reach the local services (not the functions' own configuration).
    const localSettings: Record<string, string> = {
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      S3_FORCE_PATH_STYLE: 'true',
      // Functions run on nodejs22.x in AWS; the local workers run on the machine's Node.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Replacement caches serve TLS with the local certificate authority's certificate.
      ...(elasticache.tlsCa ? { NODE_EXTRA_CA_CERTS: elasticache.tlsCa.file } : {}),
    };
    // The probe as its schedule runs it, on the alarms' time scale: a run every schedule period, each
    // looping over rounds one (scaled) probe interval apart, in the (scaled) periods of its alarm.
    const alarmScale = options.alarmTimeScale ?? 1 / 60;
    const probeSettings = probeAlarmSettings(manifest.params);
    const probeScheduleMs =
      options.probeIntervalMs ?? (manifest.scheduleRates.ProbeScheduleRule ?? 60) * 1000 * alarmScale;
    // Values for the variables serverless.yml declares; a function gets only the ones declared for it.
    const environment: Record<string, string> = {
      PROBE_INTERVAL_SECONDS: String(probeSettings.probeIntervalSeconds * alarmScale),
      PROBE_SCHEDULE_SECONDS: String(probeScheduleMs / 1000),
      POWERTOOLS_SERVICE_NAME: manifest.service,
      SERVICE_NAME: 'Example',
      SUPPORT_CONTACT: 'support@example.com',
      PROTECTED_CACHES: '[]',
      // The probe alarms' name prefix (local/stack/alarms.ts), as serverless.yml sets it for on-alarm.
      INCIDENT_ALARM_PREFIX: incidentAlarmPrefix(manifest.service),
      // The zone operators read times in (serverless.yml's operatorTimeZone parameter, UTC by default).
      OPERATOR_TIME_ZONE: 'UTC',
      ...options.environment,
    };
    const functionEnvironments = new Map<string, Record<string, string>>();
    /** Sets variables: in the pool, and in each function that declares them (before its worker starts). */
    const assign = (values: Record<string, string>) => {
      Object.assign(environment, values);
      for (const f of manifest.functions) {
        const env = functionEnvironments.get(f.name);
        if (!env) continue;
        for (const [name, value] of Object.entries(values))
          if (f.environmentNames.includes(name) || name in localSettings || name.startsWith('AWS_ENDPOINT_URL_'))
            env[name] = value;
      }
    };
    for (const f of manifest.functions) {
      const declared = Object.fromEntries(
        f.environmentNames.filter((n) => environment[n] !== undefined).map((n) => [n, environment[n] as string]),
      );
      functionEnvironments.set(f.name, { ...declared, ...localSettings });
    }
    const tableRefs = Object.fromEntries(Object.entries(tables));
    const incidentsTable = tableRefs[Object.keys(tables).find((k) => /incident/i.test(k)) ?? ''] ?? '';
    const statusTopic = topicByRole(topics, 'status');
    const operatorsTopic = topicByRole(topics, 'operators');
    if (!statusTopic || !operatorsTopic) throw new Error('serverless.yml must declare the status and operators topics');
    assign({ INCIDENTS_TABLE: incidentsTable, STATUS_TOPIC_ARN: statusTopic, OPERATORS_TOPIC_ARN: operatorsTopic });
    for (const [logicalId, name] of Object.entries(tables)) {
      physical[logicalId] = {
        ref: name,
        attributes: { Arn: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${name}` },
      };
    }
    for (const [logicalId, arn] of Object.entries(topics))
      physical[logicalId] = { ref: arn, attributes: { TopicArn: arn, TopicName: arn.split(':').pop() ?? '' } };
    for (const [logicalId, name] of Object.entries(buckets))
      physical[logicalId] = { ref: name, attributes: { Arn: `arn:aws:s3:::${name}` } };
    // A variable serverless.yml sets to another resource it declares (`Ref`) names that resource's local copy.
    for (const f of manifest.functions) {
      const env = functionEnvironments.get(f.name);
      for (const [name, logicalId] of Object.entries(f.environmentRefs)) {
        const ref = physical[logicalId]?.ref;
        if (env && ref !== undefined && env[name] === undefined) env[name] = ref;
      }
    }

    // The functions run as they deploy: bundled with serverless.yml's esbuild options.
    const buildDir = await mkdtemp(path.join(os.tmpdir(), 'local-lambda-build-'));
    started.push({ endpoint: buildDir, stop: () => rm(buildDir, { recursive: true, force: true }) });
    const bundles = await bundleFunctions(root, manifest.functions, buildDir);
    const lambda = await startLambda({
      functions: manifest.functions.map((f) => ({
        name: f.name,
        entry: bundles[f.name] ?? f.entry,
        handler: f.exportName,
        environment: functionEnvironments.get(f.name) ?? {},
        ...(iam ? { credentials: iam.credentialsOf(f.name) } : {}),
        timeoutSeconds: f.timeoutSeconds,
        memorySizeMb: f.memorySizeMb,
        maximumRetryAttempts: f.maximumRetryAttempts,
      })),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      ...(options.onLog ? { onLog: options.onLog } : {}),
      onMetric: (_fn, emf) => cloudwatch.putEmf(emf),
      // A function starts once the roles its calls are evaluated against are known (packaging the template once takes seconds).
      ...(iam ? { beforeInvoke: () => iam.policies() } : {}),
      ...faults,
    });
    started.push(lambda);

    let localConsole: LocalConsole | undefined;
    if (manifest.functions.some((f) => f.name === 'console')) {
      // Other functions' routes without an authorizer (the status page) are served on the same API.
      const publicRoutes = manifest.functions
        .filter((f) => f.name !== 'console')
        .flatMap((f) => f.httpRoutes.filter((r) => !r.authorizer).map((r) => ({ ...r, functionName: f.name })));
      localConsole = await startLocalConsole({
        invoke: (name, payload) => lambda.invoke(name, payload),
        publicRoutes,
      });
      started.push({ endpoint: localConsole.url, stop: () => (localConsole as LocalConsole).stop() });
      assign({ CONSOLE_URL: environment.CONSOLE_URL ?? localConsole.url, ...localConsole.environment });
    }

    // The default event bus; its rules, serverless.yml's, are set once the state machine exists.
    const bus = startEventBus(
      [],
      (functionName, event) => void lambda.invoke(functionName, event, { invocationType: 'Event' }),
    );
    // The state machine's own calls are made with its role's credentials: its Lambda invocations
    // are authorized against that role, its service integrations sign with its key.
    const stateMachineClients = iam
      ? {
          dynamodb: new DynamoDBClient({
            ...clientConfig(dynamo.endpoint),
            credentials: { ...iam.stateMachineCredentials },
          }),
          sns: new SNSClient({ ...clientConfig(sns.endpoint), credentials: { ...iam.stateMachineCredentials } }),
        }
      : { dynamodb: clients.dynamodb, sns: clients.sns };
    const sfn = await startStepFunctions({
      lambda: {
        invoke: async (name, payload, opts) => {
          const fault = await iam?.authorizeStateMachine('lambda', [
            {
              action: 'lambda:InvokeFunction',
              resource: functionArn(name, { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID }),
            },
          ]);
          if (fault) throw Object.assign(new Error(fault.message), { name: fault.code });
          return lambda.invoke(name, payload, opts);
        },
      },
      clients: stateMachineClients,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      ...(options.waitScale !== undefined ? { waitScale: options.waitScale } : {}),
      ...faults,
      onStatusChange: (event) => bus.put(event),
    });
    started.push(sfn);

    const endpoints: StackDescription['endpoints'] = {
      dynamodb: dynamo.endpoint,
      s3: s3.endpoint,
      sns: sns.endpoint,
      ssm: ssm.endpoint,
      elasticache: elasticache.endpoint,
      lambda: lambda.endpoint,
      stepfunctions: sfn.endpoint,
    };
    assign(
      Object.fromEntries(
        Object.entries(SERVICE_ENDPOINT_VARS).map(([service, variable]) => [
          variable,
          endpoints[service as keyof StackDescription['endpoints']],
        ]),
      ),
    );

    const sfnClient = new SFNClient(clientConfig(sfn.endpoint));
    const lambdaClient = new LambdaClient(clientConfig(lambda.endpoint));
    const functionArns = Object.fromEntries(manifest.functions.map((f) => [f.logicalId, lambda.arnOf(f.name)]));
    for (const f of manifest.functions)
      physical[f.logicalId] = { ref: f.name, attributes: { Arn: lambda.arnOf(f.name) } };
    const definition = substitute(
      await readFile(manifest.stateMachine.definitionFile, 'utf8'),
      Object.fromEntries(
        Object.entries(manifest.stateMachine.substitutions).map(([k, v]) => [
          k,
          resolveSubstitution(v, { ...tables, ...topics, ...buckets }, functionArns),
        ]),
      ),
    );
    const created = await sfnClient.send(
      new CreateStateMachineCommand({
        // The packaged template's name: its policies name the state machine's executions literally.
        name: manifest.stateMachine.name,
        definition,
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/state-machine`,
        type: 'STANDARD',
      }),
    );
    const stateMachineArn = created.stateMachineArn as string;
    assign({ STATE_MACHINE_ARN: stateMachineArn });
    physical[manifest.stateMachine.logicalId] = {
      ref: stateMachineArn,
      attributes: { Arn: stateMachineArn, Name: manifest.stateMachine.name },
    };
    bus.setRules(
      eventRules(manifest, { [manifest.stateMachine.logicalId]: stateMachineArn, ...tables, ...topics, ...buckets }),
    );

    const backupScale = options.backupTimeScale ?? alarmScale;
    const cloudwatch: LocalCloudWatch = new LocalCloudWatch({
      alarms: [],
      timeScale: alarmScale,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      onStateChange: (event) => {
        options.onAlarm?.(event);
        bus.put(event);
      },
      // CloudWatch's alarm actions, publishing as the service the topics' policy admits.
      publish: async (topicArn, subject, message) => {
        await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
      },
      onActionError: (alarmName, topicArn, error) =>
        options.onLog?.('cloudwatch', `alarm ${alarmName}: the action on ${topicArn} failed: ${String(error)}`),
    });
    // Every resource is known now: resolve the template's roles against them.
    void iam?.policies();
    let probeTimer: NodeJS.Timeout | undefined;
    let protectedCaches: ProtectedCache[] = [];
    let schedule: CacheSchedule | undefined;
    const backupFunction = manifest.functions.find((f) => f.key === 'backup');
    const testRestoreFunction = manifest.functions.find((f) => f.key === 'testRestore');
    const mirrorFunction = manifest.functions.find((f) => f.key === 'mirror');
    const pausedJobs = new Set<string>();
    /** Invokes a function as its EventBridge schedule does (constant input `{"cacheId": …}`); a function error fails the run. */
    const scheduledRun = (functionName: string, cacheId: string) => async () => {
      const outcome = await lambda.invoke(functionName, { cacheId });
      if (!outcome.ok) throw new Error(`${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    };
    /** The backup (and test-restore) jobs of the protected caches, for the functions serverless.yml declares. */
    const backupJobs = (): ScheduledJob[] =>
      scheduledBackupCaches(protectedCaches).flatMap((c) => {
        const backup = c.backup as NonNullable<ProtectedCache['backup']>;
        const jobs: ScheduledJob[] = [];
        if (backupFunction)
          jobs.push({
            name: `backup ${c.id}`,
            intervalMs: backup.intervalMinutes * 60_000 * backupScale,
            run: scheduledRun(backupFunction.name, c.id),
          });
        if (testRestoreFunction && backup.testRestore.enabled)
          jobs.push({
            name: `test-restore ${c.id}`,
            intervalMs: backup.testRestore.intervalDays * 86_400_000 * backupScale,
            run: scheduledRun(testRestoreFunction.name, c.id),
            // The first test restore reads the backup the first scheduled run makes.
            ...(backupFunction ? { after: `backup ${c.id}` } : {}),
          });
        return jobs;
      });
    /** The mirror job of each cache with a standby, its interval scaled as the backups'. */
    const mirrorJobs = (): ScheduledJob[] =>
      mirrorFunction
        ? protectedCaches.flatMap((c) =>
            c.standby
              ? [
                  {
                    name: `mirror ${c.id}`,
                    intervalMs: c.standby.intervalMinutes * 60_000 * backupScale,
                    run: scheduledRun(mirrorFunction.name, c.id),
                  },
                ]
              : [],
          )
        : [];
    const startSchedule = () => {
      schedule?.stop();
      schedule = new CacheSchedule({
        jobs: [...backupJobs(), ...mirrorJobs()],
        onError: (job, error) =>
          options.onLog?.(
            job.split(' ')[0] ?? job,
            `scheduled ${job} failed: ${(error as Error).message ?? String(error)}`,
          ),
      });
      for (const name of pausedJobs) if (schedule.has(name)) schedule.pause(name);
      schedule.start();
    };

    const description: StackDescription = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey },
      endpoints,
      stateMachineArn,
      topics: {
        status: statusTopic,
        operators: operatorsTopic,
        ...(topicByRole(topics, 'alarm') ? { alarms: topicByRole(topics, 'alarm') as string } : {}),
      },
      tables: { incidents: incidentsTable },
      backupBucket: Object.values(buckets)[0] ?? '',
      functions: manifest.functions.map((f) => f.name),
      ...(localConsole ? { consoleUrl: localConsole.url, identity: localConsole.identity } : {}),
      ...(localConsole && manifest.functions.some((f) => f.httpRoutes.some((r) => r.path === '/status'))
        ? { statusPageUrl: `${localConsole.url}/status` }
        : {}),
    };

    const stack: LocalStack = {
      description,
      clients: { ...clients, sfn: sfnClient, lambda: lambdaClient },
      elasticache,
      sns,
      sfn,
      lambda,
      cloudwatch,
      ...(localConsole ? { console: localConsole } : {}),
      environment,
      environmentOf(functionName) {
        const env = functionEnvironments.get(functionName);
        if (!env) throw new Error(`no function ${functionName}`);
        return { ...env };
      },
      ...(iam ? { iam } : {}),
      protect(caches) {
        assign({ PROTECTED_CACHES: JSON.stringify(caches) });
        iam?.setProtectedCaches(caches);
        protectedCaches = caches;
        // A freshness alarm's period is two backup intervals: on a backup scale other than the
        // alarms' own, it runs on the backup scale, to stay two intervals of the schedule that runs.
        // The mirror's schedule runs on the backup scale too, and so does its lag alarm.
        cloudwatch.setAlarms([
          ...probeAlarmSpecs(manifest.service, caches, probeSettings),
          ...backupAgeAlarmSpecs(manifest.service, caches, operatorsTopic).map((spec) => ({
            ...spec,
            timeScale: backupScale,
          })),
          ...mirrorLagAlarmSpecs(manifest.service, caches, operatorsTopic).map((spec) => ({
            ...spec,
            timeScale: backupScale,
          })),
        ]);
        if (schedule?.running) startSchedule();
      },
      startMonitoring() {
        cloudwatch.start();
        if (!schedule?.running) startSchedule();
        if (probeTimer) return;
        // As EventBridge does: a run every schedule period, whether or not the previous one has ended (a run
        // lasts its period plus one interval, so consecutive runs overlap by one round).
        probeTimer = setInterval(() => {
          const event = {
            version: '0',
            id: `probe-${Date.now()}`,
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: LOCAL_ACCOUNT_ID,
            time: new Date().toISOString(),
            region: LOCAL_REGION,
            resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/probe`],
            detail: {},
          };
          lambda.invoke('probe', event, { invocationType: 'Event' }).catch(() => undefined);
        }, probeScheduleMs);
        probeTimer.unref();
      },
      pauseJob(name) {
        if (![...backupJobs(), ...mirrorJobs()].some((j) => j.name === name))
          throw new Error(`no scheduled job ${name}`);
        pausedJobs.add(name);
        if (schedule?.has(name)) schedule.pause(name);
      },
      resumeJob(name) {
        pausedJobs.delete(name);
        if (schedule?.has(name)) schedule.resume(name);
      },
      async writeDescription(file) {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, `${JSON.stringify(description, null, 2)}\n`, { mode: 0o600 });
      },
      async stop() {
        if (probeTimer) clearInterval(probeTimer);
        probeTimer = undefined;
        schedule?.stop();
        cloudwatch.stop();
        for (const c of [
          clients.dynamodb,
          clients.s3,
          clients.sns,
          clients.ssm,
          clients.elasticache,
          sfnClient,
          lambdaClient,
        ])
          c.destroy();
        if (iam) for (const c of Object.values(stateMachineClients)) c.destroy();
        await stopAll();
      },
    };
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
