/**
 * StatusPages on the incidents table: one item per service (layout.ts,
 * `statusPageKey`) holding the whole page, bounded by the domain
 * (STATUS_HISTORY). A notice is added by reading the item and putting it back
 * on the condition that its version did not move; a lost race reads again.
 * Readers make one GetItem on that item and nothing else.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { recordNotice, type SentNotice, type StatusPage } from '../../domain/status-page';
import type { StatusPages } from '../../ports';
import { awsCall } from '../aws-errors';
import { ITEM_ABSENT, statusPageKey } from './layout';
import { IncidentTable, isConditionFailure, type IncidentTableOptions, type Item } from './table';

/** Writers of one service racing for the item: each round reads the page the last one wrote. */
const ROUNDS = 5;

function toPage(item: Item): StatusPage {
  return {
    service: String(item.service),
    state: item.state as StatusPage['state'],
    updatedAt: String(item.updatedAt),
    events: (item.events ?? []) as StatusPage['events'],
  };
}

export class DynamoDbStatusPages implements StatusPages {
  private readonly table: IncidentTable;

  constructor(options: IncidentTableOptions) {
    this.table = new IncidentTable(options);
  }

  async statusPage(service: string): Promise<StatusPage | undefined> {
    return (await this.read(service, false))?.page;
  }

  async recordNotice(service: string, notice: SentNotice): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const current = await this.read(service, true);
      const next = recordNotice(current?.page, service, notice, this.table.clock.now());
      if (!next.changed) return;
      const version = (current?.version ?? 0) + 1;
      try {
        await awsCall('DynamoDB PutItem (status page)', () =>
          this.table.doc.send(
            new PutCommand({
              TableName: this.table.name,
              Item: { ...statusPageKey(service), ...next.page, version },
              ConditionExpression: current ? 'version = :seen' : ITEM_ABSENT,
              ...(current ? { ExpressionAttributeValues: { ':seen': current.version } } : {}),
            }),
          ),
        );
        return;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    throw new Error(`the status page of ${service} changed ${ROUNDS} times while a notice was added`);
  }

  private async read(service: string, consistent: boolean): Promise<{ page: StatusPage; version: number } | undefined> {
    const out = await awsCall('DynamoDB GetItem (status page)', () =>
      this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: statusPageKey(service), ConsistentRead: consistent }),
      ),
    );
    if (!out.Item) return undefined;
    return { page: toPage(out.Item), version: typeof out.Item.version === 'number' ? out.Item.version : 0 };
  }
}
