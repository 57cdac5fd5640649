/** NoticeLog on the incidents table: one marker per notice, CLAIMED before publishing, SENT after. */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NOTICE_STAGES, type NoticeStage } from '../../domain/incident';
import type { SentNotice } from '../../domain/report/types';
import type { NoticeLog } from '../../ports';
import { awsCall, rethrowAws } from '../aws-errors';
import { ITEM_ABSENT, PARTITION_PREFIX, noticeKey } from './layout';
import { isConditionFailure, type IncidentTable } from './table';

const stageOf = (item: Record<string, unknown>): string => String(item.sk).slice('NOTICE#'.length);

export class DynamoDbNoticeLog implements NoticeLog {
  constructor(private readonly table: IncidentTable) {}

  async claimNotice(incidentId: string, stage: string): Promise<'claimed' | 'sent'> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...noticeKey(incidentId, stage),
            status: 'CLAIMED',
            claimedAt: this.table.clock.now().toISOString(),
          },
          ConditionExpression: `${ITEM_ABSENT} OR #status = :claimed`,
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
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: noticeKey(incidentId, stage),
          UpdateExpression:
            'SET #status = :sent, messageId = :messageId, sentAt = :sentAt, subject = :subject, #text = :text',
          ExpressionAttributeNames: { '#status': 'status', '#text': 'text' },
          ExpressionAttributeValues: {
            ':sent': 'SENT',
            ':messageId': messageId,
            ':sentAt': this.table.clock.now().toISOString(),
            ':subject': notice.subject,
            ':text': notice.text,
          },
        }),
      ),
    );
  }

  async sentNotices(incidentId: string): Promise<SentNotice[]> {
    const { pk } = noticeKey(incidentId, '');
    const items = await this.table.queryAll(
      {
        KeyConditionExpression: PARTITION_PREFIX,
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'NOTICE#' },
        ConsistentRead: true,
      },
      'DynamoDB Query (notices)',
    );
    return items
      .filter((item) => item.status === 'SENT' && (NOTICE_STAGES as readonly string[]).includes(stageOf(item)))
      .map((item) => ({
        stage: stageOf(item) as NoticeStage,
        subject: String(item.subject ?? ''),
        text: String(item.text ?? ''),
        sentAt: String(item.sentAt ?? ''),
      }))
      .sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  }
}
