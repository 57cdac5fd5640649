/**
 * How the workflow's names read to a person: one table of labels for the
 * console, the CLI's human output and the messages to operators. The enum
 * values themselves stay in `--json`, the API and the records.
 */
import type { IncidentStatus, NoticeStage, RecoveryPlan, TimelineEventType } from './incident';

interface PlanLabel {
  /** A short name, e.g. in a list or a heading. */
  readonly name: string;
  /** What the workflow does, as the end of "Approve to …". */
  readonly action: string;
  /** What approving sets in motion, step by step, in one sentence. */
  readonly onApprove: string;
}

export const PLAN_LABELS: Readonly<Record<RecoveryPlan, PlanLabel>> = {
  RECOVERED: {
    name: 'Recovered by itself',
    action: 'close the incident',
    onApprove: 'the incident is closed; nothing is changed on the cache',
  },
  PROMOTE_REPLICA: {
    name: 'Promote a replica',
    action: 'promote a replica to primary',
    onApprove:
      'a replica is promoted to primary, clients are cut over to it, and what it missed is written back from the source of truth',
  },
  PROMOTE_STANDBY: {
    name: 'Switch to the warm standby',
    action: 'cut clients over to the warm standby',
    onApprove:
      'clients are cut over to the warm standby, then what changed since its last mirror cycle is written back from the source of truth',
  },
  GLOBAL_FAILOVER: {
    name: 'Fail over to the other region',
    action: 'fail over the Global Datastore to its secondary region',
    onApprove:
      'the Global Datastore fails over to its secondary region, clients are cut over to it, and what it missed is written back',
  },
  PROVISION_FROM_BACKUP: {
    name: 'Restore from backup',
    action: 'provision a replacement cache from a backup',
    onApprove:
      'a replacement cache is created from the backup, clients are cut over to it, and what the backup lacks is written back from the source of truth (customizations first)',
  },
  ESCALATE: {
    name: 'Escalate to operators',
    action: 'escalate',
    onApprove: 'the operators are escalated to; nothing is changed on the cache',
  },
};

export const planName = (plan: string | undefined): string =>
  plan === undefined ? '–' : (PLAN_LABELS[plan as RecoveryPlan]?.name ?? humanize(plan));

/** The customer-facing stages, as the stage a subscriber last heard. */
export const STAGE_LABELS: Readonly<Record<NoticeStage, string>> = {
  INVESTIGATING: 'Investigating',
  ETA: 'Recovery under way',
  PARTIALLY_RESTORED: 'Partially restored',
  RESOLVED: 'Resolved',
};

export const STATUS_LABELS: Readonly<Record<IncidentStatus, string>> = {
  OPEN: 'Open',
  RESOLVED: 'Resolved',
  FAILED: 'Failed',
  FALSE_ALARM: 'False alarm',
};

export const APPROVAL_STATUS_LABELS: Readonly<Record<'PENDING' | 'APPROVED' | 'REJECTED' | 'TIMED_OUT', string>> = {
  PENDING: 'Waiting for a decision',
  APPROVED: 'Approved',
  REJECTED: 'Rejected',
  TIMED_OUT: 'Timed out',
};

export const TIMELINE_LABELS: Readonly<Record<TimelineEventType, string>> = {
  ALARM: 'Alarm',
  ALARM_OK: 'Alarm cleared',
  ALARM_INSUFFICIENT_DATA: 'Alarm without data',
  INCIDENT_OPENED: 'Incident opened',
  OUTAGE_CONFIRMED: 'Outage confirmed',
  FALSE_ALARM: 'False alarm',
  ASSESSED: 'Assessed',
  APPROVAL_REQUESTED: 'Approval requested',
  APPROVAL_ACKNOWLEDGED: 'Operator looking',
  APPROVED: 'Approved',
  REJECTED: 'Rejected',
  APPROVAL_TIMED_OUT: 'Approval timed out',
  NOTICE_SENT: 'Customers notified',
  RECOVERY_STARTED: 'Recovery started',
  CACHE_AVAILABLE: 'Cache available',
  CUT_OVER: 'Clients cut over',
  VERIFIED: 'Cache verified',
  REHYDRATED: 'Data written back',
  DATA_VERIFIED: 'Data verified',
  RESOLVED: 'Resolved',
  FAILED: 'Failed',
  ESCALATED: 'Operators escalated',
  REDRIVE_REQUESTED: 'Continue requested',
  REDRIVEN: 'Workflow continued',
  REPORT_DRAFTED: 'Report drafted',
  REPORT_EDITED: 'Report edited',
  OPERATORS_TOLD: 'Operators told',
};

/** Step Functions execution statuses (DescribeExecution). */
export const EXECUTION_STATUS_LABELS: Readonly<Record<string, string>> = {
  RUNNING: 'Running',
  SUCCEEDED: 'Finished',
  FAILED: 'Stopped with an error',
  TIMED_OUT: 'Timed out',
  ABORTED: 'Stopped by hand',
  PENDING_REDRIVE: 'Continuing',
};

/** What happens when nobody decides an approval in time, by the configured `approvalDefault`. */
export const ON_TIMEOUT_LABELS: Readonly<Record<'proceed' | 'abort', string>> = {
  proceed: 'the operators are escalated to and the plan runs without an approval',
  abort: 'the operators are escalated to and the recovery stops: the incident is marked failed',
};

/** Steps that wait for an operator, by the step id the state machine gives them. */
export const APPROVAL_STEP_LABELS: Readonly<Record<string, string>> = {
  'recovery-plan': 'Recovery plan',
};

/** Label for any of the tables above; an unknown value reads as words, never as UPPER_SNAKE. */
export function label(table: Readonly<Record<string, string>>, value: string | undefined): string {
  if (value === undefined || value === '') return '–';
  return table[value] ?? humanize(value);
}

/** `SOME_NAME` / `some-name` / `someName` → "Some name". */
export function humanize(value: string): string {
  const words = value
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The facts of an approval request, by the key the request records them under, in the order they are shown. */
export const FACT_LABELS: Readonly<Record<string, string>> = {
  plan: 'Plan',
  reason: 'Why',
  etaMinutes: 'Clients served again in',
  replacement: 'Replacement',
  backupKey: 'Backup',
  backupTakenAt: 'Backup taken',
  backupAgeMinutes: 'Backup age',
  backupSizeBytes: 'Backup size',
  rdbVersion: 'RDB version',
  replica: 'Replica',
  replicaEndpoint: 'Replica endpoint',
  replicaLagSeconds: 'Replica lag',
  standby: 'Standby',
  standbyEndpoint: 'Standby endpoint',
  standbyMirroredUpTo: 'Standby mirrored up to',
  standbyLagSeconds: 'Standby behind by',
  standbyNotUsed: 'Standby not used',
  globalSecondaryRegion: 'Secondary region',
  globalSecondaryGroup: 'Secondary group',
  rejectedBackups: 'Backups not used',
};

/** The unit of a numeric fact, as read after its value. */
export const FACT_UNITS: Readonly<Record<string, 'min' | 's' | 'bytes'>> = {
  etaMinutes: 'min',
  backupAgeMinutes: 'min',
  backupSizeBytes: 'bytes',
  replicaLagSeconds: 's',
  standbyLagSeconds: 's',
};

/** The steps of a recovery as the console's progress picture names them (see ./progress.ts). */
export const PROGRESS_STEP_LABELS: Readonly<Record<string, string>> = {
  confirm: 'Confirm outage',
  assess: 'Assess',
  approval: 'Approval',
  recover: 'Recover',
  cache: 'Cache ready',
  cutover: 'Cut over',
  verify: 'Verify',
  writeback: 'Write back data',
  verifydata: 'Verify data',
  resolved: 'Resolved',
  'false-alarm': 'False alarm: closed',
};

/** How each state of a progress step reads next to its symbol. */
export const PROGRESS_STATE_LABELS: Readonly<Record<string, string>> = {
  done: 'done',
  current: 'in progress',
  todo: 'to come',
  skipped: 'skipped',
  failed: 'stopped here',
};

/** Where a cache stands in its provider's incident group (see ./groups.ts `MEMBER_STATES`). */
export const MEMBER_STATE_LABELS: Readonly<Record<string, string>> = {
  OPENED: 'Alarm received',
  CONFIRMED: 'Outage confirmed',
  FALSE_ALARM: 'False alarm',
  FAILED: 'Failed',
  REJECTED: 'Plan rejected',
  RELEASED: 'Taken out by an operator',
  RESOLVED: 'Resolved',
};

/** Where an incident group stands (see ./groups.ts `GROUP_STATUSES`). */
export const GROUP_STATUS_LABELS: Readonly<Record<string, string>> = {
  OPEN: 'Open',
  RESOLVED: 'Resolved',
  FALSE_ALARM: 'False alarm',
  CLOSED: 'Closed',
};

/** The reliability statistics' measures (see ./stats.ts), as the console and the CLI head them. */
export const STATS_MEASURE_LABELS = {
  detect: 'Time to detect',
  recoveryStart: 'Time to start recovery',
  outage: 'Outage per incident',
  degraded: 'Degraded per incident',
} as const;
