/**
 * The only module that reads `process.env`. Each value is validated on first
 * use and then kept: a function that needs a variable fails fast with a
 * message naming it, and functions that do not need it do not have to set it.
 */
import { protectedCachesSchema, type ProtectedCache } from './domain/caches';
import { ConfigError } from './domain/errors';
import { int, required, seconds } from './config-values';
import { GROUP_WINDOW_SECONDS } from './domain/groups';
import { RECOVERY_PLANS, type RecoveryPlan, type WorkflowSettings } from './domain/incident';
import type { ApprovalPolicy } from './domain/recovery';
import { parseTemplates, type NoticeTemplates } from './domain/notices';
import { timeZoneOf, type TimeZone } from './domain/time-labels';
import templatesDocument from '../config/notices.json';

/**
 * Every environment variable the functions read. The loader reads `env` only
 * through these names (its `Env` type allows no other), and the template test
 * checks serverless.yml against them.
 */
export const ENVIRONMENT_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'INCIDENTS_TABLE',
  'STATUS_TOPIC_ARN',
  'OPERATORS_TOPIC_ARN',
  'STATE_MACHINE_ARN',
  'PROTECTED_CACHES',
  'APPROVAL_DEFAULT',
  'APPROVAL_TIMEOUT_SECONDS',
  'APPROVAL_HEARTBEAT_SECONDS',
  'POLL_INTERVAL_SECONDS',
  'MAX_POLLS',
  'REQUIRE_APPROVAL_FOR',
  'SERVICE_NAME',
  'SUPPORT_CONTACT',
  'CONSOLE_URL',
  'ALARM_MAX_AGE_SECONDS',
  'EXPECTED_ACCOUNT_ID',
  'INCIDENT_ALARM_PREFIX',
  'PROBE_TIMEOUT_MS',
  'PROBE_INTERVAL_SECONDS',
  'PROBE_SCHEDULE_SECONDS',
  'CONFIRM_SECONDS',
  'CONFIRM_PINGS',
  'METRICS_NAMESPACE',
  'S3_FORCE_PATH_STYLE',
  'DEDUP_TTL_SECONDS',
  'CONSOLE_TOKEN_ISSUER',
  'CONSOLE_CLIENT_ID',
  'CONSOLE_JWKS_URI',
  'CONSOLE_AUTH_DOMAIN',
  'OPERATOR_TIME_ZONE',
  'GROUP_WINDOW_SECONDS',
  'REPORTS_BUCKET',
] as const;
export type EnvironmentVariable = (typeof ENVIRONMENT_VARIABLES)[number];

type Env = Readonly<Partial<Record<EnvironmentVariable, string>>>;

export interface Config {
  readonly region: string;
  readonly incidentsTable: string;
  readonly statusTopicArn: string;
  readonly operatorsTopicArn: string;
  readonly stateMachineArn: string;
  readonly protectedCaches: readonly ProtectedCache[];
  readonly settings: WorkflowSettings;
  readonly approvalPolicy: ApprovalPolicy;
  readonly notices: { serviceName: string; supportContact: string; consoleUrl?: string };
  readonly templates: NoticeTemplates;
  readonly alarmMaxAgeSeconds: number;
  readonly expectedAccountId?: string;
  /** Names of this stack's incident (probe) alarms start with this; see serverless/alarms.js. */
  readonly incidentAlarmPrefix?: string;
  readonly probeTimeoutMs: number;
  /** The probe: seconds between two rounds (fractions allowed, as the local stack scales them). */
  readonly probeIntervalSeconds: number;
  /** The probe: seconds between two scheduled runs, the schedule rule's rate. */
  readonly probeScheduleSeconds: number;
  /** Confirm Outage: PINGs spread over a window before the first customer notice. */
  readonly confirmation: { seconds: number; pings: number };
  readonly metricsNamespace: string;
  readonly s3ForcePathStyle: boolean;
  readonly dedupTtlSeconds: number;
  /** Alarms of one provider this close to its group's first alarm join the group (seconds). */
  readonly groupWindowSeconds: number;
  /** The zone operators read times in (console, messages to operators): IANA name and label, UTC by default. */
  readonly operatorTimeZone: TimeZone;
  /** The console's identity provider (the Cognito user pool and its app client). */
  readonly consoleAuth: ConsoleAuthConfig;
  /** Where Close Incident stores the post-incident report; no report is stored without it. */
  readonly reportsBucket?: string;
}

export interface ConsoleAuthConfig {
  /** The `iss` of the tokens: `https://cognito-idp.<region>.amazonaws.com/<user pool id>`. */
  readonly issuer: string;
  /** The app client: the ID token's `aud`. */
  readonly clientId: string;
  /** Where the signing keys are published: `<issuer>/.well-known/jwks.json` unless set. */
  readonly jwksUri: string;
  /** The user pool domain (managed login): `/oauth2/authorize`, `/oauth2/token` and `/logout` live under it. */
  readonly domain?: string;
}

function parseCaches(raw: string): ProtectedCache[] {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError('environment variable PROTECTED_CACHES is not JSON', { cause });
  }
  const parsed = protectedCachesSchema.safeParse(doc);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`environment variable PROTECTED_CACHES is invalid: ${detail}`);
  }
  return parsed.data;
}

function parsePlans(raw: string | undefined): RecoveryPlan[] {
  if (raw === undefined) return ['PROVISION_FROM_BACKUP', 'GLOBAL_FAILOVER'];
  const plans = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of plans) {
    if (!(RECOVERY_PLANS as readonly string[]).includes(p)) {
      throw new ConfigError(
        `environment variable REQUIRE_APPROVAL_FOR has unknown plan "${p}" (known: ${RECOVERY_PLANS.join(', ')})`,
      );
    }
  }
  return plans as RecoveryPlan[];
}

/** Builds a config whose values are read lazily from `env` and memoised. */
export function loadConfig(env: Env = process.env): Config {
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, read: () => T): T => {
    if (!cache.has(key)) cache.set(key, read());
    return cache.get(key) as T;
  };
  const config: Config = {
    get region() {
      return lazy('region', () => env.AWS_REGION ?? required(env, 'AWS_DEFAULT_REGION'));
    },
    get incidentsTable() {
      return lazy('incidentsTable', () => required(env, 'INCIDENTS_TABLE'));
    },
    get statusTopicArn() {
      return lazy('statusTopicArn', () => required(env, 'STATUS_TOPIC_ARN'));
    },
    get operatorsTopicArn() {
      return lazy('operatorsTopicArn', () => required(env, 'OPERATORS_TOPIC_ARN'));
    },
    get stateMachineArn() {
      return lazy('stateMachineArn', () => required(env, 'STATE_MACHINE_ARN'));
    },
    get protectedCaches() {
      return lazy('protectedCaches', () => Object.freeze(parseCaches(required(env, 'PROTECTED_CACHES'))));
    },
    get settings() {
      return lazy('settings', () => {
        const approvalDefault = env.APPROVAL_DEFAULT ?? 'abort';
        if (approvalDefault !== 'proceed' && approvalDefault !== 'abort') {
          throw new ConfigError(
            `environment variable APPROVAL_DEFAULT must be "proceed" or "abort", got "${approvalDefault}"`,
          );
        }
        const approvalTimeoutSeconds = int(env, 'APPROVAL_TIMEOUT_SECONDS', 1800, 2, 7 * 24 * 3600);
        const approvalHeartbeatSeconds = int(env, 'APPROVAL_HEARTBEAT_SECONDS', 600, 1, 7 * 24 * 3600);
        if (approvalHeartbeatSeconds >= approvalTimeoutSeconds) {
          throw new ConfigError('APPROVAL_HEARTBEAT_SECONDS must be smaller than APPROVAL_TIMEOUT_SECONDS');
        }
        return Object.freeze({
          pollIntervalSeconds: int(env, 'POLL_INTERVAL_SECONDS', 30, 1, 3600),
          maxPolls: int(env, 'MAX_POLLS', 40, 1, 1000),
          approvalTimeoutSeconds,
          approvalHeartbeatSeconds,
          approvalDefault,
        } satisfies WorkflowSettings);
      });
    },
    get approvalPolicy() {
      return lazy('approvalPolicy', () => Object.freeze({ requireApprovalFor: parsePlans(env.REQUIRE_APPROVAL_FOR) }));
    },
    get notices() {
      return lazy('notices', () =>
        Object.freeze({
          serviceName: required(env, 'SERVICE_NAME'),
          supportContact: required(env, 'SUPPORT_CONTACT'),
          ...(env.CONSOLE_URL ? { consoleUrl: env.CONSOLE_URL } : {}),
        }),
      );
    },
    get templates() {
      return lazy('templates', () => {
        try {
          return parseTemplates(templatesDocument);
        } catch (cause) {
          throw new ConfigError(`config/notices.json is invalid: ${(cause as Error).message}`, { cause });
        }
      });
    },
    get alarmMaxAgeSeconds() {
      return lazy('alarmMaxAgeSeconds', () => int(env, 'ALARM_MAX_AGE_SECONDS', 3600, 60, 7 * 24 * 3600));
    },
    get expectedAccountId() {
      return lazy('expectedAccountId', () => env.EXPECTED_ACCOUNT_ID || undefined);
    },
    get incidentAlarmPrefix() {
      return lazy('incidentAlarmPrefix', () => env.INCIDENT_ALARM_PREFIX || undefined);
    },
    get probeTimeoutMs() {
      return lazy('probeTimeoutMs', () => int(env, 'PROBE_TIMEOUT_MS', 1000, 50, 10000));
    },
    get probeIntervalSeconds() {
      return lazy('probeIntervalSeconds', () => seconds(env, 'PROBE_INTERVAL_SECONDS', 10, 3600));
    },
    get probeScheduleSeconds() {
      return lazy('probeScheduleSeconds', () => seconds(env, 'PROBE_SCHEDULE_SECONDS', 60, 86_400));
    },
    get confirmation() {
      return lazy('confirmation', () =>
        Object.freeze({
          // At most 20 s: the window, its PINGs (PROBE_TIMEOUT_MS each, 10 s at most) and
          // the reads before them fit the function's 40 s timeout (serverless.yml, confirmOutage).
          seconds: int(env, 'CONFIRM_SECONDS', 10, 0, 20),
          pings: int(env, 'CONFIRM_PINGS', 3, 1, 10),
        }),
      );
    },
    get metricsNamespace() {
      return lazy('metricsNamespace', () => env.METRICS_NAMESPACE ?? 'CacheOutageWorkflow');
    },
    get s3ForcePathStyle() {
      return lazy('s3ForcePathStyle', () => env.S3_FORCE_PATH_STYLE === 'true');
    },
    get dedupTtlSeconds() {
      return lazy('dedupTtlSeconds', () => int(env, 'DEDUP_TTL_SECONDS', 2 * 24 * 3600, 60, 30 * 24 * 3600));
    },
    get groupWindowSeconds() {
      return lazy('groupWindowSeconds', () =>
        int(
          env,
          'GROUP_WINDOW_SECONDS',
          GROUP_WINDOW_SECONDS.default,
          GROUP_WINDOW_SECONDS.min,
          GROUP_WINDOW_SECONDS.max,
        ),
      );
    },
    get operatorTimeZone() {
      return lazy('operatorTimeZone', () => timeZoneOf(env.OPERATOR_TIME_ZONE));
    },
    get consoleAuth() {
      return lazy('consoleAuth', () => {
        const issuer = required(env, 'CONSOLE_TOKEN_ISSUER').replace(/\/+$/, '');
        const domain = env.CONSOLE_AUTH_DOMAIN?.trim().replace(/\/+$/, '');
        return Object.freeze({
          issuer,
          clientId: required(env, 'CONSOLE_CLIENT_ID'),
          jwksUri: env.CONSOLE_JWKS_URI?.trim() || `${issuer}/.well-known/jwks.json`,
          ...(domain ? { domain } : {}),
        });
      });
    },
    get reportsBucket() {
      return lazy('reportsBucket', () => env.REPORTS_BUCKET || undefined);
    },
  };
  return Object.freeze(config);
}

/** The process-wide configuration. */
export const config: Config = loadConfig();
