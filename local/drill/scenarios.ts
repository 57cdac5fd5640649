/** What each drill scenario breaks, and what it must end in. */
export const SCENARIOS = {
  restore: 'the whole primary group dies; a replacement is restored from the newest RDB backup in S3',
  promote:
    "the primary node of an ElastiCache replication group with Multi-AZ and automatic failover dies; ElastiCache's own failover promotes its replica and the workflow cuts over to it",
  'global-failover':
    "the primary region's cache of a Global Datastore dies; the secondary in another region is promoted through that region's API",
  recovers: 'the provider hangs, then comes back by itself before anything is replaced',
  'no-backup': 'the cache dies and there is neither a replica nor a backup: operators are escalated',
  reject: 'the cache dies and an operator rejects the restore plan: operators are escalated',
  'approval-timeout': 'nobody answers the approval request: escalation, then the configured default (proceed)',
  'step-fails': 'the newest backup is corrupt, so the restore fails: the incident is marked failed and escalated',
  redrive:
    'the endpoint record cannot be written, so the restore stops at Cut Over and is escalated; once writes are allowed again the execution is redriven and resolves from that step',
} as const;
export type Scenario = keyof typeof SCENARIOS;

export function isScenario(s: string): s is Scenario {
  return Object.prototype.hasOwnProperty.call(SCENARIOS, s);
}

/** Scenarios whose incident must resolve; the others must end failed with an escalation. */
export function expectsResolution(s: Scenario): boolean {
  return (
    s === 'restore' ||
    s === 'promote' ||
    s === 'global-failover' ||
    s === 'recovers' ||
    s === 'approval-timeout' ||
    s === 'redrive'
  );
}
