/**
 * ElastiCache's account quotas that CreateReplicationGroup can refuse a
 * replacement for, and how that refusal reads to an operator.
 *
 * The wire codes are CreateReplicationGroup's documented errors (ElastiCache
 * API Reference, `API_CreateReplicationGroup`, Errors); the SDK names each
 * exception after its code with `Fault` appended. The quota names are AWS's:
 * "Nodes per Region" (AWS General Reference, "Amazon ElastiCache endpoints and
 * quotas"), "Nodes per cluster per instance type" (the limit type
 * CreateReplicationGroup says to request an increase of); the two others are
 * worded as the faults describe them. No default value is quoted: the
 * account's own value is in the Service Quotas console.
 */
import { QuotaExceededError } from './errors';

export interface ElastiCacheQuota {
  /** The quota as AWS names it. */
  readonly quota: string;
  /** What the quota counts, for "the replacement needs N …". */
  readonly counts: 'nodes' | 'clusters' | 'shards';
}

/** By wire code (`NodeQuotaForCustomerExceeded`). */
export const ELASTICACHE_QUOTAS: Readonly<Record<string, ElastiCacheQuota>> = {
  NodeQuotaForCustomerExceeded: { quota: 'Nodes per Region', counts: 'nodes' },
  ClusterQuotaForCustomerExceeded: { quota: 'Clusters per customer', counts: 'clusters' },
  NodeQuotaForClusterExceeded: { quota: 'Nodes per cluster per instance type', counts: 'nodes' },
  NodeGroupsPerReplicationGroupQuotaExceeded: { quota: 'Node groups (shards) per replication group', counts: 'shards' },
};

/** The wire code of an ElastiCache quota fault, from the SDK's exception name or the code itself; undefined otherwise. */
export function quotaCodeOf(errorName: string): string | undefined {
  const code = errorName.endsWith('Fault') ? errorName.slice(0, -'Fault'.length) : errorName;
  return Object.hasOwn(ELASTICACHE_QUOTAS, code) ? code : undefined;
}

/**
 * The refusal as an error whose message carries the quota, the code and the
 * nodes needed: only the message crosses Step Functions to the escalation,
 * which reads them back with `quotaRefusalOf`. `cause` is AWS's error.
 */
export function quotaExceeded(
  awsError: string,
  replicationGroupId: string,
  nodesRequested: number,
  cause?: unknown,
): QuotaExceededError {
  const { quota } = ELASTICACHE_QUOTAS[awsError] ?? { quota: awsError };
  const nodes = `${nodesRequested} node${nodesRequested === 1 ? '' : 's'}`;
  const said = cause instanceof Error && cause.message ? ` ElastiCache said: ${cause.message}` : '';
  return new QuotaExceededError(
    awsError,
    quota,
    nodesRequested,
    `ElastiCache refused to create ${replicationGroupId}: the account's quota "${quota}" is reached (${awsError}; this replacement needs ${nodes}).${said}`,
    { cause },
  );
}

const REFUSAL = /the account's quota "([^"]+)" is reached \(([A-Za-z]+); this replacement needs (\d+) nodes?\)/;

/** The quota, code and nodes of a QuotaExceededError's message; undefined for any other text. */
export function quotaRefusalOf(
  message: string,
): { quota: string; awsError: string; nodesRequested: number } | undefined {
  const match = REFUSAL.exec(message);
  if (!match) return undefined;
  return { quota: match[1] as string, awsError: match[2] as string, nodesRequested: Number(match[3]) };
}
