/** Timeline on the incidents table: one item per event, sorted by time under the incident. */
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TimelineEvent } from '../../domain/incident';
import type { Timeline } from '../../ports';
import { awsCall } from '../aws-errors';
import { PARTITION_PREFIX, timelineEventKey, timelineOf } from './layout';
import type { IncidentTable, Item } from './table';

function toTimelineEvent(item: Item): TimelineEvent {
  const event: TimelineEvent = {
    at: String(item.at),
    type: item.type as TimelineEvent['type'],
    message: String(item.message ?? ''),
  };
  if (item.detail !== undefined && item.detail !== null) event.detail = item.detail as Record<string, unknown>;
  return event;
}

export class DynamoDbTimeline implements Timeline {
  constructor(private readonly table: IncidentTable) {}

  async appendTimeline(incidentId: string, event: TimelineEvent): Promise<void> {
    await awsCall('DynamoDB PutItem (timeline)', () =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...timelineEventKey(incidentId, event.at, randomBytes(4).toString('hex')),
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
    const events = timelineOf(incidentId);
    const items = await this.table.queryAll(
      {
        KeyConditionExpression: PARTITION_PREFIX,
        ExpressionAttributeValues: { ':pk': events.pk, ':prefix': events.prefix },
        ScanIndexForward: true,
        ConsistentRead: true,
      },
      'DynamoDB Query (timeline)',
    );
    return items.map(toTimelineEvent);
  }
}
