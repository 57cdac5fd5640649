/**
 * The operators' notes on an incident's post-incident report: one item per
 * incident (INCIDENT#<id> / REPORT_NOTES), replaced whole by a PutItem
 * conditioned on the version the editor loaded, so a save made meanwhile by
 * someone else is never overwritten.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ReportNotesConflictError } from '../../domain/errors';
import type { ActionItem, NotesEdit, ReportNotes } from '../../domain/report/notes';
import type { ReportNotesStore } from '../../ports';
import { awsCall, rethrowAws } from '../aws-errors';
import { ITEM_ABSENT, reportNotesKey } from './layout';
import { isConditionFailure, type IncidentTable, type Item } from './table';

function toNotes(item: Item): ReportNotes {
  const items = Array.isArray(item.actionItems) ? (item.actionItems as Item[]) : [];
  return {
    rootCause: typeof item.rootCause === 'string' ? item.rootCause : '',
    actionItems: items.map((a): ActionItem => ({
      text: String(a.text ?? ''),
      owner: String(a.owner ?? ''),
      ...(typeof a.due === 'string' ? { due: a.due } : {}),
    })),
    suggestions: (item.suggestions as ReportNotes['suggestions'] | undefined) ?? {},
    version: Number(item.version),
    ...(typeof item.updatedBy === 'string' ? { updatedBy: item.updatedBy } : {}),
    ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
    ...(item.lastEdit && typeof item.lastEdit === 'object' ? { lastEdit: item.lastEdit as NotesEdit } : {}),
  };
}

export class DynamoDbReportNotes implements ReportNotesStore {
  constructor(private readonly table: IncidentTable) {}

  async reportNotes(incidentId: string): Promise<ReportNotes | undefined> {
    const out = await awsCall('DynamoDB GetItem (report notes)', () =>
      this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: reportNotesKey(incidentId), ConsistentRead: true }),
      ),
    );
    return out.Item ? toNotes(out.Item) : undefined;
  }

  async saveReportNotes(
    incidentId: string,
    notes: Omit<ReportNotes, 'version'>,
    expectedVersion: number,
  ): Promise<ReportNotes> {
    const saved: ReportNotes = { ...notes, version: expectedVersion + 1 };
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...reportNotesKey(incidentId), incidentId, ...saved },
          ...(expectedVersion === 0
            ? { ConditionExpression: ITEM_ABSENT }
            : {
                ConditionExpression: '#version = :seen',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':seen': expectedVersion },
              }),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) {
        throw new ReportNotesConflictError(
          `the report notes of ${incidentId} were saved by someone else since version ${expectedVersion}`,
          { cause: err },
        );
      }
      rethrowAws(err, 'DynamoDB PutItem (report notes)');
    }
    return saved;
  }
}
