import type { RecoveryPlan } from './incident';

/** Minutes each plan took when nothing was measured yet (ElastiCache documentation and field experience). */
export const DEFAULT_PLAN_MINUTES: Record<RecoveryPlan, number> = {
  RECOVERED: 0,
  PROMOTE_REPLICA: 2,
  // Nothing to provision or promote: the standby already is a primary; clients are cut over to it.
  PROMOTE_STANDBY: 1,
  GLOBAL_FAILOVER: 5,
  PROVISION_FROM_BACKUP: 15,
  ESCALATE: 0,
};

/** One measured recovery: how long the plan took until clients were served again. */
export interface MeasuredRecovery {
  plan: RecoveryPlan;
  seconds: number;
  backupSizeBytes?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Minutes until clients are served again. Uses the median of past recoveries
 * of the same plan (scaled by backup size for restores, since loading an RDB is
 * linear in its size), else the documented default. Always at least 1 minute,
 * rounded up to what a person would say ("about 5 minutes").
 */
export function estimateMinutes(plan: RecoveryPlan, history: MeasuredRecovery[], backupSizeBytes?: number): number {
  if (plan === 'RECOVERED' || plan === 'ESCALATE') return 0;
  const same = history.filter((h) => h.plan === plan && h.seconds > 0).slice(-20);
  let seconds: number;
  if (same.length === 0) {
    seconds = DEFAULT_PLAN_MINUTES[plan] * 60;
  } else if (plan === 'PROVISION_FROM_BACKUP' && backupSizeBytes && same.every((h) => h.backupSizeBytes)) {
    const perByte = median(same.map((h) => h.seconds / Math.max(1, h.backupSizeBytes as number)));
    const fixed = median(same.map((h) => h.seconds)) * 0.5;
    seconds = Math.max(fixed, perByte * backupSizeBytes);
  } else {
    seconds = median(same.map((h) => h.seconds));
  }
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes <= 10 ? minutes : Math.ceil(minutes / 5) * 5;
}
