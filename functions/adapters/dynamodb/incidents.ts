/**
 * IncidentRecords on the incidents table: the incident record, the incident
 * list (gsi1), and measured recoveries under their plan, sorted by time.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { IncidentNotFoundError, ValidationError } from '../../domain/errors';
import type { MeasuredRecovery } from '../../domain/eta';
import type { Incident, RecoveryPlan } from '../../domain/incident';
import type { IncidentRecords } from '../../ports';
import { awsCall, rethrowAws } from '../aws-errors';
import { INCIDENT_LIST, ITEM_EXISTS, KEY, KEY_ATTRIBUTES, incidentKey, recoveriesOf, recoveryKey } from './layout';
import { isConditionFailure, withoutKeys, type IncidentTable, type Item } from './table';

const IMMUTABLE_INCIDENT_FIELDS = new Set([...KEY_ATTRIBUTES, 'incidentId', 'cacheId', 'openedAt']);

export class DynamoDbIncidentRecords implements IncidentRecords {
  constructor(private readonly table: IncidentTable) {}

  async getIncident(incidentId: string): Promise<Incident | undefined> {
    const out = await awsCall('DynamoDB GetItem (incident)', () =>
      this.table.doc.send(
        new GetCommand({
          TableName: this.table.name,
          Key: incidentKey(incidentId),
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

  async listIncidents(limit: number): Promise<Incident[]> {
    if (limit <= 0) return [];
    const out = await awsCall('DynamoDB Query (incident list)', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          IndexName: INCIDENT_LIST.index,
          KeyConditionExpression: `${INCIDENT_LIST.partition} = :incident`,
          ExpressionAttributeValues: { ':incident': INCIDENT_LIST.value },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return ((out.Items ?? []) as Item[]).map((item) => withoutKeys(item) as unknown as Incident);
  }

  async recordRecovery(measured: MeasuredRecovery & { incidentId: string; at: string }): Promise<void> {
    await awsCall('DynamoDB PutItem (recovery statistics)', () =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...recoveryKey(measured.plan, measured.at, measured.incidentId),
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
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: `${KEY.partition} = :pk`,
          ExpressionAttributeValues: { ':pk': recoveriesOf(plan) },
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
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: incidentKey(incidentId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition ? `${ITEM_EXISTS} AND ${condition.expression}` : ITEM_EXISTS,
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
}
