/**
 * GroupNotices on the group's item (GROUP#<g>/META): each member's arrival at
 * a notice stage in `members.<incident>.reached`, and one claim per stage in
 * `claims.<stage>`. Every write is a conditional UpdateItem on that one item,
 * which DynamoDB serializes; `ALL_NEW` gives the caller a snapshot taken
 * after its own write.
 */
import { sealsGroup, stagesAfter, type IncidentGroup } from '../../domain/groups';
import type { NoticeStage } from '../../domain/incident';
import type { GroupNotices } from '../../ports';
import { claimInMap, confirmInMap, markRecordedInMap, toGroup, updateGroup, type GroupUpdate } from './group-item';
import type { IncidentTable, Item } from './table';

export class DynamoDbGroupNotices implements GroupNotices {
  constructor(private readonly table: IncidentTable) {}

  async arriveAtStage(
    groupId: string,
    incidentId: string,
    stage: NoticeStage,
    etaMinutes?: number,
  ): Promise<IncidentGroup | undefined> {
    const eta = etaMinutes !== undefined;
    const arrive: GroupUpdate = {
      UpdateExpression: `SET members.#i.reached.#s = if_not_exists(members.#i.reached.#s, :now)${
        eta ? ', members.#i.etaMinutes = :eta' : ''
      }`,
      ConditionExpression: 'attribute_exists(members.#i.reached)',
      ExpressionAttributeNames: { '#i': incidentId, '#s': stage },
      ExpressionAttributeValues: { ':now': this.now(), ...(eta ? { ':eta': etaMinutes } : {}) },
      ReturnValues: 'ALL_NEW',
    };
    for (let round = 0; round < 2; round++) {
      const out = await this.update(groupId, arrive, 'arrive at a notice stage');
      if (out) return toGroup(out);
      // The member has no arrivals yet (or is no member): give it an empty map, only if it is a member.
      const made = await this.update(
        groupId,
        {
          UpdateExpression: 'SET members.#i.reached = if_not_exists(members.#i.reached, :empty)',
          ConditionExpression: 'attribute_exists(members.#i)',
          ExpressionAttributeNames: { '#i': incidentId },
          ExpressionAttributeValues: { ':empty': {} },
        },
        'member arrivals',
      );
      if (!made) return undefined;
    }
    return undefined;
  }

  async claimGroupNotice(
    groupId: string,
    stage: NoticeStage,
    claim: { by: string; etaMinutes?: number },
    seen: { version: number; staleBefore: string },
  ): Promise<boolean> {
    const now = this.now();
    const later = Object.fromEntries(stagesAfter(stage).map((s, n) => [`#later${n}`, s]));
    const claimItem = {
      status: 'CLAIMED',
      by: claim.by,
      at: now,
      ...(claim.etaMinutes !== undefined ? { etaMinutes: claim.etaMinutes } : {}),
    };
    const update: GroupUpdate = {
      UpdateExpression: `SET claims.#s = :claim${sealsGroup(stage) ? ', sealedAt = if_not_exists(sealedAt, :now)' : ''}`,
      ConditionExpression: [
        'attribute_exists(claims)',
        '(attribute_not_exists(claims.#s) OR (claims.#s.#status = :claimed AND (claims.#s.#by = :by OR claims.#s.#at < :stale)))',
        'version = :version',
        ...Object.keys(later).map((name) => `attribute_not_exists(claims.${name})`),
      ].join(' AND '),
      ExpressionAttributeNames: { '#s': stage, '#status': 'status', '#by': 'by', '#at': 'at', ...later },
      ExpressionAttributeValues: {
        ':claim': claimItem,
        ':claimed': 'CLAIMED',
        ':by': claim.by,
        ':stale': seen.staleBefore,
        ':version': seen.version,
        ...(sealsGroup(stage) ? { ':now': now } : {}),
      },
    };
    return claimInMap(this.table, groupId, 'claims', update, 'claim a group notice');
  }

  async confirmGroupNotice(
    groupId: string,
    stage: NoticeStage,
    by: string,
    sent: { messageId: string; subject: string; text: string },
  ): Promise<void> {
    await confirmInMap(this.table, groupId, 'claims', stage, by, sent, 'confirm a group notice');
  }

  async markGroupNoticeRecorded(groupId: string, stage: NoticeStage): Promise<void> {
    await markRecordedInMap(this.table, groupId, 'claims', stage, 'group notice recorded');
  }

  private update(groupId: string, update: GroupUpdate, what: string): Promise<Item | undefined> {
    return updateGroup(this.table, groupId, update, what);
  }

  private now(): string {
    return this.table.clock.now().toISOString();
  }
}
