/** What each drill scenario breaks, and what it must end in. */
export const SCENARIOS = {
  restore: 'the whole primary group dies; a replacement is restored from the newest RDB backup in S3',
  'restore-external-bucket':
    'as restore, from a backup bucket the stack did not create (ACLs enabled, SSE-S3): the backup is written there with the read grant ElastiCache needs, which Provision checks',
  'restore-external-no-acls':
    "as restore, from an external backup bucket with ACLs disabled: ElastiCache cannot be granted read, Provision Cache fails and the operators get S3's refusal",
  promote:
    "the primary node of an ElastiCache replication group with Multi-AZ and automatic failover dies; ElastiCache's own failover promotes its replica and the workflow cuts over to it",
  'global-failover':
    "the primary region's cache of a Global Datastore dies; the secondary in another region is promoted through that region's API",
  recovers:
    'the provider hangs; once the workflow has confirmed the outage (customers are told) it comes back by itself before anything is replaced',
  'false-alarm':
    "the cache stays healthy but its alarm fires once: the workflow's own check finds it answering, the incident ends FALSE_ALARM, the operators get one message and customers none",
  'no-backup': 'the cache dies and there is neither a replica nor a backup: operators are escalated',
  reject: 'the cache dies and an operator rejects the restore plan: operators are escalated',
  'approval-timeout': 'nobody answers the approval request: escalation, then the configured default (proceed)',
  'step-fails': 'the newest backup is corrupt, so the restore fails: the incident is marked failed and escalated',
  'sync-refused':
    'as restore, but the provider refuses SYNC as most managed providers do: the scheduled backup falls back to SCAN + DUMP, and the restore keeps every TTL',
  'stale-backup':
    'the provider stops allowing backups: the operators are alerted when the newest backup passes the RPO, before the outage; the restore rehydrates the longer window',
  'corrupt-backup':
    'the newest backup arrives corrupt and fails its integrity check: Assess rejects it with the reason and restores from the one before',
  standby:
    "the provider dies and the cache has a warm standby the mirror keeps close: clients are cut over to the standby without provisioning, and only what changed since the mirror's last cycle is written back",
  'standby-stale':
    'as standby, but the mirror stopped an hour before the outage: the operators hear of the lag before the outage, and the longer window is written back',
  redrive:
    'the endpoint record cannot be written, so the restore stops at Cut Over and is escalated; once writes are allowed again the execution is redriven and resolves from that step',
  'provider-outage':
    'one provider loses every cache it hosts at once (--caches N, default 3): one incident group, a recovery per cache in parallel, customers told once per stage, operators asked once',
} as const;
export type Scenario = keyof typeof SCENARIOS;

export function isScenario(s: string): s is Scenario {
  return Object.prototype.hasOwnProperty.call(SCENARIOS, s);
}

/** Scenarios whose incident must resolve; the others must end failed with an escalation. */
export function expectsResolution(s: Scenario): boolean {
  return (
    s === 'restore' ||
    s === 'restore-external-bucket' ||
    s === 'sync-refused' ||
    s === 'stale-backup' ||
    s === 'corrupt-backup' ||
    s === 'promote' ||
    s === 'global-failover' ||
    s === 'recovers' ||
    s === 'approval-timeout' ||
    s === 'redrive' ||
    s === 'standby' ||
    s === 'standby-stale' ||
    s === 'provider-outage'
  );
}

/** The bucket restore drills from an external backup bucket use, created by the drill rather than the stack. */
export const EXTERNAL_BACKUP_BUCKET = 'accounts-external-backups';

/** Scenarios whose backups live in a bucket outside the stack; the value is the bucket's object ownership. */
export function externalBackupOwnership(s: Scenario): 'BucketOwnerPreferred' | 'BucketOwnerEnforced' | undefined {
  if (s === 'restore-external-bucket') return 'BucketOwnerPreferred';
  if (s === 'restore-external-no-acls') return 'BucketOwnerEnforced';
  return undefined;
}
