/**
 * IncidentStore on the single-table incidents table (see README "Data model"):
 * incident `META`, timeline `EVENT#…`, notice markers `NOTICE#…`, approvals
 * `APPROVAL#…`, open-incident locks `CACHE#<id>/OPEN`, alarm delivery markers
 * and measured recoveries `STATS#<plan>`.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  ApprovalAlreadyDecidedError,
  IncidentNotFoundError,
  TransientDependencyError,
  ValidationError,
} from '../domain/errors';
import type { ExecutionInput, Incident, RecoveryPlan, TimelineEvent } from '../domain/incident';
import type { MeasuredRecovery } from '../domain/eta';
import {
  systemClock,
  type ApprovalDecisionRecord,
  type Clock,
  type IncidentConsoleStore,
  type IncidentStore,
  type OpenIncidentLock,
  type PendingApproval,
} from '../ports';
import { awsCall, errorName, rethrowAws } from './aws-errors';

const LOCK_TTL_SECONDS = 7 * 24 * 3600;
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);
const IMMUTABLE_INCIDENT_FIELDS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'incidentId', 'cacheId', 'openedAt']);

type Item = Record<string, unknown>;

const incidentPk = (incidentId: string): string => `INCIDENT#${incidentId}`;
const lockPk = (cacheId: string): string => `CACHE#${cacheId}`;

/** Builds the document client every DynamoDB adapter uses: undefined attributes are dropped, not rejected. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

function isConditionFailure(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

function withoutKeys(item: Item): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(k)) out[k] = v;
  return out;
}

function toLock(item: Item): OpenIncidentLock {
  return {
    cacheId: String(item.cacheId),
    incidentId: String(item.incidentId),
    executionName: String(item.executionName),
    executionInput: item.executionInput as ExecutionInput,
    openedAt: String(item.openedAt),
  };
}

function toTimelineEvent(item: Item): TimelineEvent {
  const event: TimelineEvent = {
    at: String(item.at),
    type: item.type as TimelineEvent['type'],
    message: String(item.message ?? ''),
  };
  if (item.detail !== undefined && item.detail !== null) event.detail = item.detail as Record<string, unknown>;
  return event;
}

function toApproval(item: Item): PendingApproval {
  const approval: PendingApproval = {
    incidentId: String(item.incidentId),
    step: String(item.step),
    status: item.status as PendingApproval['status'],
    requestedAt: String(item.requestedAt),
    facts: (item.facts as Record<string, unknown> | undefined) ?? {},
  };
  if (typeof item.decidedBy === 'string') approval.decidedBy = item.decidedBy;
  if (typeof item.decidedAt === 'string') approval.decidedAt = item.decidedAt;
  if (typeof item.reason === 'string') approval.reason = item.reason;
  if (typeof item.resumedAt === 'string') approval.resumedAt = item.resumedAt;
  return approval;
}

export interface DynamoDbIncidentStoreOptions {
  tableName: string;
  /** A document client; when omitted one is built for `region`. */
  client?: DynamoDBDocumentClient;
  region?: string;
  clock?: Clock;
}

export class DynamoDbIncidentStore implements IncidentStore, IncidentConsoleStore {
  private readonly table: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly clock: Clock;

  constructor(options: DynamoDbIncidentStoreOptions) {
    this.table = options.tableName;
    this.doc = options.client ?? documentClient(new DynamoDBClient(options.region ? { region: options.region } : {}));
    this.clock = options.clock ?? systemClock;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  private async queryAll(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    what: string,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await awsCall(what, () =>
        this.doc.send(
          new QueryCommand({ TableName: this.table, ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        ),
      );
      items.push(...((page.Items ?? []) as Item[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async acquireOpenLock(
    lock: OpenIncidentLock,
  ): Promise<{ acquired: true } | { acquired: false; existing: OpenIncidentLock }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: lockPk(lock.cacheId),
              sk: 'OPEN',
              cacheId: lock.cacheId,
              incidentId: lock.incidentId,
              executionName: lock.executionName,
              executionInput: lock.executionInput,
              openedAt: lock.openedAt,
              expiresAt: this.nowSeconds() + LOCK_TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { acquired: true };
      } catch (err) {
        if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB PutItem (open-incident lock)');
      }
      const existing = await this.getOpenLock(lock.cacheId, true);
      if (existing) return { acquired: false, existing };
      // Released between the put and the read: try again.
    }
    throw new TransientDependencyError(
      `the open-incident lock of cache ${lock.cacheId} changed during every attempt to take it`,
    );
  }

  async getOpenLock(cacheId: string, consistent = false): Promise<OpenIncidentLock | undefined> {
    const out = await awsCall('DynamoDB GetItem (open-incident lock)', () =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk: lockPk(cacheId), sk: 'OPEN' }, ConsistentRead: consistent }),
      ),
    );
    return out.Item ? toLock(out.Item) : undefined;
  }

  async releaseOpenLock(cacheId: string, incidentId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: lockPk(cacheId), sk: 'OPEN' },
          ConditionExpression: 'incidentId = :incidentId',
          ExpressionAttributeValues: { ':incidentId': incidentId },
        }),
      );
    } catch (err) {
      // Already released, or held by another incident: nothing of ours to release.
      if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB DeleteItem (open-incident lock)');
    }
  }

  async markDelivery(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.nowSeconds();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `DELIVERY#${key}`, sk: 'DELIVERY', expiresAt: now + ttlSeconds },
          // TTL deletion lags by up to days: an expired marker counts as absent.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      rethrowAws(err, 'DynamoDB PutItem (delivery marker)');
    }
  }

  async getIncident(incidentId: string): Promise<Incident | undefined> {
    const out = await awsCall('DynamoDB GetItem (incident)', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: incidentPk(incidentId), sk: 'META' },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? (withoutKeys(out.Item) as unknown as Incident) : undefined;
  }

  async updateIncident(
    incidentId: string,
    changes: Partial<Omit<Incident, 'incidentId' | 'cacheId' | 'openedAt'>> & Record<string, unknown>,
  ): Promise<void> {
    for (const [field, value] of Object.entries(changes)) {
      if (value !== undefined && IMMUTABLE_INCIDENT_FIELDS.has(field)) {
        throw new ValidationError('incident update', [{ path: field, message: 'cannot be changed' }]);
      }
    }
    if (!(await this.setIncidentFields(incidentId, changes, 'DynamoDB UpdateItem (incident)'))) {
      throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
    }
  }

  async markAttempt(
    incidentId: string,
    change: { status: 'FAILED' | 'OPEN'; attempt: number; fields?: Partial<Pick<Incident, 'failedAt' | 'error'>> },
  ): Promise<boolean> {
    const failed = change.status === 'FAILED';
    return this.setIncidentFields(
      incidentId,
      { ...change.fields, status: change.status, attempt: change.attempt },
      'DynamoDB UpdateItem (incident attempt)',
      {
        expression: failed
          ? '#cs <> :resolved AND (attribute_not_exists(#ca) OR #ca <= :n)'
          : '#cs = :failed AND (attribute_not_exists(#ca) OR #ca < :n)',
        names: { '#cs': 'status', '#ca': 'attempt' },
        values: { ':n': change.attempt, ...(failed ? { ':resolved': 'RESOLVED' } : { ':failed': 'FAILED' }) },
      },
    );
  }

  /** SET the defined `fields` on the incident record if it exists and `condition` holds; false when not. */
  private async setIncidentFields(
    incidentId: string,
    fields: Record<string, unknown>,
    what: string,
    condition?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<boolean> {
    const names: Record<string, string> = { ...condition?.names };
    const values: Record<string, unknown> = { ...condition?.values };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const i = sets.length;
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    }
    if (sets.length === 0) return true;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: incidentPk(incidentId), sk: 'META' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition ? `attribute_exists(pk) AND ${condition.expression}` : 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      rethrowAws(err, what);
    }
  }

  async appendTimeline(incidentId: string, event: TimelineEvent): Promise<void> {
    await awsCall('DynamoDB PutItem (timeline)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: incidentPk(incidentId),
            sk: `EVENT#${event.at}#${randomBytes(4).toString('hex')}`,
            at: event.at,
            type: event.type,
            message: event.message,
            ...(event.detail !== undefined ? { detail: event.detail } : {}),
          },
        }),
      ),
    );
  }

  async timeline(incidentId: string): Promise<TimelineEvent[]> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': incidentPk(incidentId), ':prefix': 'EVENT#' },
        ScanIndexForward: true,
        ConsistentRead: true,
      },
      'DynamoDB Query (timeline)',
    );
    return items.map(toTimelineEvent);
  }

  async claimNotice(incidentId: string, stage: string): Promise<'claimed' | 'sent'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: incidentPk(incidentId),
            sk: `NOTICE#${stage}`,
            status: 'CLAIMED',
            claimedAt: this.clock.now().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'CLAIMED' },
        }),
      );
      return 'claimed';
    } catch (err) {
      // The marker exists and is not CLAIMED: the only other status is SENT.
      if (isConditionFailure(err)) return 'sent';
      rethrowAws(err, 'DynamoDB PutItem (notice marker)');
    }
  }

  async confirmNotice(
    incidentId: string,
    stage: string,
    messageId: string,
    notice: { subject: string; text: string },
  ): Promise<void> {
    await awsCall('DynamoDB UpdateItem (notice marker)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: incidentPk(incidentId), sk: `NOTICE#${stage}` },
          UpdateExpression:
            'SET #status = :sent, messageId = :messageId, sentAt = :sentAt, subject = :subject, #text = :text',
          ExpressionAttributeNames: { '#status': 'status', '#text': 'text' },
          ExpressionAttributeValues: {
            ':sent': 'SENT',
            ':messageId': messageId,
            ':sentAt': this.clock.now().toISOString(),
            ':subject': notice.subject,
            ':text': notice.text,
          },
        }),
      ),
    );
  }

  async savePendingApproval(approval: PendingApproval, taskToken: string): Promise<void> {
    await awsCall('DynamoDB PutItem (approval)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: incidentPk(approval.incidentId),
            sk: `APPROVAL#${approval.step}`,
            incidentId: approval.incidentId,
            step: approval.step,
            status: approval.status,
            requestedAt: approval.requestedAt,
            facts: approval.facts,
            decidedBy: approval.decidedBy,
            decidedAt: approval.decidedAt,
            reason: approval.reason,
            taskToken,
          },
        }),
      ),
    );
  }

  async recordRecovery(measured: MeasuredRecovery & { incidentId: string; at: string }): Promise<void> {
    await awsCall('DynamoDB PutItem (recovery statistics)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `STATS#${measured.plan}`,
            sk: `${measured.at}#${measured.incidentId}`,
            plan: measured.plan,
            incidentId: measured.incidentId,
            at: measured.at,
            seconds: measured.seconds,
            backupSizeBytes: measured.backupSizeBytes,
          },
        }),
      ),
    );
  }

  async recentRecoveries(plan: RecoveryPlan, limit: number): Promise<MeasuredRecovery[]> {
    if (limit <= 0) return [];
    const out = await awsCall('DynamoDB Query (recovery statistics)', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `STATS#${plan}` },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return ((out.Items ?? []) as Item[])
      .map((item) => {
        const m: MeasuredRecovery = { plan, seconds: Number(item.seconds) };
        if (typeof item.backupSizeBytes === 'number') m.backupSizeBytes = item.backupSizeBytes;
        return m;
      })
      .reverse();
  }

  async listIncidents(limit: number): Promise<Incident[]> {
    if (limit <= 0) return [];
    const out = await awsCall('DynamoDB Query (incident list)', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :incident',
          ExpressionAttributeValues: { ':incident': 'INCIDENT' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return ((out.Items ?? []) as Item[]).map((item) => withoutKeys(item) as unknown as Incident);
  }

  async approvals(incidentId: string): Promise<PendingApproval[]> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': incidentPk(incidentId), ':prefix': 'APPROVAL#' },
        ProjectionExpression: 'incidentId, step, #status, requestedAt, facts, decidedBy, decidedAt, reason',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
      },
      'DynamoDB Query (approvals)',
    );
    return items.map(toApproval);
  }

  async pendingApproval(
    incidentId: string,
    step: string,
  ): Promise<{ approval: PendingApproval; taskToken: string } | undefined> {
    const out = await awsCall('DynamoDB GetItem (approval)', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: incidentPk(incidentId), sk: `APPROVAL#${step}` },
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item || typeof out.Item.taskToken !== 'string') return undefined;
    return { approval: toApproval(out.Item), taskToken: out.Item.taskToken };
  }

  async decideApproval(incidentId: string, step: string, decision: ApprovalDecisionRecord): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: incidentPk(incidentId), sk: `APPROVAL#${step}` },
          UpdateExpression: 'SET #status = :status, decidedBy = :by, decidedAt = :at, reason = :reason',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': decision.status,
            ':by': decision.decidedBy,
            ':at': decision.decidedAt,
            ':reason': decision.reason,
            ':pending': 'PENDING',
          },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) {
        throw new ApprovalAlreadyDecidedError(`approval ${step} of incident ${incidentId} is not pending`, {
          cause: err,
        });
      }
      rethrowAws(err, 'DynamoDB UpdateItem (approval)');
    }
  }

  async markApprovalResumed(incidentId: string, step: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: incidentPk(incidentId), sk: `APPROVAL#${step}` },
          UpdateExpression: 'SET resumedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err))
        throw new IncidentNotFoundError(`no approval ${step} for incident ${incidentId}`, { cause: err });
      rethrowAws(err, 'DynamoDB UpdateItem (approval resumed)');
    }
  }
}
