/**
 * loadConfig(env): the only reader of the environment. A function fails fast
 * with a message naming the variable it lacks or cannot accept, and a function
 * that does not need a variable does not have to set it.
 */
import { ENVIRONMENT_VARIABLES, loadConfig, type Config, type EnvironmentVariable } from '../functions/config';
import { ConfigError } from '../functions/domain/errors';
import { NOTICE_STAGES } from '../functions/domain/incident';

type Env = Partial<Record<EnvironmentVariable, string>>;

const CACHES = [
  {
    id: 'sessions',
    endpoint: { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true },
    endpointParameter: '/cache/sessions/endpoint',
  },
];
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';

/** What serverless.yml gives a function that needs everything. */
const VALID: Env = {
  AWS_REGION: 'us-east-1',
  INCIDENTS_TABLE: 'incidents',
  STATUS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:status',
  OPERATORS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:operators',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:incident-recovery',
  PROTECTED_CACHES: JSON.stringify(CACHES),
  SERVICE_NAME: 'Acme',
  SUPPORT_CONTACT: 'support@acme.test',
  CONSOLE_TOKEN_ISSUER: ISSUER,
  CONSOLE_CLIENT_ID: 'client-1',
};

/** Every value of a config, read as a function reads them. */
const readAll = (config: Config) => Object.fromEntries(Object.keys(config).map((k) => [k, config[k as keyof Config]]));

/** The ConfigError reading fails with (and fails the test if it does not). */
function configErrorOf(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, read succeeded');
}

describe('loadConfig', () => {
  it('reads a valid environment', () => {
    const config = loadConfig({
      ...VALID,
      POLL_INTERVAL_SECONDS: '15',
      MAX_POLLS: '60',
      APPROVAL_TIMEOUT_SECONDS: '900',
      APPROVAL_HEARTBEAT_SECONDS: '300',
      APPROVAL_DEFAULT: 'proceed',
      REQUIRE_APPROVAL_FOR: 'PROVISION_FROM_BACKUP',
      CONSOLE_URL: 'https://console.acme.test',
      EXPECTED_ACCOUNT_ID: '123456789012',
      INCIDENT_ALARM_PREFIX: 'cache-outage-workflow-prod-incident-',
      PROBE_TIMEOUT_MS: '500',
      CONFIRM_SECONDS: '5',
      CONFIRM_PINGS: '2',
      METRICS_NAMESPACE: 'Acme/Caches',
      S3_FORCE_PATH_STYLE: 'true',
      ALARM_MAX_AGE_SECONDS: '600',
      DEDUP_TTL_SECONDS: '3600',
      GROUP_WINDOW_SECONDS: '120',
      CONSOLE_AUTH_DOMAIN: 'https://acme.auth.us-east-1.amazoncognito.com',
    });
    expect(config).toMatchObject({
      region: 'us-east-1',
      incidentsTable: 'incidents',
      statusTopicArn: VALID.STATUS_TOPIC_ARN,
      operatorsTopicArn: VALID.OPERATORS_TOPIC_ARN,
      stateMachineArn: VALID.STATE_MACHINE_ARN,
      settings: {
        pollIntervalSeconds: 15,
        maxPolls: 60,
        approvalTimeoutSeconds: 900,
        approvalHeartbeatSeconds: 300,
        approvalDefault: 'proceed',
      },
      approvalPolicy: { requireApprovalFor: ['PROVISION_FROM_BACKUP'] },
      notices: { serviceName: 'Acme', supportContact: 'support@acme.test', consoleUrl: 'https://console.acme.test' },
      alarmMaxAgeSeconds: 600,
      expectedAccountId: '123456789012',
      incidentAlarmPrefix: 'cache-outage-workflow-prod-incident-',
      probeTimeoutMs: 500,
      confirmation: { seconds: 5, pings: 2 },
      metricsNamespace: 'Acme/Caches',
      s3ForcePathStyle: true,
      dedupTtlSeconds: 3600,
      groupWindowSeconds: 120,
      consoleAuth: {
        issuer: ISSUER,
        clientId: 'client-1',
        jwksUri: `${ISSUER}/.well-known/jwks.json`,
        domain: 'https://acme.auth.us-east-1.amazoncognito.com',
      },
    });
    expect(config.protectedCaches.map((c) => c.id)).toEqual(['sessions']);
    expect(Object.keys(config.templates).sort()).toEqual([...NOTICE_STAGES].sort());
  });

  it('fills the protected caches with the schema defaults', () => {
    const [cache] = loadConfig(VALID).protectedCaches;
    expect(cache).toMatchObject({
      displayName: 'cache',
      alarmNames: [],
      replacement: { nodeType: 'cache.r7g.large', engine: 'valkey', numCacheClusters: 2, port: 6379 },
    });
  });

  it('uses the documented defaults for everything optional', () => {
    const config = loadConfig(VALID);
    expect(config.settings).toEqual({
      pollIntervalSeconds: 30,
      maxPolls: 40,
      approvalTimeoutSeconds: 1800,
      approvalHeartbeatSeconds: 600,
      approvalDefault: 'abort',
    });
    expect(config.approvalPolicy).toEqual({ requireApprovalFor: ['PROVISION_FROM_BACKUP', 'GLOBAL_FAILOVER'] });
    expect(config.notices).toEqual({ serviceName: 'Acme', supportContact: 'support@acme.test' });
    expect(config.alarmMaxAgeSeconds).toBe(3600);
    expect(config.expectedAccountId).toBeUndefined();
    expect(config.incidentAlarmPrefix).toBeUndefined();
    expect(config.probeTimeoutMs).toBe(1000);
    expect(config.confirmation).toEqual({ seconds: 10, pings: 3 });
    expect(config.metricsNamespace).toBe('CacheOutageWorkflow');
    expect(config.s3ForcePathStyle).toBe(false);
    expect(config.dedupTtlSeconds).toBe(2 * 24 * 3600);
    expect(config.groupWindowSeconds).toBe(300);
    expect(config.consoleAuth).toEqual({
      issuer: ISSUER,
      clientId: 'client-1',
      jwksUri: `${ISSUER}/.well-known/jwks.json`,
    });
  });

  it.each<[string, Env, keyof Config, unknown]>([
    ['an empty integer is its default', { MAX_POLLS: '' }, 'settings', expect.objectContaining({ maxPolls: 40 })],
    ['an empty account id checks no account', { EXPECTED_ACCOUNT_ID: '' }, 'expectedAccountId', undefined],
    ['an empty alarm prefix is no prefix', { INCIDENT_ALARM_PREFIX: '' }, 'incidentAlarmPrefix', undefined],
    [
      'an empty console URL puts no link in messages',
      { CONSOLE_URL: '' },
      'notices',
      { serviceName: 'Acme', supportContact: 'support@acme.test' },
    ],
    [
      'an empty approval list asks approval for nothing',
      { REQUIRE_APPROVAL_FOR: '' },
      'approvalPolicy',
      { requireApprovalFor: [] },
    ],
    [
      'the approval list may have spaces and empty entries',
      { REQUIRE_APPROVAL_FOR: ' GLOBAL_FAILOVER , ,PROMOTE_REPLICA' },
      'approvalPolicy',
      { requireApprovalFor: ['GLOBAL_FAILOVER', 'PROMOTE_REPLICA'] },
    ],
    ['S3 path-style addressing only for exactly "true"', { S3_FORCE_PATH_STYLE: '1' }, 's3ForcePathStyle', false],
    [
      'the issuer and the sign-in domain lose trailing slashes',
      { CONSOLE_TOKEN_ISSUER: `${ISSUER}//`, CONSOLE_AUTH_DOMAIN: ' https://acme.auth.example/ ' },
      'consoleAuth',
      {
        issuer: ISSUER,
        clientId: 'client-1',
        jwksUri: `${ISSUER}/.well-known/jwks.json`,
        domain: 'https://acme.auth.example',
      },
    ],
    [
      'the signing keys can be published elsewhere',
      { CONSOLE_JWKS_URI: 'https://keys.acme.test/jwks.json' },
      'consoleAuth',
      { issuer: ISSUER, clientId: 'client-1', jwksUri: 'https://keys.acme.test/jwks.json' },
    ],
    [
      'the region falls back to AWS_DEFAULT_REGION',
      { AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-west-1' },
      'region',
      'eu-west-1',
    ],
    ['AWS_REGION wins over AWS_DEFAULT_REGION', { AWS_DEFAULT_REGION: 'eu-west-1' }, 'region', 'us-east-1'],
    [
      'a confirmation window of 0 s sends its PINGs at once',
      { CONFIRM_SECONDS: '0' },
      'confirmation',
      { seconds: 0, pings: 3 },
    ],
  ])('%s', (_case, env, key, expected) => {
    expect(loadConfig({ ...VALID, ...env })[key]).toEqual(expected);
  });

  it.each<EnvironmentVariable>([
    'INCIDENTS_TABLE',
    'STATUS_TOPIC_ARN',
    'OPERATORS_TOPIC_ARN',
    'STATE_MACHINE_ARN',
    'PROTECTED_CACHES',
    'SERVICE_NAME',
    'SUPPORT_CONTACT',
    'CONSOLE_TOKEN_ISSUER',
    'CONSOLE_CLIENT_ID',
  ])('fails naming %s when it is missing or blank', (name) => {
    for (const value of [undefined, '', '  ']) {
      const config = loadConfig({ ...VALID, [name]: value });
      expect(configErrorOf(() => readAll(config)).message).toBe(`environment variable ${name} is required`);
    }
  });

  it('fails naming AWS_DEFAULT_REGION when no region is set', () => {
    const config = loadConfig({ ...VALID, AWS_REGION: undefined });
    expect(configErrorOf(() => config.region).message).toBe('environment variable AWS_DEFAULT_REGION is required');
  });

  it.each<[EnvironmentVariable, number, number]>([
    ['POLL_INTERVAL_SECONDS', 1, 3600],
    ['MAX_POLLS', 1, 1000],
    ['APPROVAL_TIMEOUT_SECONDS', 2, 7 * 24 * 3600],
    ['APPROVAL_HEARTBEAT_SECONDS', 1, 7 * 24 * 3600],
    ['ALARM_MAX_AGE_SECONDS', 60, 7 * 24 * 3600],
    ['PROBE_TIMEOUT_MS', 50, 10000],
    ['CONFIRM_SECONDS', 0, 20],
    ['CONFIRM_PINGS', 1, 10],
    ['DEDUP_TTL_SECONDS', 60, 30 * 24 * 3600],
    ['GROUP_WINDOW_SECONDS', 1, 3600],
  ])('accepts %s from %d to %d, and names it with its range otherwise', (name, min, max) => {
    const base: Env = { ...VALID, APPROVAL_TIMEOUT_SECONDS: String(7 * 24 * 3600), APPROVAL_HEARTBEAT_SECONDS: '1' };
    // The heartbeat must also stay below the timeout, whose largest value is the same.
    const largest = name === 'APPROVAL_HEARTBEAT_SECONDS' ? max - 1 : max;
    for (const ok of [min, largest]) expect(() => readAll(loadConfig({ ...base, [name]: String(ok) }))).not.toThrow();
    for (const bad of [String(min - 1), String(max + 1), '1.5', 'ten']) {
      expect(configErrorOf(() => readAll(loadConfig({ ...base, [name]: bad }))).message).toBe(
        `environment variable ${name} must be an integer from ${min} to ${max}, got "${bad}"`,
      );
    }
  });

  it("reads the operators' time zone, labelled as people say it, and refuses a name that is no zone", () => {
    expect(loadConfig(VALID).operatorTimeZone).toEqual({ name: 'UTC', label: 'UTC' });
    expect(loadConfig({ ...VALID, OPERATOR_TIME_ZONE: 'America/New_York' }).operatorTimeZone).toEqual({
      name: 'America/New_York',
      label: 'ET',
    });
    const config = loadConfig({ ...VALID, OPERATOR_TIME_ZONE: 'Eastern' });
    expect(configErrorOf(() => config.operatorTimeZone).message).toBe(
      '"Eastern" is not a time zone (use an IANA name such as America/New_York or UTC)',
    );
  });

  it('refuses an approval default other than proceed or abort', () => {
    const config = loadConfig({ ...VALID, APPROVAL_DEFAULT: 'skip' });
    expect(configErrorOf(() => config.settings).message).toBe(
      'environment variable APPROVAL_DEFAULT must be "proceed" or "abort", got "skip"',
    );
  });

  it.each([
    ['equal to', '600'],
    ['longer than', '900'],
  ])('refuses an approval heartbeat %s the approval timeout', (_case, heartbeat) => {
    const config = loadConfig({ ...VALID, APPROVAL_TIMEOUT_SECONDS: '600', APPROVAL_HEARTBEAT_SECONDS: heartbeat });
    expect(configErrorOf(() => config.settings).message).toBe(
      'APPROVAL_HEARTBEAT_SECONDS must be smaller than APPROVAL_TIMEOUT_SECONDS',
    );
  });

  it('refuses an unknown plan in the approval list, naming the known ones', () => {
    const config = loadConfig({ ...VALID, REQUIRE_APPROVAL_FOR: 'PROVISION_FROM_BACKUP,RESTORE' });
    expect(configErrorOf(() => config.approvalPolicy).message).toBe(
      'environment variable REQUIRE_APPROVAL_FOR has unknown plan "RESTORE" (known: RECOVERED, PROMOTE_REPLICA, PROMOTE_STANDBY, GLOBAL_FAILOVER, PROVISION_FROM_BACKUP, ESCALATE)',
    );
  });

  it('refuses protected caches that are not JSON', () => {
    const config = loadConfig({ ...VALID, PROTECTED_CACHES: '[{id: sessions}]' });
    expect(configErrorOf(() => config.protectedCaches).message).toBe(
      'environment variable PROTECTED_CACHES is not JSON',
    );
  });

  it('refuses protected caches the schema rejects, with the path of each problem', () => {
    const config = loadConfig({
      ...VALID,
      PROTECTED_CACHES: JSON.stringify([...CACHES, { ...CACHES[0], endpoint: { host: 'h', port: 0 } }]),
    });
    const { message } = configErrorOf(() => config.protectedCaches);
    expect(message).toMatch(/^environment variable PROTECTED_CACHES is invalid: /);
    expect(message).toMatch(/\b1\.endpoint\.port: /);
    expect(message).toMatch(/\b1\.id: duplicate cache id sessions/);
  });

  it('lets a function that needs few variables run without the others', () => {
    const config = loadConfig({ PROTECTED_CACHES: VALID.PROTECTED_CACHES, PROBE_TIMEOUT_MS: '800' });
    expect(config.protectedCaches).toHaveLength(1);
    expect(config.probeTimeoutMs).toBe(800);
    expect(config.metricsNamespace).toBe('CacheOutageWorkflow');
    expect(configErrorOf(() => config.incidentsTable).message).toBe('environment variable INCIDENTS_TABLE is required');
  });

  it("reads the probe's interval and schedule in seconds, fractions included (the local stack scales them)", () => {
    const defaults = loadConfig({});
    expect([defaults.probeIntervalSeconds, defaults.probeScheduleSeconds]).toEqual([10, 60]);
    const scaled = loadConfig({ PROBE_INTERVAL_SECONDS: '0.3333333333333333', PROBE_SCHEDULE_SECONDS: '2' });
    expect([scaled.probeIntervalSeconds, scaled.probeScheduleSeconds]).toEqual([1 / 3, 2]);
    for (const raw of ['0', '-10', 'ten', '3601'])
      expect(configErrorOf(() => loadConfig({ PROBE_INTERVAL_SECONDS: raw }).probeIntervalSeconds).message).toBe(
        `environment variable PROBE_INTERVAL_SECONDS must be a number of seconds above 0 and at most 3600, got "${raw}"`,
      );
  });

  it('reads each value once, and keeps it frozen', () => {
    const env: Env = { ...VALID };
    const config = loadConfig(env);
    const settings = config.settings;
    expect(config.incidentsTable).toBe('incidents');
    env.MAX_POLLS = '5';
    env.INCIDENTS_TABLE = undefined;
    expect(config.settings).toBe(settings);
    expect(config.settings.maxPolls).toBe(40);
    expect(config.incidentsTable).toBe('incidents');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.settings)).toBe(true);
    expect(Object.isFrozen(config.protectedCaches)).toBe(true);
  });

  it('reads exactly the variables ENVIRONMENT_VARIABLES lists', () => {
    const read = new Set<string>();
    const env = new Proxy({ ...VALID, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'us-east-1' } as Env, {
      get(target, name, receiver) {
        if (typeof name === 'string') read.add(name);
        return Reflect.get(target, name, receiver) as unknown;
      },
    });
    readAll(loadConfig(env));
    expect([...read].sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
  });
});
