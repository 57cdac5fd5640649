/**
 * The incidents table's single-table layout, defined here only: the key of
 * every item, the index that lists incidents, and the incident record as the
 * state machine's first step, Record Incident, writes it with a direct
 * `dynamodb:putItem` (test/asl/record-incident.test.ts holds the ASL to it).
 *
 *   pk                  sk                       what
 *   INCIDENT#<id>       META                     the incident record (gsi1pk INCIDENT, gsi1sk openedAt)
 *   INCIDENT#<id>       EVENT#<at>#<random>      a timeline event
 *   INCIDENT#<id>       NOTICE#<stage>           a notice marker (CLAIMED, then SENT)
 *   INCIDENT#<id>       APPROVAL#<step>          an approval and its task token
 *   INCIDENT#<id>       REPORT_NOTES             what operators wrote on the report (versioned)
 *   CACHE#<cacheId>     OPEN                     the cache's open-incident lock
 *   CACHE#<cacheId>     BACKUP                   the cache's backup status (last run, last success, failures, test restore)
 *   CACHE#<cacheId>     MIRROR                   the cache's warm-standby mirror status (last cycle, last success, failures)
 *   DELIVERY#<key>      DELIVERY                 an alarm delivery marker
 *   STATS#<plan>        <at>#<incidentId>        a measured recovery
 *   PROVIDER#<provider> GROUP                    the provider's current incident group (groupId, openedAt, windowEndsAt)
 *   GROUP#<groupId>     META                     an incident group and its members (gsi1pk GROUP, gsi1sk openedAt)
 *   SOURCE#<table>      READERS                  the readers of a source-of-truth table and their leases
 *   STATUS#<service>    PAGE                     the public status page: current state and notices by event
 */
import type { RecoveryPlan } from '../../domain/incident';

/** The table's key attributes. */
export const KEY = { partition: 'pk', sort: 'sk' } as const;

/** The global secondary index that lists incident records, newest first. */
export const INCIDENT_LIST = { index: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk', value: 'INCIDENT' } as const;

/** Incident groups on the same index, apart from the incidents. */
export const GROUP_LIST = { index: INCIDENT_LIST.index, value: 'GROUP' } as const;

/** Attributes that place an item rather than describe it: never returned, never updated. */
export const KEY_ATTRIBUTES: ReadonlySet<string> = new Set([
  KEY.partition,
  KEY.sort,
  INCIDENT_LIST.partition,
  INCIDENT_LIST.sort,
]);

/** Condition on a put or update: the item is there / is not there yet. */
export const ITEM_EXISTS = `attribute_exists(${KEY.partition})`;
export const ITEM_ABSENT = `attribute_not_exists(${KEY.partition})`;

/** Key condition of a Query for the items of `:pk` whose sort key starts with `:prefix`. */
export const PARTITION_PREFIX = `${KEY.partition} = :pk AND begins_with(${KEY.sort}, :prefix)`;

export interface ItemKey {
  pk: string;
  sk: string;
}

/** The items of one partition whose sort keys share a prefix. */
export interface Collection {
  pk: string;
  prefix: string;
}

const incidentPartition = (incidentId: string): string => `INCIDENT#${incidentId}`;
const TIMELINE_PREFIX = 'EVENT#';
const APPROVAL_PREFIX = 'APPROVAL#';

export const incidentKey = (incidentId: string): ItemKey => ({ pk: incidentPartition(incidentId), sk: 'META' });

/** `unique` tells apart events of the same instant; events sort by time. */
export const timelineEventKey = (incidentId: string, at: string, unique: string): ItemKey => ({
  pk: incidentPartition(incidentId),
  sk: `${TIMELINE_PREFIX}${at}#${unique}`,
});
export const timelineOf = (incidentId: string): Collection => ({
  pk: incidentPartition(incidentId),
  prefix: TIMELINE_PREFIX,
});

export const noticeKey = (incidentId: string, stage: string): ItemKey => ({
  pk: incidentPartition(incidentId),
  sk: `NOTICE#${stage}`,
});

export const approvalKey = (incidentId: string, step: string): ItemKey => ({
  pk: incidentPartition(incidentId),
  sk: `${APPROVAL_PREFIX}${step}`,
});
export const approvalsOf = (incidentId: string): Collection => ({
  pk: incidentPartition(incidentId),
  prefix: APPROVAL_PREFIX,
});

export const reportNotesKey = (incidentId: string): ItemKey => ({
  pk: incidentPartition(incidentId),
  sk: 'REPORT_NOTES',
});

export const openLockKey = (cacheId: string): ItemKey => ({ pk: `CACHE#${cacheId}`, sk: 'OPEN' });

export const backupStatusKey = (cacheId: string): ItemKey => ({ pk: `CACHE#${cacheId}`, sk: 'BACKUP' });
export const mirrorStatusKey = (cacheId: string): ItemKey => ({ pk: `CACHE#${cacheId}`, sk: 'MIRROR' });

export const providerGroupKey = (provider: string): ItemKey => ({ pk: `PROVIDER#${provider}`, sk: 'GROUP' });
export const groupKey = (groupId: string): ItemKey => ({ pk: `GROUP#${groupId}`, sk: 'META' });

export const sourceReadersKey = (table: string): ItemKey => ({ pk: `SOURCE#${table}`, sk: 'READERS' });
/** The service's public status page: the only item its readers may get. */
export const statusPageKey = (service: string): ItemKey => ({ pk: `STATUS#${service}`, sk: 'PAGE' });

export const deliveryKey = (key: string): ItemKey => ({ pk: `DELIVERY#${key}`, sk: 'DELIVERY' });

/** The partition of a plan's measured recoveries. */
export const recoveriesOf = (plan: RecoveryPlan): string => `STATS#${plan}`;
/** Sorted by time; a re-record of the same incident's recovery overwrites it. */
export const recoveryKey = (plan: RecoveryPlan, at: string, incidentId: string): ItemKey => ({
  pk: recoveriesOf(plan),
  sk: `${at}#${incidentId}`,
});

/** What Record Incident knows when it writes the record: the execution input and the execution itself. */
export interface RecordedIncident {
  incidentId: string;
  cacheId: string;
  openedAt: string;
  executionArn: string;
  executionName: string;
  triggerAlarm: string;
}

/** The incident record as Record Incident writes it: OPEN, listed by the time it opened. */
export function recordedIncidentItem(incident: RecordedIncident): Record<string, string> {
  return {
    ...incidentKey(incident.incidentId),
    incidentId: incident.incidentId,
    cacheId: incident.cacheId,
    status: 'OPEN',
    openedAt: incident.openedAt,
    executionArn: incident.executionArn,
    executionName: incident.executionName,
    triggerAlarm: incident.triggerAlarm,
    [INCIDENT_LIST.partition]: INCIDENT_LIST.value,
    [INCIDENT_LIST.sort]: incident.openedAt,
  };
}

/**
 * Record Incident's condition: a second execution for the same incident is
 * refused, a retry of the same execution's write succeeds (`:self` is the
 * execution's ARN).
 */
export const RECORD_INCIDENT_CONDITION = `${ITEM_ABSENT} OR executionArn = :self`;
