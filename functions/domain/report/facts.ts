/**
 * The facts a report is drafted from, read off the incident's timeline: the
 * events each workflow step records, with their details.
 */
import type { TimelineEvent, TimelineEventType } from '../incident';

export const first = (timeline: TimelineEvent[], type: TimelineEventType): TimelineEvent | undefined =>
  timeline.find((e) => e.type === type);

export const last = (timeline: TimelineEvent[], type: TimelineEventType): TimelineEvent | undefined =>
  [...timeline].reverse().find((e) => e.type === type);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export interface AlarmFacts {
  at: string;
  alarmName: string;
  reason?: string;
  detectedBy: 'probe' | 'metric' | 'unknown';
  /** The metric an ElastiCache alarm watched, when its reason names it. */
  metric?: string;
}

/**
 * What detected the outage: this stack's synthetic probe (its alarm is
 * `<prefix><cache>-unreachable`, see ../alarm.ts) or an ElastiCache metric
 * alarm (its reason names the metric it evaluated).
 */
export function alarmFacts(timeline: TimelineEvent[], cacheId: string): AlarmFacts | undefined {
  const e = timeline.find((t) => t.type === 'INCIDENT_OPENED' || t.type === 'ALARM');
  if (!e) return undefined;
  const alarmName = str(e.detail?.alarmName) ?? e.message.replace(/ is ALARM.*$/, '');
  const reason = str(e.detail?.reason);
  if (alarmName.endsWith(`${cacheId}-unreachable`))
    return { at: e.at, alarmName, detectedBy: 'probe', ...(reason ? { reason } : {}) };
  const metric = METRICS.find((m) => reason?.includes(m) || alarmName.includes(m));
  return {
    at: e.at,
    alarmName,
    ...(reason ? { reason } : {}),
    detectedBy: metric || /elasticache/i.test(`${alarmName} ${reason ?? ''}`) ? 'metric' : 'unknown',
    ...(metric ? { metric } : {}),
  };
}

/** ElastiCache metrics an outage alarm watches. */
const METRICS = [
  'EngineCPUUtilization',
  'CPUUtilization',
  'DatabaseMemoryUsagePercentage',
  'CurrConnections',
  'NewConnections',
  'ReplicationLag',
  'IsMaster',
  'Evictions',
  'SwapUsage',
  'FreeableMemory',
  'NetworkBytesIn',
  'CacheHits',
  'GetTypeCmds',
  'SetTypeCmds',
];

export interface AssessedFacts {
  at: string;
  plan?: string;
  reason?: string;
  primaryReachable?: boolean;
  primaryError?: string;
  replica?: string;
  standby?: string;
  rejectedStandby?: string;
  globalSecondary?: string;
  backup?: { key: string; ageMinutes?: number; sizeBytes?: number };
  rejectedBackups: { key: string; reason: string }[];
}

export function assessedFacts(timeline: TimelineEvent[]): AssessedFacts | undefined {
  const e = last(timeline, 'ASSESSED');
  if (!e) return undefined;
  const d = e.detail ?? {};
  const backup = obj(d.backup);
  const standby = obj(d.standby);
  const rejectedStandby = obj(d.rejectedStandby);
  const global = obj(d.globalSecondary);
  const key = str(backup?.key);
  const plan = str(d.plan);
  const reason = str(d.reason);
  const primaryError = str(d.primaryError);
  const replica = str(d.replica);
  const standbyGroup = str(standby?.replicationGroupId);
  const rejected = str(rejectedStandby?.replicationGroupId);
  const globalGroup = str(global?.replicationGroupId);
  const region = str(global?.region);
  const ageMinutes = num(backup?.ageMinutes);
  const sizeBytes = num(backup?.sizeBytes);
  return {
    at: e.at,
    ...(plan ? { plan } : {}),
    ...(reason ? { reason } : {}),
    ...(typeof d.primaryReachable === 'boolean' ? { primaryReachable: d.primaryReachable } : {}),
    ...(primaryError ? { primaryError } : {}),
    ...(replica ? { replica } : {}),
    ...(standbyGroup ? { standby: standbyGroup } : {}),
    ...(rejected ? { rejectedStandby: `${rejected}: ${str(rejectedStandby?.reason) ?? 'not usable'}` } : {}),
    ...(globalGroup ? { globalSecondary: region ? `${globalGroup} in ${region}` : globalGroup } : {}),
    ...(key
      ? {
          backup: {
            key,
            ...(ageMinutes !== undefined ? { ageMinutes } : {}),
            ...(sizeBytes !== undefined ? { sizeBytes } : {}),
          },
        }
      : {}),
    rejectedBackups: Array.isArray(d.rejectedBackups)
      ? d.rejectedBackups
          .map((b) => obj(b))
          .filter((b): b is Record<string, unknown> => b !== undefined)
          .map((b) => ({ key: str(b.key) ?? '?', reason: str(b.reason) ?? '' }))
      : [],
  };
}

export interface RehydrationFacts {
  at: string;
  written: number;
  byKind: Record<string, number>;
  seconds: number;
  expiredSkipped: number;
}

export function rehydrationFacts(timeline: TimelineEvent[]): RehydrationFacts | undefined {
  const e = last(timeline, 'REHYDRATED');
  if (!e) return undefined;
  const d = e.detail ?? {};
  const byKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(obj(d.byKind) ?? {})) if (typeof n === 'number') byKind[kind] = n;
  return {
    at: e.at,
    written: num(d.written) ?? 0,
    byKind,
    seconds: num(d.seconds) ?? 0,
    expiredSkipped: num(d.expiredSkipped) ?? 0,
  };
}

export interface FailureFacts {
  at: string;
  error?: string;
  cause?: string;
  /** The workflow step it stopped at. */
  state?: string;
}

export function failureFacts(timeline: TimelineEvent[]): FailureFacts | undefined {
  const e = last(timeline, 'FAILED');
  if (!e) return undefined;
  const error = str(e.detail?.error);
  const cause = str(e.detail?.cause);
  const state = str(e.detail?.failedState);
  return {
    at: e.at,
    ...(error ? { error } : {}),
    ...(cause ? { cause } : {}),
    ...(state ? { state } : {}),
  };
}

/** A step's event detail as a string, when it has one. */
export const detailString = (e: TimelineEvent | undefined, key: string): string | undefined => str(e?.detail?.[key]);
export const detailNumber = (e: TimelineEvent | undefined, key: string): number | undefined => num(e?.detail?.[key]);
